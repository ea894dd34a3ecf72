"""Training figures: the drawn data equals the input (normalised confusion rows, curve points)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from fer_lib.metrics.classification import confusion
from fer_lib.plots.training import plot_confusion, plot_training_curves


def test_confusion_figure_shows_row_normalised_recall():
    cm = confusion(np.array([0, 0, 1, 1, 1, 2]), np.array([0, 1, 1, 1, 0, 2]), 4)
    fig = plot_confusion(cm, ["a", "b", "c", "d"])
    assert isinstance(fig, Figure)
    shown = np.asarray(fig.axes[0].collections[0].get_array()).reshape(4, 4)  # seaborn's heat map mesh
    np.testing.assert_allclose(shown[1], [1 / 3, 2 / 3, 0, 0])
    np.testing.assert_allclose(shown[3], [0, 0, 0, 0])  # empty row stays 0, not NaN
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[:2] == ["0.50", "0.50"] and len(texts) == 16
    counts = plot_confusion(cm, list("abcd"), normalize=False)
    assert [t.get_text() for t in counts.axes[0].texts][:2] == ["1", "1"]
    with pytest.raises(ValueError, match="3 class names"):
        plot_confusion(cm, ["a", "b", "c"])


def test_training_curves_plot_history_points():
    hist = {"A": [{"step": 10, "loss": 2.0, "acc": 0.1}, {"step": 20, "loss": 1.0, "acc": 0.5}],
            "B": [{"step": 10, "loss": 3.0}]}
    fig = plot_training_curves(hist, keys=("loss", "acc"))
    loss_ax, acc_ax = fig.axes
    assert [tuple(line.get_ydata()) for line in loss_ax.lines] == [(2.0, 1.0), (3.0,)]
    assert len(acc_ax.lines) == 1 and tuple(acc_ax.lines[0].get_xdata()) == (10, 20)
    with pytest.raises(KeyError, match="f1"):
        plot_training_curves(hist, keys=("f1",))
