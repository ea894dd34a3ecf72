"""Class-balanced sampling: a fixed number of items per class each epoch.

ABAW6 / Face2Exp build their labelled set by taking the same number of images per class (8,000 in the
ABAW6 paper); a class with fewer items is drawn with replacement, a larger one without. Draws are
redone per epoch from (seed, epoch).
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
from torch.utils.data import Sampler


def balanced_indices(labels: np.ndarray, per_class: int, rng: np.random.Generator,
                     num_classes: int | None = None) -> np.ndarray:
    """Indices int64 [K * per_class]: ``per_class`` per class (with replacement only when a class is short), shuffled.

    labels: int [N]. num_classes: when given, every class 0..num_classes-1 must have an item (else an
    error naming the empty class); otherwise the classes present are used.
    """
    labels = np.asarray(labels)
    if per_class < 1:
        raise ValueError(f"per_class must be >= 1, got {per_class}")
    classes = np.arange(num_classes) if num_classes is not None else np.unique(labels)
    out = []
    for k in classes:
        members = np.flatnonzero(labels == k)
        if members.size == 0:
            raise ValueError(f"class {int(k)} has no items: cannot sample {per_class} of it")
        out.append(rng.choice(members, size=per_class, replace=members.size < per_class))
    idx = np.concatenate(out)
    return idx[rng.permutation(idx.size)].astype(np.int64)


class ClassBalancedSampler(Sampler[int]):
    """A ``torch.utils.data.Sampler`` yielding ``per_class`` indices of every class per epoch."""

    def __init__(self, labels, per_class: int, seed: int = 0, num_classes: int | None = None):
        self.labels = np.asarray(labels)
        self.per_class, self.seed, self.num_classes = per_class, seed, num_classes
        self.epoch = 0
        n_cls = num_classes if num_classes is not None else len(np.unique(self.labels))
        self._len = n_cls * per_class

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, self.epoch]))
        return iter(balanced_indices(self.labels, self.per_class, rng, self.num_classes).tolist())
