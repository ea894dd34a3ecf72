"""Optimiser set-up: weight-decay parameter groups, layer-wise lr decay, warmup + cosine schedule.

    opt = torch.optim.AdamW(param_groups(model, weight_decay=0.05), lr=1e-3)
    opt = torch.optim.AdamW(layer_decay_groups(vit, lr=1e-3, weight_decay=0.05, layer_decay=0.75,
                                               num_layers=len(vit.blocks) + 1))
    sched = warmup_cosine(opt, warmup_steps=100, total_steps=steps_per_epoch(...) * epochs)
"""

from __future__ import annotations

import math
import re
from typing import Callable, Iterable

import torch
from torch import nn

NORM_TYPES = (nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm, nn.modules.instancenorm._InstanceNorm,
              nn.LocalResponseNorm, nn.RMSNorm)
# Token/position parameters that MAE/BEiT/VideoMAE exclude from weight decay (their ``no_weight_decay()``).
TOKEN_NAMES = ("pos_embed", "cls_token", "dist_token", "mask_token")


def no_decay_names(model: nn.Module, extra: Iterable[str] = ()) -> set[str]:
    """Names of parameters that get no weight decay: biases, every parameter of a norm layer, any
    parameter with fewer than 2 dims, and names ending in one of ``extra`` (the callers' default is
    :data:`TOKEN_NAMES`)."""
    extra = tuple(extra)
    names = set()
    for mod_name, module in model.named_modules():
        for p_name, param in module.named_parameters(recurse=False):
            full = f"{mod_name}.{p_name}" if mod_name else p_name
            if isinstance(module, NORM_TYPES) or p_name == "bias" or param.ndim < 2 or full.endswith(extra):
                names.add(full)
    return names


def param_groups(model: nn.Module, weight_decay: float, *, skip: Iterable[str] = TOKEN_NAMES) -> list[dict]:
    """Two groups: ``{"params": decayed, "weight_decay": weight_decay}`` and the no-decay rest (wd 0).

    Parameters with ``requires_grad=False`` (a frozen encoder) are left out.
    """
    skip_names = no_decay_names(model, skip)
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if param.requires_grad:
            (no_decay if name in skip_names else decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def vit_layer_id(name: str, num_layers: int) -> int:
    """Layer index of a ViT-style parameter for layer decay (BEiT/MAE convention).

    ``cls_token``, ``pos_embed``, ``patch_embed.*``, ``mask_token`` -> 0; ``blocks.<i>.*`` -> i + 1;
    everything else (final norm, head) -> ``num_layers`` (= number of blocks + 1).
    A leading ``encoder.``/``backbone.``/``model.`` is ignored. This is MAE's ``get_layer_id_for_vit`` and
    VideoMAE's ``get_num_layer_for_vit``; timm's ``param_groups_layer_decay`` differs in one place: it puts
    the final ``norm`` with the last block (one layer_decay factor lower; checked in the tests).
    """
    name = re.sub(r"^(module\.)?((encoder|backbone|model)\.)?", "", name)
    if name.split(".")[0] in ("cls_token", "pos_embed", "mask_token", "patch_embed", "tubelet_embed"):
        return 0
    match = re.match(r"blocks\.(\d+)\.", name)
    if match:
        return int(match.group(1)) + 1
    return num_layers


def layer_decay_groups(model: nn.Module, *, lr: float, weight_decay: float, layer_decay: float, num_layers: int,
                       layer_id: Callable[[str, int], int] = vit_layer_id,
                       skip: Iterable[str] = TOKEN_NAMES) -> list[dict]:
    """Parameter groups with lr = ``lr * layer_decay ** (num_layers - layer_id(name))`` and wd split.

    The head/top (id ``num_layers``) gets the full ``lr``; the embedding (id 0) gets
    ``lr * layer_decay ** num_layers``. Each group carries ``lr_scale`` and ``layer_id`` for inspection.
    Groups are ordered by (layer id, decay/no-decay), so the schedule scales every group's own lr.
    """
    if not 0 < layer_decay <= 1:
        raise ValueError(f"layer_decay must be in (0, 1], got {layer_decay}")
    skip_names = no_decay_names(model, skip)
    groups: dict[tuple[int, bool], dict] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        lid = layer_id(name, num_layers)
        if not 0 <= lid <= num_layers:
            raise ValueError(f"layer_id({name!r}) = {lid} is outside 0..{num_layers}")
        no_wd = name in skip_names
        scale = layer_decay ** (num_layers - lid)
        group = groups.setdefault((lid, no_wd), {"params": [], "names": [], "lr": lr * scale, "lr_scale": scale,
                                                 "weight_decay": 0.0 if no_wd else weight_decay, "layer_id": lid})
        group["params"].append(param)
        group["names"].append(name)
    return [groups[k] for k in sorted(groups)]


class WarmupCosine:
    """lr factor at step s: ``s / warmup`` for s < warmup, then ``m + (1 - m) * (1 + cos(pi * p)) / 2``
    with ``p = (s - warmup) / (total - warmup)`` clipped to [0, 1] and ``m = min_lr_ratio``
    (the MAE / timm per-iteration schedule; step 0 trains at lr 0 when warmup > 0).

    A callable object (not a lambda) so that LambdaLR's state_dict round-trips.
    """

    def __init__(self, warmup_steps: int, total_steps: int, min_lr_ratio: float = 0.0):
        if total_steps <= 0 or not 0 <= warmup_steps <= total_steps:
            raise ValueError(f"need 0 <= warmup_steps ({warmup_steps}) <= total_steps ({total_steps}), total > 0")
        self.warmup_steps, self.total_steps, self.min_lr_ratio = warmup_steps, total_steps, min_lr_ratio

    def __call__(self, step: int) -> float:
        if step < self.warmup_steps:
            return step / self.warmup_steps
        span = max(self.total_steps - self.warmup_steps, 1)
        progress = min(max((step - self.warmup_steps) / span, 0.0), 1.0)
        return self.min_lr_ratio + (1 - self.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def warmup_cosine(optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int,
                  min_lr_ratio: float = 0.0) -> torch.optim.lr_scheduler.LambdaLR:
    """LambdaLR applying :class:`WarmupCosine` to every group's own initial lr; step it once per optimizer step."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, WarmupCosine(warmup_steps, total_steps, min_lr_ratio))
