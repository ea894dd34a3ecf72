"""Figures for the faces chapter: image grids with boxes/landmarks, and expression probabilities over time."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def image_grid(images: Sequence[np.ndarray], titles: Sequence[str] | None = None, boxes: Sequence | None = None,
               landmarks: Sequence | None = None, ncols: int = 5, size: float = 2.4) -> Figure:
    """A grid of RGB images ``[H, W, 3]``; optional per-image boxes ``[F, 4]`` (x0, y0, x1, y1) and landmarks ``[68, 2]``."""
    n = len(images)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    aspect = images[0].shape[0] / images[0].shape[1]                  # height / width of the first image
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * aspect + 0.3 * nrows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k >= n:
            continue
        ax.imshow(images[k])
        if boxes is not None and boxes[k] is not None:
            for x0, y0, x1, y1 in np.asarray(boxes[k]).reshape(-1, 4):
                ax.add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, color="lime", lw=1.5))
        if landmarks is not None and landmarks[k] is not None:
            pts = np.asarray(landmarks[k])
            ax.scatter(pts[:, 0], pts[:, 1], s=3, c="red")
        if titles is not None:
            ax.set_title(titles[k], fontsize=8)
    fig.tight_layout()
    return fig


def probabilities_over_time(series: dict[str, tuple[np.ndarray, np.ndarray]], classes: Sequence[str]) -> Figure:
    """One panel per video: class probabilities ``[T, K]`` against time ``[T]`` (seconds)."""
    fig, axes = plt.subplots(len(series), 1, figsize=(9, 2.6 * len(series)), squeeze=False)
    colours = plt.get_cmap("tab10")
    for ax, (name, (times, probs)) in zip(axes[:, 0], series.items()):
        for k, cls in enumerate(classes):
            ax.plot(times, probs[:, k], label=cls, color=colours(k), lw=1.5)
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel("probability")
        ax.set_title(name, fontsize=9)
    axes[-1, 0].set_xlabel("time (s)")
    axes[0, 0].legend(ncol=len(classes), fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 1.35))
    fig.tight_layout()
    return fig
