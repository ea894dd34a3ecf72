"""The scene index on toy features: a pure scene code, a pure face code, a hand-computed mix, and the bootstrap
against scipy's."""

import numpy as np
import pytest
from scipy import stats

from fer_lib.metrics.scene import cosine_distance, scene_sensitivity

N = 12


def coded(scene_weight: float, face_weight: float):
    """Features [scene one-hot (8) * scene_weight, face one-hot (N + 1) * face_weight] of the three roles: face i in
    scene i % 4, face i in scene 4 + i % 4, face N in scene i % 4."""
    scenes, faces = np.eye(8), np.eye(N + 1)
    i = np.arange(N)
    feat = lambda s, f: np.concatenate([scene_weight * scenes[s], face_weight * faces[f]], 1)  # noqa: E731
    return feat(i % 4, i), feat(4 + i % 4, i), feat(i % 4, np.full(N, N))


def test_a_pure_scene_code_scores_one_and_a_pure_face_code_zero():
    scene_only = scene_sensitivity(*coded(1.0, 0.0))
    assert (scene_only["index"], scene_only["low"], scene_only["high"]) == (1.0, 1.0, 1.0)
    assert scene_only["scene_distance"] == pytest.approx(1.0) and scene_only["face_distance"] == pytest.approx(0.0)
    face_only = scene_sensitivity(*coded(0.0, 3.0))
    assert (face_only["index"], face_only["low"], face_only["high"]) == (0.0, 0.0, 0.0)


def test_a_mixed_code_by_hand():
    # anchor (e_s, 2 e_f), other scene (e_s', 2 e_f): cos = 4 / 5, distance 1 / 5; other face: cos = 1 / 5, 4 / 5
    r = scene_sensitivity(*coded(1.0, 2.0))
    assert r["scene_distance"] == pytest.approx(0.2) and r["face_distance"] == pytest.approx(0.8)
    assert r["index"] == pytest.approx(0.2) and r["low"] == pytest.approx(0.2) and r["high"] == pytest.approx(0.2)
    assert cosine_distance(np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([[-2.0, 0.0], [1.0, 1.0]])).tolist() == [2, 1]


def test_the_interval_is_scipys_percentile_bootstrap_over_face_states():
    rng = np.random.default_rng(0)
    a, s, f = (rng.standard_normal((200, 16)) for _ in range(3))
    s = a + 0.8 * s                                         # another scene moves a face less than another face
    r = scene_sensitivity(a, s, f, resamples=4000, seed=1)
    ds, df = cosine_distance(a, s), cosine_distance(a, f)
    assert r["index"] == pytest.approx(ds.mean() / (ds.mean() + df.mean()))
    ref = stats.bootstrap((ds, df), lambda x, y: x.mean() / (x.mean() + y.mean()), paired=True, vectorized=False,
                          n_resamples=4000, method="percentile", random_state=2).confidence_interval
    assert r["low"] == pytest.approx(ref.low, abs=0.01) and r["high"] == pytest.approx(ref.high, abs=0.01)
    assert r["low"] < r["index"] < r["high"] and r["high"] - r["low"] > 0.02


def test_bad_input_is_named():
    a = np.ones((4, 3))
    with pytest.raises(ValueError, match="must be equal"):
        scene_sensitivity(a, a, np.ones((4, 2)))
    with pytest.raises(ValueError, match="neither the scene nor the face"):
        scene_sensitivity(a, a, a)
