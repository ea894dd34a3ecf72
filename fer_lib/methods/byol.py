"""BYOL (Grill et al., 2020): an online network predicts a momentum target network's projection."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fer_lib.augment.generator import GeneratorState
from fer_lib.augment.views import ViewConfig, two_views
from fer_lib.losses.byol import byol_loss
from fer_lib.nn.momentum import cosine_momentum, momentum_copy, momentum_update
from fer_lib.nn.mlp import projection_mlp


class BYOL(nn.Module):
    """Online: backbone -> projector (Linear-BN-ReLU-Linear) -> predictor (same); target: momentum copy of
    backbone + projector. Symmetric loss ``byol_loss(p1, z2') + byol_loss(p2, z1')``; target momentum
    from ``base_momentum`` (BYOL: 0.996) to 1 along a cosine over ``total_steps``; a short run passes a base
    scaled to its length (:func:`~fer_lib.nn.momentum.budget_momentum`: at 136 steps 0.996 leaves the target 76 %
    its random initialisation).
    """

    def __init__(self, backbone: nn.Module, views: tuple[ViewConfig, ViewConfig], total_steps: int,
                 proj_hidden: int = 4096, proj_dim: int = 256, base_momentum: float = 0.996, seed: int = 0):
        super().__init__()
        self.backbone = backbone
        self.projector = projection_mlp(backbone.feature_dim, proj_hidden, proj_dim, batch_norm=True)
        self.predictor = projection_mlp(proj_dim, proj_hidden, proj_dim, batch_norm=True)
        self.target_backbone = momentum_copy(self.backbone)
        self.target_projector = momentum_copy(self.projector)
        self.views, self.total_steps, self.base_momentum = views, total_steps, base_momentum
        self.register_buffer("step", torch.zeros((), dtype=torch.long))
        self.rng = GeneratorState(seed)

    def training_step(self, batch: dict) -> tuple[Tensor, dict[str, float]]:
        """batch["image"]: uint8 [B, 3, H, W]. Returns (symmetric BYOL loss, logs)."""
        images = batch["image"]
        b = images.shape[0]
        g = self.rng.generator
        x = two_views(images, self.views, g)   # [2B, 3, S, S]
        p = self.predictor(self.projector(self.backbone(x)))                                           # [2B, D]
        with torch.no_grad():
            self.target_backbone.train(self.training)
            self.target_projector.train(self.training)
            z = self.target_projector(self.target_backbone(x))                                         # [2B, D]
        # Each view's prediction regresses the *other* view's target (swap the halves).
        loss = byol_loss(p, torch.cat([z[b:], z[:b]])) * 2.0
        return loss, {"loss": float(loss.detach()), "momentum": self.current_momentum()}

    def current_momentum(self) -> float:
        return cosine_momentum(int(self.step), self.total_steps, self.base_momentum)

    @torch.no_grad()
    def after_optimizer_step(self) -> None:
        m = self.current_momentum()
        momentum_update(self.backbone, self.target_backbone, m)
        momentum_update(self.projector, self.target_projector, m)
        self.step += 1
