"""Bootstrap intervals over groups of items (clips, people) for classification metrics.

Frames of one clip are not independent (same person, same episode), so the evaluation's sampling unit is
the clip: resample the C clips with replacement, pool the frames of the drawn clips (a clip drawn twice
counts twice), take the macro F1 of each resample, and read the percentile interval (Efron's percentile
method, as ``scipy.stats.bootstrap(..., method="percentile")``). Vectorised: per-clip confusion matrices
[C, K, K] summed with the resample counts [R, C]. :func:`group_bootstrap` does the same over test people for
accuracy, macro F1 and balanced accuracy at once.
"""

from __future__ import annotations

import numpy as np

from fer_lib.metrics.classification import confusion, macro_f1


def _macro_f1_from_confusions(cms: np.ndarray) -> np.ndarray:
    """Macro F1 [R] of confusion matrices [R, K, K] (rows true); a class with no true or predicted frame: F1 0."""
    tp = np.diagonal(cms, axis1=1, axis2=2).astype(float)      # [R, K]
    denom = cms.sum(axis=1) + cms.sum(axis=2)                    # [R, K] predicted + true
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    return f1.mean(axis=1)


def resampled_confusions(y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray, num_classes: int,
                         resamples: int = 2000, seed: int = 0) -> np.ndarray:
    """Confusion matrices [R, K, K] (rows true) of ``resamples`` bootstrap resamples of the G groups [N]
    (e.g. clips or people): each resample draws G groups with replacement and pools their items."""
    y_true, y_pred, groups = np.asarray(y_true), np.asarray(y_pred), np.asarray(groups)
    if not y_true.shape == y_pred.shape == groups.shape or y_true.ndim != 1:
        raise ValueError(f"y_true {y_true.shape}, y_pred {y_pred.shape} and groups {groups.shape} must be equal [N]")
    if resamples < 1:
        raise ValueError(f"need resamples >= 1, got {resamples}")
    for name, v in (("y_true", y_true), ("y_pred", y_pred)):
        if v.size and (v.min() < 0 or v.max() >= num_classes):
            raise ValueError(f"{name} must hold class indices 0..{num_classes - 1}, got {v.min()}..{v.max()}")
    _, group_index = np.unique(groups, return_inverse=True)
    c = int(group_index.max()) + 1
    cms = np.zeros((c, num_classes, num_classes), dtype=np.int64)
    np.add.at(cms, (group_index, y_true, y_pred), 1)             # [G, K, K]
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, c, size=(resamples, c))              # [R, G] drawn group indices
    counts = np.zeros((resamples, c), dtype=np.int64)
    np.add.at(counts, (np.arange(resamples)[:, None], draws), 1)  # [R, G] times each group is drawn
    return (counts @ cms.reshape(c, -1)).reshape(resamples, num_classes, num_classes)


def clip_bootstrap_macro_f1(y_true: np.ndarray, y_pred: np.ndarray, clips: np.ndarray, num_classes: int,
                            resamples: int = 2000, level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """Macro F1 of frames y_true [N], y_pred [N] (ints 0..K-1) with a percentile interval over clips [N].

    Returns {"f1", "low", "high", "clips", "resamples"} (F1 as a fraction, like ``macro_f1``).
    """
    if not 0 < level < 1:
        raise ValueError(f"need 0 < level < 1, got {level}")
    pooled = resampled_confusions(y_true, y_pred, clips, num_classes, resamples, seed)
    f1 = macro_f1(np.asarray(y_true), np.asarray(y_pred), num_classes)  # also checks the label range
    stats = _macro_f1_from_confusions(pooled)                    # [R]
    low, high = np.percentile(stats, [50 * (1 - level), 50 * (1 + level)])
    return {"f1": f1, "low": float(low), "high": float(high), "clips": len(np.unique(clips)), "resamples": resamples}


def _balanced_accuracy_from_confusions(cms: np.ndarray) -> np.ndarray:
    """Mean recall [R] over the classes present in each resample of confusions [R, K, K]."""
    support = cms.sum(axis=2).astype(float)                      # [R, K] true items per class
    recall = np.divide(np.diagonal(cms, axis1=1, axis2=2), support, out=np.zeros_like(support), where=support > 0)
    return recall.sum(1) / np.maximum((support > 0).sum(1), 1)


def clip_bootstrap_uar(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int, resamples: int = 2000,
                       level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """UAR (mean per-class recall, %) of one prediction per clip, y_true [C], y_pred [C], with the percentile
    interval over clips resampled with replacement (classes absent from a resample are left out of its mean).

    Returns {"uar", "low", "high", "clips", "resamples"} in percent.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must be equal [C]")
    if not 0 < level < 1:
        raise ValueError(f"need 0 < level < 1, got {level}")
    c = len(y_true)
    pooled = resampled_confusions(y_true, y_pred, np.arange(c), num_classes, resamples, seed)   # [R, K, K]
    stats = 100 * _balanced_accuracy_from_confusions(pooled)
    uar = 100 * _balanced_accuracy_from_confusions(confusion(y_true, y_pred, num_classes)[None])[0]
    low, high = np.percentile(stats, [50 * (1 - level), 50 * (1 + level)])
    return {"uar": float(uar), "low": float(low), "high": float(high), "clips": c, "resamples": resamples}


def group_bootstrap(y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray, num_classes: int,
                    resamples: int = 1000, level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """Accuracy, macro F1 and balanced accuracy (mean recall over present classes) of y_true/y_pred [N] with
    percentile intervals over the groups [N] (the test people): {"<metric>", "<metric>_low", "<metric>_high"}
    for accuracy, macro_f1 and balanced_accuracy (fractions), plus "groups"."""
    if not 0 < level < 1:
        raise ValueError(f"need 0 < level < 1, got {level}")
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    full = confusion(y_true, y_pred, num_classes)[None]                                      # [1, K, K]
    pooled = resampled_confusions(y_true, y_pred, groups, num_classes, resamples, seed)
    out: dict[str, float] = {"groups": len(np.unique(groups))}
    for name, fn in (("accuracy", lambda m: np.trace(m, axis1=1, axis2=2) / m.sum((1, 2))),
                     ("macro_f1", _macro_f1_from_confusions), ("balanced_accuracy", _balanced_accuracy_from_confusions)):
        low, high = np.percentile(fn(pooled), [50 * (1 - level), 50 * (1 + level)])
        out |= {name: float(fn(full)[0]), f"{name}_low": float(low), f"{name}_high": float(high)}
    return out
