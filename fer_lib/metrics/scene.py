"""Scene sensitivity of an embedding: how far a change of scene moves a face's features, against a change of face.

From the embeddings of scene triplets (:mod:`fer_lib.data.synth.scene_sets`), for face state i:

    s_i = 1 − cos(anchor_i, other_scene_i)     the same face state, another scene (background, light, cast)
    f_i = 1 − cos(anchor_i, other_face_i)      another person's face state, the same scene
    index = mean(s) / (mean(s) + mean(f))      in [0, 1]

1: the features code the scene only (a new scene moves them, a new face does not); 0: the face only; 0.5: a new
scene moves them as far as a new person does. Lower = less scene shortcut. Unlike a nearest-neighbour scene
probe (which of a person's clips a frame is from), it does not saturate when every encoder, the untrained one
included, can tell scenes apart: it asks how much of the feature distance the scene accounts for. The interval
is Efron's percentile bootstrap over the face states (resample the triplets with replacement).
"""

from __future__ import annotations

import numpy as np


def cosine_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 − cosine similarity of matching rows of a, b [N, D] -> [N] (a zero row counts as orthogonal)."""
    unit = lambda x: x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)  # noqa: E731
    return 1.0 - (unit(np.asarray(a, float)) * unit(np.asarray(b, float))).sum(1)


def scene_sensitivity(anchor: np.ndarray, other_scene: np.ndarray, other_face: np.ndarray, *,
                      resamples: int = 1000, level: float = 0.95, seed: int = 0) -> dict[str, float]:
    """The scene index of triplet embeddings, each [N, D] (row i: face state i), with its bootstrap interval.

    Returns {"index", "low", "high", "scene_distance": mean(s), "face_distance": mean(f)}.
    """
    shapes = {np.shape(anchor), np.shape(other_scene), np.shape(other_face)}
    if len(shapes) != 1 or np.ndim(anchor) != 2:
        raise ValueError(f"scene_sensitivity: anchor, other_scene and other_face must be equal [N, D], got "
                         f"{np.shape(anchor)}, {np.shape(other_scene)}, {np.shape(other_face)}")
    if resamples < 1 or not 0 < level < 1:
        raise ValueError(f"scene_sensitivity: need resamples >= 1 and 0 < level < 1, got {resamples}, {level}")
    s, f = cosine_distance(anchor, other_scene), cosine_distance(anchor, other_face)   # [N] each
    if s.mean() + f.mean() <= 0:
        raise ValueError("scene_sensitivity: the features change with neither the scene nor the face")
    draws = np.random.default_rng(seed).integers(0, len(s), (resamples, len(s)))      # [R, N]
    bs, bf = s[draws].mean(1), f[draws].mean(1)
    boot = np.divide(bs, bs + bf, out=np.full(resamples, np.nan), where=bs + bf > 0)   # [R]
    low, high = np.nanpercentile(boot, [50 * (1 - level), 50 * (1 + level)])
    return {"index": float(s.mean() / (s.mean() + f.mean())), "low": float(low), "high": float(high),
            "scene_distance": float(s.mean()), "face_distance": float(f.mean())}
