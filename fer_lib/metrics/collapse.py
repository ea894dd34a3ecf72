"""Within-group collapse index: how far the fine classes inside one coarse group have merged in a feature space.

For features x_i [N, D] of one group's items with fine labels y_i, class means m_c and the overall mean m:

    within  = 1/N sum_i ||x_i - m_{y_i}||^2,     between = 1/N sum_i ||m_{y_i} - m||^2,
    index   = within / between

(the ratio of the trace of the within-class scatter to that of the between-class scatter). It grows without
bound as the classes collapse onto one point (between -> 0) and is 0 for classes reduced to distinct points.
Invariant to a global scale or shift of the features.
"""

from __future__ import annotations

import numpy as np


def within_between_ratio(x: np.ndarray, y: np.ndarray) -> float:
    """within / between scatter of features x [N, D] with labels y [N] (>= 2 classes present)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y)
    if x.ndim != 2 or y.shape != (len(x),):
        raise ValueError(f"expected features [N, D] and labels [N], got {x.shape} and {y.shape}")
    classes, inverse = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"need at least two classes for a between-class scatter, got {classes.tolist()}")
    means = np.stack([x[inverse == k].mean(0) for k in range(len(classes))])   # [C, D]
    within = float(((x - means[inverse]) ** 2).sum(1).mean())
    between = float(((means[inverse] - x.mean(0)) ** 2).sum(1).mean())
    return within / between if between > 0 else float("inf")
