"""MoCo-v2 (Chen et al., 2020): a momentum key encoder and a queue of past keys as negatives."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from fer_lib.augment.generator import GeneratorState
from fer_lib.augment.views import ViewConfig, make_views
from fer_lib.losses.contrastive import info_nce
from fer_lib.nn.momentum import momentum_copy, momentum_update
from fer_lib.nn.mlp import projection_mlp
from fer_lib.nn.queue import KeyQueue


class MoCo(nn.Module):
    """Query encoder (backbone + 2-layer MLP projector), key encoder = its momentum copy, FIFO queue.

    Loss per query q_i: InfoNCE with the positive k_i (key of the other view of the same image) and the
    queue's keys as negatives (the other keys of the batch are not negatives, as in MoCo), temperature
    0.2 and momentum 0.999 (MoCo-v2's values; the SSL-FER repository does not give its baselines'
    settings). Single-device: no shuffled BatchNorm (MoCo's multi-GPU trick). The key encoder is updated
    in ``after_optimizer_step``; the queue is updated in ``training_step`` with the batch's keys.
    """

    def __init__(self, backbone: nn.Module, views: tuple[ViewConfig, ViewConfig], proj_hidden: int = 2048,
                 proj_dim: int = 128, queue_size: int = 65536, temperature: float = 0.2, momentum: float = 0.999,
                 seed: int = 0):
        super().__init__()
        self.backbone = backbone
        self.projector = projection_mlp(backbone.feature_dim, proj_hidden, proj_dim)
        self.key_backbone = momentum_copy(self.backbone)
        self.key_projector = momentum_copy(self.projector)
        self.queue = KeyQueue(queue_size, proj_dim)
        self.views, self.temperature, self.momentum = views, temperature, momentum
        self.rng = GeneratorState(seed)

    def training_step(self, batch: dict) -> tuple[Tensor, dict[str, float]]:
        """batch["image"]: uint8 [B, 3, H, W]. Returns (InfoNCE loss, logs)."""
        images = batch["image"]
        b = images.shape[0]
        g = self.rng.generator
        q = F.normalize(self.projector(self.backbone(make_views(images, self.views[0], g))), dim=1)     # [B, D]
        with torch.no_grad():
            self.key_backbone.train(self.training)
            k = F.normalize(self.key_projector(self.key_backbone(make_views(images, self.views[1], g))), dim=1)
        negatives = self.queue.keys().clone()                                                          # [L, D]
        candidates = torch.cat([k, negatives.to(k.dtype)])                                             # [B + L, D]
        sim = q @ candidates.T                                                                         # [B, B + L]
        pos_weight = torch.zeros_like(sim)
        pos_weight[:, :b] = torch.eye(b, device=sim.device)
        neg_mask = torch.zeros_like(sim, dtype=torch.bool)
        neg_mask[:, b:] = True
        loss = info_nce(sim, pos_weight, neg_mask, temperature=self.temperature)
        self.queue.enqueue(k)
        with torch.no_grad():
            top1 = float((sim.argmax(dim=1) == torch.arange(b, device=sim.device)).float().mean())
        return loss, {"loss": float(loss.detach()), "pos_top1": top1, "queue": float(len(negatives))}

    @torch.no_grad()
    def after_optimizer_step(self) -> None:
        momentum_update(self.backbone, self.key_backbone, self.momentum)
        momentum_update(self.projector, self.key_projector, self.momentum)
