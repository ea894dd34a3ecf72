"""Figures of the CRS-CONT chapter: a metric against the negative-group weight, and 2-D maps by several labelings."""

from __future__ import annotations

import numpy as np


def weight_sweep(weights: np.ndarray, values: np.ndarray, ylabel: str, title: str = ""):
    """Mean ± std (error bars) and every seed (dots) of a metric against the weight on the negative group.

    weights: float [W]; values: float [W, S] (S seeds; NaN where a seed is missing). Returns a Figure.
    """
    import matplotlib.pyplot as plt

    weights, values = np.asarray(weights, dtype=float), np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[0] != len(weights):
        raise ValueError(f"values must be [W={len(weights)}, S], got {values.shape}")
    order = np.argsort(weights)
    weights, values = weights[order], values[order]
    mean = np.nanmean(values, axis=1)
    std = np.array([np.nanstd(v, ddof=1) if np.isfinite(v).sum() > 1 else 0.0 for v in values])
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.errorbar(weights, mean, yerr=std, marker="o", capsize=4, label="mean ± std over seeds")
    for s in range(values.shape[1]):
        ax.scatter(weights, values[:, s], s=12, color="grey", alpha=0.6, label="one seed" if s == 0 else None)
    ax.set_xlabel("weight of the negative group in the weight vector (1 = no weight vector)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def label_maps(points: dict[str, np.ndarray], labelings: dict[str, tuple[np.ndarray, tuple[str, ...]]],
               marker_size: float = 6.0):
    """One row per encoder, one column per labeling: the same 2-D points coloured by each set of labels.

    points: {encoder name: float [N, 2]}; labelings: {title: (int labels [N], class names)}. Returns a Figure.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(points), len(labelings), figsize=(4.5 * len(labelings), 4 * len(points)),
                             squeeze=False)
    cmap = plt.get_cmap("tab10")
    for r, (name, xy) in enumerate(points.items()):
        xy = np.asarray(xy)
        for c, (title, (labels, names)) in enumerate(labelings.items()):
            labels = np.asarray(labels)
            if xy.shape != (len(labels), 2):
                raise ValueError(f"points of {name!r} have shape {xy.shape}, expected ({len(labels)}, 2)")
            ax = axes[r, c]
            for k, cls in enumerate(names):
                sel = labels == k
                if sel.any():
                    ax.scatter(xy[sel, 0], xy[sel, 1], s=marker_size, color=cmap(k % 10), label=cls)
            ax.set_title(f"{name}: by {title}", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.legend(fontsize=6, markerscale=2, loc="best")
    fig.tight_layout()
    return fig
