"""CRS-CONT figures: the plotted numbers are the given ones."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from fer_lib.plots.crs_cont import label_maps, weight_sweep


def test_weight_sweep_plots_mean_and_std_in_weight_order():
    values = np.array([[0.6, 0.7, np.nan], [0.5, 0.5, 0.8]])
    fig = weight_sweep(np.array([1.0, 0.5]), values, "accuracy")
    bars = fig.axes[0].containers[0]
    x, y = bars.lines[0].get_data()
    np.testing.assert_allclose(x, [0.5, 1.0])
    np.testing.assert_allclose(y, [0.6, 0.65])
    seg = bars.lines[2][0].get_segments()
    np.testing.assert_allclose([s[1][1] - s[0][1] for s in seg], 2 * np.array([np.std([0.5, 0.5, 0.8], ddof=1),
                                                                               np.std([0.6, 0.7], ddof=1)]))
    with pytest.raises(ValueError, match="values must be"):
        weight_sweep(np.array([1.0]), values, "accuracy")


def test_label_maps_grid_and_shape_check():
    xy = np.arange(12, dtype=float).reshape(6, 2)
    fig = label_maps({"a": xy, "b": xy}, {"fine": (np.array([0, 1, 2, 0, 1, 2]), ("x", "y", "z")),
                                          "coarse": (np.array([0, 0, 1, 1, 1, 1]), ("p", "q"))})
    assert len(fig.axes) == 4
    offsets = fig.axes[1].collections[1].get_offsets()  # row a, coarse, class q
    np.testing.assert_allclose(offsets, xy[2:])
    with pytest.raises(ValueError, match="expected"):
        label_maps({"a": xy[:3]}, {"fine": (np.zeros(6, int), ("x",))})
