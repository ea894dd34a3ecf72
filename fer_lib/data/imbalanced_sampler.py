"""Inverse-frequency sampling with replacement: the ``ImbalancedDatasetSampler`` of the CRS-CONT evaluation.

The authors' linear evaluation on AffectNet draws each epoch ``N`` items with replacement, item ``i`` with
probability proportional to ``1 / count(label_i)``, so every class is seen about equally often. Draws
depend only on (seed, epoch), as the engine's exact resume requires.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
from torch.utils.data import Sampler


class ImbalancedSampler(Sampler[int]):
    """labels: int [N]; yields ``num_samples`` (default N) indices per epoch; call ``set_epoch`` each epoch."""

    def __init__(self, labels, seed: int = 0, num_samples: int | None = None):
        self.labels = np.asarray(labels, dtype=np.int64)
        if self.labels.ndim != 1 or self.labels.size == 0:
            raise ValueError(f"labels must be a non-empty [N] array, got shape {self.labels.shape}")
        counts = np.bincount(self.labels)
        self.weights = 1.0 / counts[self.labels]                         # [N]
        self.weights /= self.weights.sum()
        self.seed, self.epoch = seed, 0
        self.num_samples = len(self.labels) if num_samples is None else int(num_samples)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.num_samples

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, self.epoch]))
        return iter(rng.choice(len(self.labels), size=self.num_samples, replace=True, p=self.weights).tolist())
