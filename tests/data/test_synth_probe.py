"""Identity dominates raw-pixel variance: a ridge probe on pixels decodes identity far better than expression."""

import numpy as np
import pytest
from sklearn.linear_model import RidgeClassifier

from fer_lib.data.synth import SynthConfig, load_synth
from fer_lib.metrics.mechanism_pixels import pixel_probe, ridge_probe


def test_ridge_probe_matches_sklearn_and_counts_chance():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 5))
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 1)
    out = ridge_probe(x[:40], y[:40], x[40:], y[40:], alpha=2.0)
    pred = RidgeClassifier(alpha=2.0).fit(x[:40], y[:40]).predict(x[40:])
    assert out["accuracy"] == pytest.approx(np.mean(pred == y[40:]))
    assert out["chance"] == pytest.approx(np.bincount(y[40:]).max() / 20)
    with pytest.raises(ValueError, match="two classes"):
        ridge_probe(x[:5], np.zeros(5), x[5:], y[5:])


def test_identity_decodes_far_better_than_expression_from_pixels():
    cfg = SynthConfig(domain="balanced", n_identities=20, clips_per_identity=4, frames_per_clip=12, size=32)
    v = load_synth(cfg, cache=False)
    frames = v.frames[:, ::2]                                   # [n, 6, H, W, 3]
    n, T = frames.shape[:2]
    train = np.repeat(np.arange(n) % 4 < 2, T)                  # 2 clips per identity train, 2 test
    rows = {r["target"]: r for r in pixel_probe(
        frames.reshape(n * T, 32, 32, 3),
        {"identity": np.repeat(v.identity, T), "expression": v.expression[:, ::2].reshape(-1)}, train)}
    ident, expr = rows["identity"], rows["expression"]
    assert ident["chance"] == pytest.approx(1 / 20)
    assert ident["balanced_accuracy"] > 0.5 and ident["n_classes"] == 20 and expr["n_classes"] == 8
    # expression: balanced accuracy well below identity's, in units of chance (1 / n_classes)
    assert ident["balanced_accuracy"] * 20 > 2 * expr["balanced_accuracy"] * expr["n_classes"]
