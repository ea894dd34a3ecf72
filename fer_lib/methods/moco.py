"""MoCo-v2 (Chen et al., 2020): a momentum key encoder and a queue of past keys as negatives."""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from fer_lib.augment.generator import GeneratorState
from fer_lib.augment.views import ViewConfig, make_views
from fer_lib.losses.contrastive import info_nce
from fer_lib.nn.momentum import momentum_copy, momentum_update
from fer_lib.nn.mlp import projection_mlp
from fer_lib.nn.queue import KeyQueue


def group_forward(encoder: Callable[[Tensor], Tensor], x: Tensor, groups: int) -> Tensor:
    """``encoder`` on ``groups`` consecutive chunks of ``x`` separately (sizes differ by at most one), so that
    BatchNorm in train mode uses each chunk's own statistics, as on one of MoCo's GPUs. x: [B, ...] -> [B, D]."""
    if groups == 1:
        return encoder(x)
    return torch.cat([encoder(chunk) for chunk in x.tensor_split(groups)])


class MoCo(nn.Module):
    """Query encoder (backbone + 2-layer MLP projector), key encoder = its momentum copy, FIFO queue.

    Loss per query q_i: InfoNCE with the positive k_i (key of the other view of the same image) and the
    queue's keys as negatives (the other keys of the batch are not negatives, as in MoCo), temperature
    0.2 and momentum 0.999 (MoCo-v2's values; the SSL-FER repository does not give its baselines'
    settings; a short run passes a momentum scaled to its length, :func:`~fer_lib.nn.momentum.budget_momentum`).
    The key encoder is updated in ``after_optimizer_step``; the queue is updated in ``training_step``.

    Shuffle-BN on one device (``bn_groups`` G > 1): BatchNorm in train mode normalises with batch statistics,
    so a query and its key computed over the same items share a signature of the batch, which lets the
    model tell its positive from the queue's older keys without learning the image (MoCo, Sec. 3.3). MoCo
    computes BN per GPU and shuffles the keys across GPUs; here both encoders run on G chunks of the batch
    (:func:`group_forward`), the keys on a random permutation of it, then unpermuted, so key i is normalised
    with a group drawn at random from the whole batch, not with its query's group (on average 1/G of its
    group-mates are also its query's, as with MoCo's G GPUs). As on MoCo's GPUs, the query encoder's BN
    running statistics are updated once per chunk. G = 8: MoCo's 8 GPUs (32 images each at batch 256);
    G = 1: one group, no shuffle (the leak).
    """

    def __init__(self, backbone: nn.Module, views: tuple[ViewConfig, ViewConfig], proj_hidden: int = 2048,
                 proj_dim: int = 128, queue_size: int = 65536, temperature: float = 0.2, momentum: float = 0.999,
                 seed: int = 0, bn_groups: int = 8):
        super().__init__()
        self.backbone = backbone
        self.projector = projection_mlp(backbone.feature_dim, proj_hidden, proj_dim)
        self.key_backbone = momentum_copy(self.backbone)
        self.key_projector = momentum_copy(self.projector)
        self.queue = KeyQueue(queue_size, proj_dim)
        if bn_groups < 1:
            raise ValueError(f"MoCo bn_groups must be >= 1 (1: no shuffle-BN), got {bn_groups}")
        self.views, self.temperature, self.momentum, self.bn_groups = views, temperature, momentum, bn_groups
        self.rng = GeneratorState(seed)

    def training_step(self, batch: dict) -> tuple[Tensor, dict[str, float]]:
        """batch["image"]: uint8 [B, 3, H, W]. Returns (InfoNCE loss, logs)."""
        images = batch["image"]
        b = images.shape[0]
        g, groups = self.rng.generator, self.bn_groups
        if groups > 1 and b < 2 * groups:
            raise ValueError(f"MoCo shuffle-BN with bn_groups={groups} needs at least {2 * groups} images per batch, "
                             f"got {b}")
        xq = make_views(images, self.views[0], g)                                                        # [B, 3, S, S]
        q = F.normalize(group_forward(lambda x: self.projector(self.backbone(x)), xq, groups), dim=1)   # [B, D]
        with torch.no_grad():
            self.key_backbone.train(self.training)
            xk = make_views(images, self.views[1], g)                                                    # [B, 3, S, S]
            perm = torch.randperm(b, generator=g) if groups > 1 else torch.arange(b)
            perm = perm.to(xk.device)
            k = group_forward(lambda x: self.key_projector(self.key_backbone(x)), xk[perm], groups)
            k = k[torch.argsort(perm)]                                                                   # unshuffled
            k = F.normalize(k, dim=1)                                                                    # [B, D]
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
