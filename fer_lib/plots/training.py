"""Training figures: loss/metric curves from ``fit`` histories (or the history CSVs a run saved) and a
confusion-matrix heat map.

Functions take plain data and return a matplotlib ``Figure``; they never train.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import seaborn as sns
from matplotlib.figure import Figure

from fer_lib.results import read_histories


def plot_training_curves(histories: Mapping[str, Sequence[Mapping[str, float]]], keys: Sequence[str] = ("loss",),
                         *, x: str = "step", logy: bool = False, title: str | None = None) -> Figure:
    """One panel per key in ``keys``, one line per run: ``histories`` = {run label: fit's history list}.

    Each history entry is a dict with ``x`` (default "step") and the keys; entries lacking a key are
    skipped for that panel. A key missing from every entry of every run is an error.
    """
    if not histories:
        raise ValueError("plot_training_curves: no histories given")
    fig = Figure(figsize=(4.2 * len(keys), 3.2), layout="constrained")
    axes = fig.subplots(1, len(keys), squeeze=False)[0]
    for ax, key in zip(axes, keys):
        drawn = 0
        for label, history in histories.items():
            pts = [(h[x], h[key]) for h in history if key in h and x in h]
            if pts:
                xs, ys = zip(*pts)
                ax.plot(xs, ys, label=label, lw=1.4)
                drawn += 1
        if drawn == 0:
            raise KeyError(f"plot_training_curves: no history has both {x!r} and {key!r}")
        ax.set_xlabel(x)
        ax.set_ylabel(key)
        if logy:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def plot_saved_histories(folder: str | Path, keys: Sequence[str] = ("loss",), *, stage: str | None = None,
                         seed: int | None = None, rows: Sequence[str] | None = None, x: str = "step",
                         logy: bool = False, title: str | None = None) -> Figure:
    """:func:`plot_training_curves` of the history CSVs a chapter's run saved in ``folder``
    (``results/<run>/<chapter>/history``, :meth:`fer_lib.results.Run.history_dir`), one line per
    (row, seed[, stage]); ``stage`` / ``seed`` / ``rows`` keep only those fits (e.g. the first seed of every
    row)."""
    frame = read_histories(Path(folder))
    if rows is not None:
        frame = frame[frame["row"].isin(list(rows))]
    if stage is not None:
        frame = frame[frame["stage"] == stage]
    if seed is not None:
        frame = frame[frame["seed"] == seed]
    if frame.empty:
        raise ValueError(f"plot_saved_histories: no history in {folder} has stage={stage!r}, seed={seed!r} "
                         f"and a row in {rows!r}")
    histories = {}
    for (row, run_seed, run_stage), part in frame.groupby(["row", "seed", "stage"], sort=False):
        label = " · ".join([str(row)] + ([] if seed is not None else [f"seed {run_seed}"])
                           + ([run_stage] if run_stage and stage is None else []))
        histories[label] = [{k: v for k, v in entry.items() if v == v} for entry in part.to_dict("records")]
    return plot_training_curves(histories, keys, x=x, logy=logy, title=title)


def plot_confusion(cm: np.ndarray, class_names: Sequence[str], *, normalize: bool = True,
                   title: str | None = None, cmap: str = "Blues") -> Figure:
    """Heat map of a confusion matrix [K, K] (rows = true, columns = predicted), as from
    ``fer_lib.metrics.classification.confusion``; ``normalize`` shows row-wise recall (empty rows stay 0)."""
    cm = np.asarray(cm, dtype=float)
    k = len(class_names)
    if cm.shape != (k, k):
        raise ValueError(f"plot_confusion: matrix of shape {cm.shape} does not fit {k} class names")
    shown = cm
    if normalize:
        rows = cm.sum(1, keepdims=True)
        shown = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)
    fig = Figure(figsize=(0.55 * k + 2.2, 0.55 * k + 1.6), layout="constrained")
    ax = fig.subplots()
    # seaborn picks each cell's text colour from its background and draws the colour bar.
    sns.heatmap(shown, ax=ax, cmap=cmap, vmin=0, vmax=1 if normalize else None, annot=True, fmt=".2f" if normalize else ".0f",
                annot_kws={"fontsize": 7}, xticklabels=list(class_names), yticklabels=list(class_names),
                square=True, cbar_kws={"shrink": 0.8})
    ax.tick_params(labelsize=8)
    ax.tick_params(axis="y", rotation=0)
    ax.set_xticklabels(ax.get_xticklabels(), rotation=45, ha="right")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    return fig
