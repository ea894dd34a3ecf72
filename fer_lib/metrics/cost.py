"""Compute cost of a model: parameters, FLOPs (torch.utils.flop_counter) and throughput.

Units: :class:`torch.utils.flop_counter.FlopCounterMode` counts FLOPs = 2 × multiply-accumulates (MACs)
of matmuls, convolutions and attention; papers (and fvcore) mostly report MACs and call them "FLOPs"
(MAE-DFER's 50 vs 81 "GFLOPs" are GMACs). :func:`count_flops` returns both, named by unit.

Gotcha: on CPU the fused ``scaled_dot_product_attention`` kernel has no FLOP formula and is counted as
zero; counting runs inside ``sdpa_kernel(SDPBackend.MATH)`` so attention shows up as matmuls.
Counting on the ``meta`` device costs no arithmetic: only shapes flow, so paper-size models are cheap.
"""

from __future__ import annotations

import time
from typing import Callable

import torch
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (buffers such as fixed position tables are not parameters)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def count_flops(model: nn.Module, *inputs: torch.Tensor, **kwargs) -> dict:
    """One forward pass under FlopCounterMode (math attention). Returns ``{"flops": 2·MACs, "macs": MACs,
    "by_op": {op name: flops}}``. Works on real and on ``meta`` tensors."""
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), counter:
        model(*inputs, **kwargs)
    total = counter.get_total_flops()
    by_op = {str(op): int(n)
             for op, n in counter.get_flop_counts().get("Global", {}).items()}
    return {"flops": int(total), "macs": int(total) // 2, "by_op": by_op}


def cost_on_meta(factory: Callable[[], nn.Module], input_shape: tuple[int, ...]) -> dict:
    """Build ``factory()`` on the meta device and count its parameters and the FLOPs of one forward on a
    zero-cost input of ``input_shape`` (e.g. (1, 3, 16, 160, 160)). Returns params, flops, macs, by_op."""
    with torch.device("meta"):
        model = factory().eval()
        x = torch.empty(input_shape)
    out = count_flops(model, x)
    out["params"] = count_parameters(model)
    return out


def throughput(model: nn.Module, batch: torch.Tensor, iters: int = 5, warmup: int = 1,
               context: Callable | None = None) -> float:
    """Inference clips (batch items) per second of ``model(batch)``, synchronising CUDA around the timing;
    ``context`` (e.g. ``lambda: runtime.autocast(device)``) wraps every call."""
    sync = torch.cuda.synchronize if batch.is_cuda else (lambda: None)
    ctx = context or torch.no_grad
    with torch.no_grad():
        for _ in range(warmup):
            with ctx():
                model(batch)
        sync()
        t0 = time.perf_counter()
        for _ in range(iters):
            with ctx():
                model(batch)
        sync()
    return iters * batch.shape[0] / (time.perf_counter() - t0)


def train_step_seconds(model: nn.Module, batch: torch.Tensor, iters: int = 2, warmup: int = 1) -> float:
    """Seconds of one training forward + backward of ``model(batch)`` (the loss: the sum of the output's
    ``tokens`` or of the output), median over ``iters`` timed calls after ``warmup`` untimed ones."""
    sync = torch.cuda.synchronize if batch.is_cuda else (lambda: None)
    model.train()
    times = []
    for i in range(warmup + iters):
        model.zero_grad(set_to_none=True)
        sync()
        t0 = time.perf_counter()
        out = model(batch)
        (getattr(out, "tokens", out)).float().sum().backward()
        sync()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return float(sorted(times)[len(times) // 2])
