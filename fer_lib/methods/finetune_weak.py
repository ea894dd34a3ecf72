"""Supervised cross-entropy on weakly augmented labelled images: the ABAW6 baseline and the student's fine-tuning.

After the teacher-student phase the student is fine-tuned on labelled data only (MPL's last stage); the
paper's baseline is the same training on the Aff-Wild2 frames alone.
"""

from __future__ import annotations

import torch
from torch import nn

from fer_lib.augment.weak_strong import weak_augment
from fer_lib.losses.semi import pseudo_label_ce
from fer_lib.methods.mpl import to_float_images


class WeakSupervised(nn.Module):
    """classifier: float images [B, 3, H, W] -> logits [B, K]. Batch: image uint8 [B, 3, H, W], expression [B].

    training_step: weak view (flip, random crop of side ``crop_fraction``, colour jitter; seeded by this method's
    generator) then CE.
    """

    def __init__(self, classifier: nn.Module, seed: int = 0, label_smoothing: float = 0.0, crop_fraction: float = 1.0):
        super().__init__()
        self.classifier, self.label_smoothing, self.crop_fraction = classifier, label_smoothing, crop_fraction
        self.generator = torch.Generator().manual_seed(seed)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier(images)

    def training_step(self, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        x = to_float_images(weak_augment(batch["image"], self.generator, crop_fraction=self.crop_fraction))
        logits = self.classifier(x).float()
        loss = pseudo_label_ce(logits, batch["expression"], label_smoothing=self.label_smoothing)
        return loss, {"acc": (logits.argmax(1) == batch["expression"]).float().mean().item()}
