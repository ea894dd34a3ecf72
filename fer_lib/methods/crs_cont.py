"""CRS-CONT pretraining (Li et al., IEEE TIP 2022) and the supervised cross-entropy encoder it is compared to.

A general expression encoder is pretrained with coarse labels only; afterwards it is frozen and every
target (fine classes, valence/arousal, other datasets) gets its own linear layer on the pooled features h.

    image uint8 [B, 3, H, W] --two FER views--> x [2B, 3, S, S] --encoder--> h [2B, F]
        --MLP F-F-128--> z [2B, 128] (L2-normalised) --Linear(128, K)--> c [2B, K]
    loss = weighted coarse SupCon(z) + CE(c_view1, coarse) + 0.4 * NT-Xent(normalize(softmax(c)))

The same module, with other arguments, gives the chapter's ablations: ``class_weight=None`` (no weight
vector), ``instance_weight=0`` (no softmax contrast), ``label_key="expression", ce_weight=0,
instance_weight=0`` (fine-label SupCon) and ``label_key=None`` (image ids: SimCLR, no labels at all).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.ops import MLP

from fer_lib.augment.fer_views import FerViewConfig, fer_two_views, fer_view
from fer_lib.losses.crs_cont import crs_cont_loss, group_weights

__all__ = ["CrsCont", "SupervisedEncoder", "default_class_weight"]


def default_class_weight(negative_weight: float = 0.5) -> Tensor:
    """The code's weight vector over COARSE_4 (neutral, negative, positive, surprise): [1, w_neg, 1, 1]."""
    return group_weights({"negative": negative_weight})


class CrsCont(nn.Module):
    """Encoder + projection MLP + coarse classifier, trained with :func:`fer_lib.losses.crs_cont.crs_cont_loss`.

    encoder: any module mapping float [B, 3, S, S] to pooled features [B, F] (ResNet-18 with F = 512 in the
    paper); feature_dim: F; views: the FER augmentation; class_weight: [K] weight vector (None = plain SupCon);
    label_key: the batch entry whose labels define positives ("coarse"; "expression" for fine SupCon; None =
    image ids, i.e. SimCLR); num_classes: K of the classifier on z (4 coarse groups); proj_dim: 128;
    instance_weight: 0.4; ce_weight: 1; ce_on_both_views: False (the code: first view only);
    seed: seeds the augmentation's generator.
    Batch: dict(image uint8 [B, 3, H, W], coarse int [B], expression int [B] if used).
    """

    def __init__(self, encoder: nn.Module, feature_dim: int, views: FerViewConfig = FerViewConfig(),
                 class_weight: Tensor | None = None, label_key: str | None = "coarse", num_classes: int = 4,
                 proj_dim: int = 128, temperature: float = 0.07, instance_weight: float = 0.4,
                 ce_weight: float = 1.0, ce_on_both_views: bool = False, seed: int = 0):
        super().__init__()
        self.encoder = encoder
        self.head = MLP(feature_dim, [feature_dim, proj_dim], activation_layer=nn.ReLU)  # Linear-ReLU-Linear
        self.classifier = nn.Linear(proj_dim, num_classes)
        self.register_buffer("class_weight", class_weight.float() if class_weight is not None else None)
        self.views, self.label_key = views, label_key
        self.temperature, self.instance_weight = temperature, instance_weight
        self.ce_weight, self.ce_on_both_views = ce_weight, ce_on_both_views
        self.generator = torch.Generator().manual_seed(seed)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        """x: float [N, 3, S, S] -> dict(h [N, F] pooled features, z [N, P] unit-norm embedding, logits [N, K])."""
        h = self.encoder(x)
        z = F.normalize(self.head(h), dim=1)
        return {"h": h, "z": z, "logits": self.classifier(z)}

    def training_step(self, batch: dict) -> tuple[Tensor, dict[str, float]]:
        images = batch["image"]
        b = images.shape[0]
        x = fer_two_views(images, self.views, self.generator)                                   # [2B, 3, S, S]
        out = self(x)
        if self.label_key is None:
            labels = torch.arange(b, device=images.device)                                    # image ids: SimCLR
        else:
            labels = batch[self.label_key].to(images.device)
        loss, parts = crs_cont_loss(out["z"], out["logits"], labels, self.class_weight, self.temperature,
                                    self.instance_weight, self.temperature, self.ce_weight, self.ce_on_both_views)
        return loss, {"loss": float(loss.detach()), **{k: float(v) for k, v in parts.items()}}


class SupervisedEncoder(nn.Module):
    """The fully supervised baseline: encoder + Linear(F, K) trained with cross-entropy on fine labels.

    One FER view per image (the same augmentation as CRS-CONT). Batch: dict(image uint8 [B, 3, H, W],
    <label_key> int [B]). After training, only ``encoder`` is kept and evaluated frozen like the others.
    """

    def __init__(self, encoder: nn.Module, feature_dim: int, num_classes: int, views: FerViewConfig = FerViewConfig(),
                 label_key: str = "expression", seed: int = 0):
        super().__init__()
        self.encoder = encoder
        self.classifier = nn.Linear(feature_dim, num_classes)
        self.views, self.label_key = views, label_key
        self.generator = torch.Generator().manual_seed(seed)

    def forward(self, x: Tensor) -> Tensor:
        """x: float [B, 3, S, S] -> logits [B, K]."""
        return self.classifier(self.encoder(x))

    def training_step(self, batch: dict) -> tuple[Tensor, dict[str, float]]:
        x = fer_view(batch["image"], self.views, self.generator)                                 # [B, 3, S, S]
        logits = self(x)
        labels = batch[self.label_key].to(logits.device)
        loss = F.cross_entropy(logits.float(), labels)
        acc = (logits.argmax(1) == labels).float().mean()
        return loss, {"loss": float(loss.detach()), "acc": float(acc)}
