"""Momentum (EMA) copies of a network: MoCo's key encoder and BYOL's target network."""

from __future__ import annotations

import copy
import math

import torch
from torch import nn


def momentum_copy(module: nn.Module) -> nn.Module:
    """A frozen deep copy of ``module`` (no gradients), to be updated with :func:`momentum_update`."""
    target = copy.deepcopy(module)
    for p in target.parameters():
        p.requires_grad_(False)
    return target


@torch.no_grad()
def momentum_update(online: nn.Module, target: nn.Module, momentum: float) -> None:
    """``target = momentum * target + (1 - momentum) * online`` for every parameter; buffers
    (BatchNorm running statistics) are copied from ``online``. ``momentum = 1`` keeps the target,
    ``momentum = 0`` copies the online network."""
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum must be in [0, 1], got {momentum}")
    online_params, target_params = list(online.parameters()), list(target.parameters())
    if len(online_params) != len(target_params):
        raise ValueError("online and target networks have different parameter lists")
    # Tensor.lerp_ computes start + weight * (end - start), the same kernel the fused multi-tensor
    # path runs per tensor, so results are bit-identical to it.
    for t, o in zip(target_params, online_params, strict=True):
        t.lerp_(o, 1.0 - momentum)
    for o, t in zip(online.buffers(), target.buffers(), strict=True):
        t.copy_(o)


def cosine_momentum(step: int, total_steps: int, base: float) -> float:
    """BYOL's schedule: ``1 - (1 - base) * (cos(pi * step / total_steps) + 1) / 2`` (base at step 0, 1 at the end)."""
    if total_steps <= 0:
        raise ValueError(f"total_steps must be > 0, got {total_steps}")
    progress = min(max(step / total_steps, 0.0), 1.0)
    return 1.0 - (1.0 - base) * (math.cos(math.pi * progress) + 1.0) / 2.0


def budget_momentum(paper_momentum: float, total_steps: int, time_fraction: float | None) -> float:
    """The EMA momentum for a run of ``total_steps`` steps whose time constant is ``time_fraction`` of the run.

    An EMA ``target <- m * target + (1 - m) * online`` forgets with time constant ``tau = 1 / (1 - m)``
    steps, and after S steps the initial weights keep the share ``m ** S``. The papers' values assume long
    runs (MoCo-v2: 0.999, tau = 1000 steps of 1.25 M; BYOL: 0.996, tau = 250): in a run of 136 steps the
    target would still be ``0.999 ** 136 = 87 %`` its random initialisation. Here

        m = min(paper_momentum, max(0, 1 - 1 / (time_fraction * total_steps)))

    so ``tau = time_fraction * total_steps`` and the initial share after the run is
    ``(1 - 1 / (f S)) ** S <= exp(-1 / f)`` (f = 0.1: at most 4.5e-5). The paper's value is kept
    (``time_fraction=None``, or a run long enough that ``f * S >= 1 / (1 - paper_momentum)``), so the
    rule never makes the target faster than the paper's. For BYOL's cosine schedule, pass the result as
    the base momentum (the schedule then halves the forgetting: share ~ ``exp(-1 / (2 f))``).
    """
    if not 0.0 <= paper_momentum <= 1.0:
        raise ValueError(f"paper_momentum must be in [0, 1], got {paper_momentum}")
    if time_fraction is None:
        return paper_momentum
    if total_steps <= 0:
        raise ValueError(f"total_steps must be > 0, got {total_steps}")
    if not time_fraction > 0.0:
        raise ValueError(f"momentum time_fraction must be > 0 (or None for the paper's momentum), got {time_fraction}")
    return min(paper_momentum, max(0.0, 1.0 - 1.0 / (time_fraction * total_steps)))
