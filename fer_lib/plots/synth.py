"""Figures for the data chapter: arrays in, matplotlib Figure out (nothing here renders or trains)."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

# dlib 68-point regions drawn as polylines (closed for eyes and lips).
_REGIONS = [(range(0, 17), False), (range(17, 22), False), (range(22, 27), False), (range(27, 31), False),
            (range(31, 36), False), (range(36, 42), True), (range(42, 48), True), (range(48, 60), True),
            (range(60, 68), True)]


def image_grid(images: np.ndarray, row_labels=None, col_labels=None, scale: float = 1.1):
    """A grid of images uint8 [R, C, H, W, 3] with optional row and column labels."""
    images = np.asarray(images)
    R, C = images.shape[:2]
    fig = Figure(figsize=(C * scale, R * scale), layout="constrained")
    axes = fig.subplots(R, C, squeeze=False)
    for r in range(R):
        for c in range(C):
            ax = axes[r, c]
            ax.imshow(images[r, c])
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0 and col_labels is not None:
                ax.set_title(str(col_labels[c]), fontsize=8)
            if c == 0 and row_labels is not None:
                ax.set_ylabel(str(row_labels[r]), fontsize=8)
    return fig


def filmstrip(frames: np.ndarray, expression: np.ndarray, classes, timeline: dict[str, np.ndarray],
              step: int = 2):
    """One clip: every ``step``-th frame of frames uint8 [T, H, W, 3] above its per-frame timeline.

    expression: int [T] (index into classes), drawn as a labelled band; timeline: name -> float [T]
    curves (e.g. intensity, valence, arousal, gaze pitch/yaw) on one shared time axis.
    """
    T = len(frames)
    shown = np.arange(0, T, step)
    fig = Figure(figsize=(max(6.0, len(shown) * 0.8), 4.6), layout="constrained")
    grid = fig.add_gridspec(3, len(shown), height_ratios=[1.0, 0.35, 1.6])
    for k, t in enumerate(shown):
        ax = fig.add_subplot(grid[0, k])
        ax.imshow(frames[t])
        ax.set_axis_off()
        ax.set_title(f"t={t}", fontsize=7)
    band = fig.add_subplot(grid[1, :])
    cmap = colormaps["tab10"]
    for t in range(T):
        band.axvspan(t - 0.5, t + 0.5, color=cmap(int(expression[t]) % 10))
    changes = [0] + [t for t in range(1, T) if expression[t] != expression[t - 1]]
    for t in changes:
        band.text(t, 0.5, classes[int(expression[t])], fontsize=7, va="center")
    band.set_xlim(-0.5, T - 0.5)
    band.set_yticks([])
    band.set_xticks([])
    band.set_ylabel("label", fontsize=7)
    curves = fig.add_subplot(grid[2, :])
    curves.set_xlim(-0.5, T - 0.5)
    for name, values in timeline.items():
        curves.plot(np.arange(T), values, label=name)
    curves.set_xlabel("frame")
    curves.legend(fontsize=7, ncol=min(len(timeline), 6), loc="upper left")
    curves.grid(alpha=0.3)
    return fig


def landmarks_overlay(images: np.ndarray, landmarks: np.ndarray, titles=None, scale: float = 2.0):
    """Images uint8 [N, H, W, 3] with their 68 landmarks float [N, 68, 2] drawn as dlib regions."""
    N = len(images)
    fig = Figure(figsize=(N * scale, scale), layout="constrained")
    axes = fig.subplots(1, N, squeeze=False)
    for k in range(N):
        ax = axes[0, k]
        ax.imshow(images[k])
        for region, closed in _REGIONS:
            idx = list(region) + ([region[0]] if closed else [])
            ax.plot(landmarks[k, idx, 0], landmarks[k, idx, 1], "-", color="lime", lw=0.7)
        ax.plot(landmarks[k, :, 0], landmarks[k, :, 1], ".", color="red", ms=1.5)
        ax.set_axis_off()
        if titles is not None:
            ax.set_title(str(titles[k]), fontsize=8)
    return fig


def domains_side_by_side(samples: dict[str, np.ndarray], scale: float = 1.0):
    """One row per domain: name -> images uint8 [N, H, W, 3] (same N for every domain)."""
    names = list(samples)
    return image_grid(np.stack([samples[n] for n in names]), row_labels=names, scale=scale)


def factor_distributions(factors: dict[str, np.ndarray], class_freqs: dict[str, tuple[tuple, np.ndarray]]):
    """Histograms of continuous factors (name -> values [N]) and bar charts of class frequencies
    (name -> (classes, frequencies [K])), one panel each."""
    panels = len(factors) + len(class_freqs)
    cols = min(4, panels)
    rows = int(np.ceil(panels / cols))
    fig = Figure(figsize=(cols * 3.0, rows * 2.4), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    flat = axes.ravel()
    for ax, (name, values) in zip(flat, factors.items()):
        ax.hist(np.asarray(values).ravel(), bins=30, color="tab:blue", alpha=0.8)
        ax.set_title(name, fontsize=9)
    for ax, (name, (classes, freq)) in zip(flat[len(factors):], class_freqs.items()):
        ax.bar(np.arange(len(classes)), freq, color="tab:orange")
        ax.set_xticks(np.arange(len(classes)))
        ax.set_xticklabels(classes, rotation=60, fontsize=7)
        ax.set_title(name, fontsize=9)
    for ax in flat[panels:]:
        ax.set_axis_off()
    return fig


def probe_bars(rows: list[dict], value: str = "balanced_accuracy", chance: str = "chance_balanced"):
    """Bars of probe scores with their chance levels: rows with "probe", ``value`` and ``chance`` keys."""
    fig = Figure(figsize=(1.2 * len(rows) + 2, 3), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(rows))
    ax.bar(x, [r[value] for r in rows], color="tab:blue", label=value.replace("_", " "))
    ax.scatter(x, [r[chance] for r in rows], color="black", marker="_", s=400, label="chance", zorder=3)
    ax.set_xticks(x)
    ax.set_xticklabels([r["probe"] for r in rows], rotation=20, fontsize=8)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    return fig
