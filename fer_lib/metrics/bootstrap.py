"""A bootstrap interval over clips for the macro F1 of frame predictions.

Frames of one clip are not independent (same person, same episode), so the evaluation's sampling unit is
the clip: resample the C clips with replacement, pool the frames of the drawn clips (a clip drawn twice
counts twice), take the macro F1 of each resample, and read the percentile interval (Efron's percentile
method, as ``scipy.stats.bootstrap(..., method="percentile")``). Vectorised: per-clip confusion matrices
[C, K, K] summed with the resample counts [R, C].
"""

from __future__ import annotations

import numpy as np

from fer_lib.metrics.classification import macro_f1


def _macro_f1_from_confusions(cms: np.ndarray) -> np.ndarray:
    """Macro F1 [R] of confusion matrices [R, K, K] (rows true); a class with no true or predicted frame: F1 0."""
    tp = np.diagonal(cms, axis1=1, axis2=2).astype(float)      # [R, K]
    denom = cms.sum(axis=1) + cms.sum(axis=2)                    # [R, K] predicted + true
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    return f1.mean(axis=1)


def clip_bootstrap_macro_f1(y_true: np.ndarray, y_pred: np.ndarray, clips: np.ndarray, num_classes: int,
                            resamples: int = 2000, level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """Macro F1 of frames y_true [N], y_pred [N] (ints 0..K-1) with a percentile interval over clips [N].

    Returns {"f1", "low", "high", "clips", "resamples"} (F1 as a fraction, like ``macro_f1``).
    """
    y_true, y_pred, clips = np.asarray(y_true), np.asarray(y_pred), np.asarray(clips)
    if not y_true.shape == y_pred.shape == clips.shape or y_true.ndim != 1:
        raise ValueError(f"y_true {y_true.shape}, y_pred {y_pred.shape} and clips {clips.shape} must be equal [N]")
    if not 0 < level < 1 or resamples < 1:
        raise ValueError(f"need 0 < level < 1 and resamples >= 1, got {level}, {resamples}")
    f1 = macro_f1(y_true, y_pred, num_classes)  # also checks the label range
    _, clip_index = np.unique(clips, return_inverse=True)
    c = int(clip_index.max()) + 1
    cms = np.zeros((c, num_classes, num_classes), dtype=np.int64)
    np.add.at(cms, (clip_index, y_true, y_pred), 1)              # [C, K, K]
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, c, size=(resamples, c))              # [R, C] drawn clip indices
    counts = np.zeros((resamples, c), dtype=np.int64)
    np.add.at(counts, (np.arange(resamples)[:, None], draws), 1)  # [R, C] times each clip is drawn
    pooled = (counts @ cms.reshape(c, -1)).reshape(resamples, num_classes, num_classes)
    stats = _macro_f1_from_confusions(pooled)                    # [R]
    low, high = np.percentile(stats, [50 * (1 - level), 50 * (1 + level)])
    return {"f1": f1, "low": float(low), "high": float(high), "clips": c, "resamples": resamples}


def clip_bootstrap_uar(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int, resamples: int = 2000,
                       level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """UAR (mean per-class recall, %) of one prediction per clip, y_true [C], y_pred [C], with the percentile
    interval over clips resampled with replacement (classes absent from a resample are left out of its mean).

    Returns {"uar", "low", "high", "clips", "resamples"} in percent.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must be equal [C]")
    if not 0 < level < 1 or resamples < 1:
        raise ValueError(f"need 0 < level < 1 and resamples >= 1, got {level}, {resamples}")
    c = len(y_true)
    hits = np.zeros((c, num_classes)), np.zeros((c, num_classes))   # per clip: (correct, present) by class
    hits[0][np.arange(c), y_true] = y_true == y_pred
    hits[1][np.arange(c), y_true] = 1
    counts = np.zeros((resamples + 1, c))
    counts[0] = 1                                                    # row 0: the sample itself
    draws = np.random.default_rng(seed).integers(0, c, size=(resamples, c))
    np.add.at(counts, (1 + np.arange(resamples)[:, None], draws), 1)
    correct, present = counts @ hits[0], counts @ hits[1]             # [R + 1, K]
    recall = np.divide(correct, present, out=np.full_like(correct, np.nan), where=present > 0)
    stats = 100 * np.nanmean(recall, axis=1)
    low, high = np.percentile(stats[1:], [50 * (1 - level), 50 * (1 + level)])
    return {"uar": float(stats[0]), "low": float(low), "high": float(high), "clips": c, "resamples": resamples}
