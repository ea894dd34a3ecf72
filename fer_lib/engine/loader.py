"""The engine's data path: one epoch's loader from a key list (resumable mid-epoch), and device moves.

Reproducibility: the key order comes from the sampler (seeded by epoch), the loader gets its own generator
seeded by (seed, epoch) (so building it never consumes the global torch RNG, and worker seeds are fixed),
and workers seed numpy/python from their torch seed.
"""

from __future__ import annotations

import random
from typing import Any, Callable

import numpy as np
import torch
from torch.utils.data import DataLoader


def to_device(obj: Any, device: torch.device, channels_last: bool) -> Any:
    """Move every tensor of a (nested dict/list/tuple) batch to ``device``; 4-D tensors to channels_last."""
    if isinstance(obj, torch.Tensor):
        obj = obj.to(device, non_blocking=True)
        return obj.contiguous(memory_format=torch.channels_last) if channels_last and obj.ndim == 4 else obj
    if isinstance(obj, dict):
        return {k: to_device(v, device, channels_last) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_device(v, device, channels_last) for v in obj)
    return obj


def _seed_worker(worker_id: int) -> None:
    """DataLoader workers: seed numpy and python from the worker's (generator-derived) torch seed."""
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


class _Batches:
    """Batch sampler over one epoch's key list, starting at batch ``start`` (the resume position)."""

    def __init__(self, keys: list, batch_size: int, drop_last: bool, start: int):
        self.keys, self.batch_size, self.drop_last, self.start = keys, batch_size, drop_last, start

    def __len__(self) -> int:
        full = len(self.keys) // self.batch_size if self.drop_last else -(-len(self.keys) // self.batch_size)
        return max(full - self.start, 0)

    def __iter__(self):
        for i in range(self.start, self.start + len(self)):
            yield self.keys[i * self.batch_size:(i + 1) * self.batch_size]


def epoch_loader(dataset, keys: list, *, batch_size: int, drop_last: bool, start_batch: int, seed: int, epoch: int,
                 num_workers: int = 0, collate_fn: Callable | None = None, pin_memory: bool = False) -> DataLoader:
    """DataLoader over ``keys`` in order, batches of ``batch_size``, skipping the first ``start_batch`` batches."""
    return DataLoader(dataset, batch_sampler=_Batches(keys, batch_size, drop_last, start=start_batch),
                      num_workers=num_workers, collate_fn=collate_fn, pin_memory=pin_memory,
                      worker_init_fn=_seed_worker, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch))
