import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from fer_lib.plots.embedding import embedding_grid, tsne_2d


def test_tsne_separates_two_clusters_and_grid_draws():
    rng = np.random.default_rng(0)
    feats = np.concatenate([rng.normal(0, 0.1, (15, 5)), rng.normal(5, 0.1, (15, 5))])
    xy = tsne_2d(feats, seed=0)
    assert xy.shape == (30, 2)
    a, b = xy[:15].mean(0), xy[15:].mean(0)
    spread = max(xy[:15].std(0).max(), xy[15:].std(0).max())
    assert np.linalg.norm(a - b) > 3 * spread
    expr = np.array([0] * 15 + [1] * 15)
    fig = embedding_grid({"A": xy, "B": xy[::-1]}, expr, np.arange(30) % 5, ("neutral", "happy"))
    assert len(fig.axes) == 4 and "expression" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="expected"):
        embedding_grid({"A": xy[:3]}, expr, expr, ("neutral", "happy"))
