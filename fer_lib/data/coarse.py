"""A coarse-label view of any expression dataset: what CRS-CONT's pretraining is allowed to see.

Wraps a dataset whose items have an ``expression`` label (in ``classes`` order) and gives items with the
coarse group in ``COARSE_4`` order under ``coarse``. With ``keep_fine=False`` (the paper's setting) the
fine label and every other annotation are removed from the item, so a method trained on it provably
never sees them: only ``image``, ``coarse`` and the dataset ``index`` remain.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from fer_lib.data.labels import COARSE_4, DEFAULT_COARSE_MAP


class CoarseLabelled(Dataset):
    """dataset items dict(image uint8 [3, H, W], expression int, ...) -> dict(image, coarse, index[, expression]).

    classes: the dataset's fine class order (e.g. ``dataset.classes``); mapping: {fine name: coarse name}
    (default: the book's inferred ``DEFAULT_COARSE_MAP``); keep_fine: also pass ``expression`` through
    (for the fine-label baselines). An unmapped fine class is an error naming it.
    """

    def __init__(self, dataset: Dataset, classes: tuple[str, ...], mapping: dict[str, str] | None = None,
                 keep_fine: bool = False):
        mapping = DEFAULT_COARSE_MAP if mapping is None else mapping
        unknown = [name for name in classes if name not in mapping]
        if unknown:
            raise ValueError(f"coarse mapping has no group for classes {unknown}")
        bad = sorted({mapping[name] for name in classes} - set(COARSE_4))
        if bad:
            raise ValueError(f"coarse mapping names unknown groups {bad}; groups are {COARSE_4}")
        self.dataset, self.classes, self.keep_fine = dataset, tuple(classes), keep_fine
        self.table = torch.tensor([COARSE_4.index(mapping[name]) for name in classes])  # [K_fine] -> group

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> dict:
        item = self.dataset[i]
        fine = int(item["expression"])
        out = {"image": item["image"], "coarse": self.table[fine], "index": torch.tensor(i)}
        if self.keep_fine:
            out["expression"] = torch.tensor(fine)
        return out

    def coarse_targets(self, fine: np.ndarray) -> np.ndarray:
        """Fine labels [N] -> coarse labels [N] with this view's table."""
        return self.table.numpy()[np.asarray(fine, dtype=np.int64)]
