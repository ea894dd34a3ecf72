"""The CRS-CONT authors' linear evaluation (``retrain.py``), as an option of the chapter's frozen evaluation.

A linear layer ``Linear(F, K)`` on a frozen encoder, trained with SGD (lr 4, momentum 0.9, no weight decay,
the learning rate x0.2 at 60, 75 and 90 % of the epochs, batch 128) on faces that are re-cropped
(RandomResizedCrop scale (0.6, 1)) and flipped at every step, so the encoder runs on every training batch;
AffectNet's items drawn with the imbalanced sampler; the test accuracy is taken after every epoch and the
**best epoch on the test set** is reported, as the code does (it selects on the test set: an upper bound).
The book's default read-out (:func:`fer_lib.protocols.probes.linear_probe`) scores the last epoch instead.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fer_lib.augment.fer_views import FerViewConfig, fer_view
from fer_lib.data.imbalanced_sampler import ImbalancedSampler
from fer_lib.engine.trainer import StepInfo, fit, steps_per_epoch
from fer_lib.metrics.classification import accuracy


class AugmentedLinearProbe(nn.Module):
    """Frozen encoder (float [B, 3, S, S] -> [B, F], kept in eval mode, no gradient) + Linear(F, K) trained on
    freshly augmented views. Batch: dict(image uint8 [B, 3, H, W], <label_key> int [B])."""

    def __init__(self, encoder: nn.Module, feature_dim: int, num_classes: int, views: FerViewConfig,
                 label_key: str = "expression", seed: int = 0):
        super().__init__()
        self.encoder = encoder.requires_grad_(False)
        self.linear = nn.Linear(feature_dim, num_classes)
        self.views, self.label_key = views, label_key
        self.generator = torch.Generator().manual_seed(seed)

    def train(self, mode: bool = True):
        super().train(mode)
        self.encoder.eval()
        return self

    def training_step(self, batch: dict) -> tuple[torch.Tensor, dict]:
        x = fer_view(batch["image"], self.views, self.generator)                        # [B, 3, S, S]
        with torch.no_grad():
            h = self.encoder(x)
        logits = self.linear(h)
        y = batch[self.label_key].to(logits.device)
        return F.cross_entropy(logits, y), {"acc": float((logits.argmax(1) == y).float().mean())}


def authors_linear_probe(encoder: nn.Module, feature_dim: int, train_set, train_labels: np.ndarray,
                         test_x: np.ndarray, test_y: np.ndarray, num_classes: int, size: int, *, epochs: int = 100,
                         lr: float = 4.0, batch_size: int = 128, imbalanced_sampler: bool = False, seed: int = 0,
                         device: str | torch.device = "cpu") -> dict:
    """Train :class:`AugmentedLinearProbe` on ``train_set`` (items dict(image, expression); labels [N] for the
    sampler) and score it after every epoch on the frozen test features ``test_x`` [M, F] (from the same
    encoder, eval view). Returns {"accuracy": best epoch's, "last_accuracy", "best_epoch", "predictions"}."""
    torch.manual_seed(seed)
    views = FerViewConfig(size=size, scale=(0.6, 1.0), jitter_p=0.0, grey_p=0.0)      # crop + flip only
    probe = AugmentedLinearProbe(encoder, feature_dim, num_classes, views, seed=seed)
    spe = steps_per_epoch(len(train_set), min(batch_size, len(train_set)))
    opt = torch.optim.SGD(probe.linear.parameters(), lr=lr, momentum=0.9, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [round(f * epochs) * spe for f in (0.6, 0.75, 0.9)], 0.2)
    x = torch.as_tensor(np.asarray(test_x, np.float32))
    scores: list[tuple[float, np.ndarray]] = []

    def score(info: StepInfo) -> None:
        if info.epoch_end:
            with torch.no_grad():
                pred = probe.linear(x.to(probe.linear.weight.device)).argmax(1).cpu().numpy()
            scores.append((accuracy(test_y, pred), pred))

    fit(probe, train_set, optimizers=opt, schedulers=sched, batch_size=min(batch_size, len(train_set)),
        epochs=epochs, device=device, seed=seed, progress=False, callbacks=[score], desc="authors' probe",
        sampler=ImbalancedSampler(train_labels, seed) if imbalanced_sampler else None)
    best = int(np.argmax([s for s, _ in scores]))
    return {"accuracy": scores[best][0], "last_accuracy": scores[-1][0], "best_epoch": best + 1,
            "predictions": scores[best][1]}
