"""ABAW6 figures: each returns a Figure drawing exactly the data it was given."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from fer_lib.plots.semi import class_bars, curves, label_timeline  # noqa: E402


def test_figures_draw_their_data():
    fig = curves({"a": (np.arange(3), np.array([0.1, 0.2, 0.3])), "b": (np.arange(3), np.ones(3))}, "acc", reference=0.5)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 3 and np.allclose(lines[0].get_ydata(), [0.1, 0.2, 0.3])
    fig = class_bars({"x": np.array([0.5, 0.5]), "y": np.array([1.0, 0.0])}, ("p", "q"))
    heights = sorted(p.get_height() for p in fig.axes[0].patches)
    assert heights == [0.0, 0.5, 0.5, 1.0]
    fig = label_timeline({"raw": np.array([0, 1, 1]), "vote": np.array([1, 1, 1])}, ("n", "h"), fps=10.0)
    raw = fig.axes[0].get_lines()[0]
    assert np.allclose(raw.get_xdata(), [0.0, 0.1, 0.2]) and np.allclose(raw.get_ydata(), [0, 1, 1])
