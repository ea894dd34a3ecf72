"""Figures for the faces chapter: image grids with boxes/landmarks, expression probabilities over time, and the
timeline of a per-frame prediction table (``fer-book predict``)."""

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


def prediction_timeline(table, classes: Sequence[str], title: str = "") -> Figure:
    """Two panels of a :func:`fer_lib.predict.frames.predict_video` table (columns time_s, status, p_<class>,
    label, optional label_vote): class probabilities against time (gaps where no face was classified), and the
    label of each frame (dots; open circles: several faces) with the vote as a step line and no-face frames
    as grey ticks on their own row."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5), sharex=True, height_ratios=(3, 2))
    colours = plt.get_cmap("tab10")
    t = table["time_s"].to_numpy(dtype=float)
    for k, cls in enumerate(classes):
        top.plot(t, table[f"p_{cls}"].to_numpy(dtype=float), label=cls, color=colours(k % 10), lw=1.3)
    top.set_ylim(-0.02, 1.02)
    top.set_ylabel("probability")
    top.set_title(title, fontsize=9)
    top.legend(ncol=min(len(classes), 8), fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 1.3))
    index = {cls: k for k, cls in enumerate(classes)}
    for status, marker in (("face", "o"), ("several_faces", "o")):
        rows = table[(table["status"] == status) & table["label"].notna()]
        y = rows["label"].map(index).to_numpy(dtype=float)
        face = "none" if status == "several_faces" else None
        bottom.scatter(rows["time_s"], y, s=10, marker=marker, facecolors=face,
                       c=None if face else [colours(int(k) % 10) for k in y],
                       edgecolors=[colours(int(k) % 10) for k in y], label=status.replace("_", " "))
    if "label_vote" in table:
        voted = table[table["label_vote"].notna()]
        bottom.step(voted["time_s"], voted["label_vote"].map(index), where="mid", color="black", lw=1, label="vote")
    missing = table[table["status"] == "no_face"]
    bottom.scatter(missing["time_s"], np.full(len(missing), -1.0), marker="|", color="grey", label="no face")
    bottom.set_yticks(range(-1, len(classes)), ["no face", *classes], fontsize=7)
    bottom.set_ylim(-1.6, len(classes) + 0.9)       # a free band above the top class for the legend
    bottom.set_xlabel("time (s)")
    bottom.legend(fontsize=7, loc="upper left", ncol=4, frameon=False)
    fig.tight_layout()
    return fig
