"""Identity dominates raw-pixel variance: a ridge probe on pixels decodes identity far better than expression."""

import numpy as np
import pytest
from sklearn.linear_model import RidgeClassifier

from fer_lib.data.synth import SynthConfig, load_synth
from fer_lib.metrics.mechanism_pixels import identity_expression_probe, normalised_landmarks, ridge_probe


def test_ridge_probe_matches_sklearn_and_counts_chance():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 5))
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 1)
    out = ridge_probe(x[:40], y[:40], x[40:], y[40:], alpha=2.0)
    pred = RidgeClassifier(alpha=2.0).fit(x[:40], y[:40]).predict(x[40:])
    assert out["accuracy"] == pytest.approx(np.mean(pred == y[40:]))
    assert out["chance"] == pytest.approx(np.bincount(y[40:]).max() / 20)
    assert out["chance_balanced"] == pytest.approx(1 / len(np.unique(y[40:])))
    with pytest.raises(ValueError, match="two classes"):
        ridge_probe(x[:5], np.zeros(5), x[5:], y[5:])


def test_normalised_landmarks_remove_position_and_scale():
    pts = np.random.default_rng(1).normal(size=(1, 68, 2)).astype(np.float32)
    moved = pts * 3.0 + np.array([10.0, -4.0], np.float32)
    assert np.allclose(normalised_landmarks(pts), normalised_landmarks(moved), atol=1e-5)
    assert normalised_landmarks(pts).shape == (1, 136)


def test_identity_decodes_far_better_than_expression_from_pixels():
    cfg = SynthConfig(domain="balanced", n_identities=20, clips_per_identity=4, frames_per_clip=12, size=32)
    rows = {r["probe"]: r for r in identity_expression_probe(load_synth(cfg, cache=False), frame_step=2)}
    ident, expr = rows["identity from pixels"], rows["expression from pixels"]
    assert ident["chance"] == pytest.approx(1 / 20) and ident["n_test"] == 20 * 2 * 6
    assert ident["balanced_accuracy"] > 0.5 and ident["n_classes"] == 20 and expr["n_classes"] == 8
    # in units of chance, identity is decoded more than twice as well as expression
    lift = lambda r: r["balanced_accuracy"] / r["chance_balanced"]  # noqa: E731
    assert lift(ident) > 2 * lift(expr)
    # expression is in the geometry: landmarks decode it better than the pixels do
    assert rows["expression from landmarks"]["balanced_accuracy"] > expr["balanced_accuracy"]
