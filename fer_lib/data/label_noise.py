"""Fine-label noise inside coarse groups: the premise under which CRS-CONT's coarse labels are "more reliable".

``swap_within_groups`` replaces each fine label, with probability ``rate``, by another fine class of the same
coarse group drawn uniformly (a class alone in its group keeps its label): the coarse labels stay exact, the
fine ones get noisy, as an annotator who confuses disgust with anger but never with happiness.
:class:`WithLabels` hands such labels to a dataset's items.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from fer_lib.data.labels import DEFAULT_COARSE_MAP


def swap_within_groups(labels: np.ndarray, classes: tuple[str, ...], rate: float, seed: int = 0,
                       mapping: dict[str, str] | None = None) -> np.ndarray:
    """Fine labels int [N] (indices into ``classes``) -> noisy fine labels int [N], same coarse group each.

    mapping: {fine name: coarse name} (default the book's ``DEFAULT_COARSE_MAP``). Every item is drawn with
    probability ``rate``; a drawn item of a group with k >= 2 classes gets one of the other k - 1 uniformly.
    """
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"noise rate must be in [0, 1], got {rate}")
    mapping = DEFAULT_COARSE_MAP if mapping is None else mapping
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= len(classes)):
        raise ValueError(f"labels must index {len(classes)} classes, got range {labels.min()}..{labels.max()}")
    rng = np.random.default_rng(seed)
    drawn = rng.random(labels.shape) < rate
    pick = rng.random(labels.shape)                   # which other class, one uniform draw per item
    out = labels.copy()
    for k, name in enumerate(classes):
        others = [j for j, c in enumerate(classes) if mapping[c] == mapping[name] and j != k]
        hit = drawn & (labels == k)
        if others and hit.any():
            out[hit] = np.asarray(others)[(pick[hit] * len(others)).astype(np.int64)]
    return out


class WithLabels(Dataset):
    """dataset items with their ``expression`` replaced by ``labels`` [N] (e.g. from :func:`swap_within_groups`);
    ``classes`` is passed through."""

    def __init__(self, dataset: Dataset, labels: np.ndarray):
        if len(labels) != len(dataset):
            raise ValueError(f"{len(labels)} labels for a dataset of {len(dataset)} items")
        self.dataset, self.labels = dataset, np.asarray(labels, dtype=np.int64)
        self.classes = tuple(getattr(dataset, "classes", ()))

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> dict:
        return {**self.dataset[i], "expression": torch.tensor(int(self.labels[i]))}
