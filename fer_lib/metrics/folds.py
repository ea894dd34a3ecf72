"""k-fold protocol of DFEW / MAFW as MAE-DFER reports it: the "Total" row is the mean of the per-fold
metrics (not the metric of the pooled predictions)."""

from __future__ import annotations

import numpy as np


def fold_total(per_fold: list[dict[str, float]], keys: tuple[str, ...] = ("uar", "war")) -> dict[str, float]:
    """Mean over folds of each metric in ``keys``; every fold must report every key."""
    if not per_fold:
        raise ValueError("fold_total needs at least one fold")
    missing = [(i, k) for i, row in enumerate(per_fold) for k in keys if k not in row]
    if missing:
        raise KeyError(f"(fold, metric) pairs missing: {missing}")
    return {k: float(np.mean([row[k] for row in per_fold])) for k in keys}
