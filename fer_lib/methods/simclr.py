"""SimCLR (Chen et al., 2020): two random views of each image, NT-Xent over the 2B projections."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fer_lib.augment.generator import GeneratorState
from fer_lib.augment.views import ViewConfig, two_views
from fer_lib.losses.contrastive import cosine_similarity_matrix, info_nce, pair_masks
from fer_lib.metrics.classification import positive_top1
from fer_lib.nn.mlp import projection_mlp


class SimCLR(nn.Module):
    """backbone: images [B, 3, S, S] -> features [B, F] with a ``feature_dim`` attribute.

    Projector ``Linear(F, hidden)-ReLU-Linear(hidden, proj_dim)`` (SSL-FER: 2048-2048-128), temperature 0.07
    (SSL-FER's value; SimCLR's paper used 0.1-0.5). ``views``: the two view pipelines (SSL-FER's view 1
    jitters always, view 2 with p = 0.8). Views are drawn from a generator seeded with ``seed`` kept in the
    state dict.
    """

    def __init__(self, backbone: nn.Module, views: tuple[ViewConfig, ViewConfig], proj_hidden: int = 2048,
                 proj_dim: int = 128, temperature: float = 0.07, seed: int = 0):
        super().__init__()
        self.backbone = backbone
        self.projector = projection_mlp(backbone.feature_dim, proj_hidden, proj_dim)
        self.views, self.temperature = views, temperature
        self.rng = GeneratorState(seed)

    def training_step(self, batch: dict) -> tuple[Tensor, dict[str, float]]:
        """batch["image"]: uint8 [B, 3, H, W]. Returns (NT-Xent loss, logs)."""
        images = batch["image"]
        b = images.shape[0]
        g = self.rng.generator
        x = two_views(images, self.views, g)  # [2B, 3, S, S]
        z = self.projector(self.backbone(x))                                                          # [2B, D]
        sim = cosine_similarity_matrix(z)                                                              # [2B, 2B]
        ids = torch.arange(b, device=z.device).repeat(2)                                               # [2B]
        masks = pair_masks(ids)
        loss = info_nce(sim, *masks, temperature=self.temperature)
        with torch.no_grad():
            top1 = positive_top1(sim, masks.pos_weight)
        return loss, {"loss": float(loss.detach()), "pos_top1": top1}
