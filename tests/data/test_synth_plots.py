"""The data chapter's figures: arrays in, a Figure with the expected panels out."""

import numpy as np
from matplotlib.figure import Figure

from fer_lib.plots import synth as synth_plots


def test_figures_have_their_panels():
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 255, (2, 3, 16, 16, 3), dtype=np.uint8)
    fig = synth_plots.image_grid(imgs, row_labels=["a", "b"], col_labels=["x", "y", "z"])
    assert isinstance(fig, Figure) and len(fig.axes) == 6 and fig.axes[0].get_title() == "x"
    expr = np.array([0, 0, 1, 1, 1, 0])
    fig = synth_plots.filmstrip(imgs.reshape(6, 16, 16, 3), expr, ("neutral", "happy"),
                                {"intensity": np.linspace(0, 1, 6)}, step=2)
    assert len(fig.axes) == 3 + 2                                      # 3 frames, label band, curves
    assert [t.get_text() for t in fig.axes[3].texts] == ["neutral", "happy", "neutral"]
    fig = synth_plots.landmarks_overlay(imgs[0], rng.uniform(0, 16, (3, 68, 2)), titles=["1", "2", "3"])
    assert len(fig.axes) == 3 and len(fig.axes[0].lines) == 10         # 9 regions + the points
    fig = synth_plots.factor_distributions({"yaw": rng.normal(size=50)}, {"vox": (("a", "b"), np.array([.7, .3]))})
    assert len(fig.axes) == 2
    fig = synth_plots.probe_bars([{"probe": "identity", "balanced_accuracy": 0.7, "chance_balanced": 0.1}])
    assert fig.axes[0].patches[0].get_height() == 0.7
