"""Figures of the ABAW6 chapter: pseudo-label quality over training, class distributions, label timelines.

Functions take arrays / dicts of arrays and return a matplotlib Figure; they never train.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def curves(series: dict[str, tuple[np.ndarray, np.ndarray]], ylabel: str, title: str = "", reference: float | None = None):
    """One line per name: series[name] = (x [N], y [N]); an optional horizontal reference line."""
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    for name, (x, y) in series.items():
        ax.plot(np.asarray(x), np.asarray(y), label=name)
    if reference is not None:
        ax.axhline(reference, color="grey", linestyle=":", label="reference")
    ax.set_xlabel("step"); ax.set_ylabel(ylabel); ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def class_bars(distributions: dict[str, np.ndarray], classes: tuple[str, ...], title: str = ""):
    """Grouped bars: distributions[name] = fractions [K] over ``classes``."""
    fig, ax = plt.subplots(figsize=(7.2, 3.2))
    names = list(distributions)
    width = 0.8 / max(len(names), 1)
    x = np.arange(len(classes))
    for i, name in enumerate(names):
        ax.bar(x + (i - (len(names) - 1) / 2) * width, np.asarray(distributions[name]), width, label=name)
    ax.set_xticks(x, classes, rotation=30, ha="right"); ax.set_ylabel("fraction"); ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def label_timeline(tracks: dict[str, np.ndarray], classes: tuple[str, ...], fps: float | None = None, title: str = ""):
    """One row per track (e.g. per-frame labels, voted labels, truth): labels [T] as a step plot over time."""
    fig, ax = plt.subplots(figsize=(7.6, 3.4))
    for i, (name, labels) in enumerate(tracks.items()):
        labels = np.asarray(labels)
        t = np.arange(labels.size) / (fps or 1.0)
        ax.step(t, labels + 0.08 * i, where="post", label=name)
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("seconds" if fps else "frame"); ax.set_title(title)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig
