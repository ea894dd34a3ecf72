"""Similarity Procrustes: the rotation, uniform scale and translation that best map one point set onto another.

Points are ``float [N, 2]``; the result is an affine matrix ``M float64 [2, 3]`` with
``dst ~= src @ M[:, :2].T + M[:, 2]``.
"""

from __future__ import annotations

import numpy as np


def similarity_procrustes(src: np.ndarray, dst: np.ndarray, std_ratio_scale: bool = False) -> np.ndarray:
    """Least-squares similarity ``M [2, 3]`` mapping ``src [N, 2]`` onto ``dst [N, 2]`` (Umeyama 1991).

    The rotation comes from the SVD of the centred cross-covariance, with a reflection guard (a proper
    rotation, det R = +1).
    std_ratio_scale: False (default) takes Umeyama's least-squares scale ``trace(S D) / var(src)``.
        True takes ``std(dst) / std(src)``, as Matthew Earl's face-swap code (and SSL-FER's copy of it) does:
        the two agree when ``dst`` is an exact similarity image of ``src`` and differ under noise.
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 2:
        raise ValueError(f"need two [N, 2] point sets with N >= 2, got {src.shape} and {dst.shape}")
    mu_s, mu_d = src.mean(0), dst.mean(0)
    sc, dc = src - mu_s, dst - mu_d                    # [N, 2] centred
    var_s = (sc ** 2).sum() / len(src)
    if var_s == 0:
        raise ValueError("source points are all identical: no similarity transform is defined")
    u, s, vt = np.linalg.svd(dc.T @ sc / len(src))     # cross-covariance [2, 2]
    d = np.diag([1.0, np.sign(np.linalg.det(u) * np.linalg.det(vt)) or 1.0])
    rot = u @ d @ vt
    if std_ratio_scale:
        scale = np.sqrt((dc ** 2).sum() / (sc ** 2).sum())
    else:
        scale = np.trace(np.diag(s) @ d) / var_s
    return np.hstack([scale * rot, (mu_d - scale * rot @ mu_s)[:, None]])


def apply_affine(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply ``M [2, 3]`` to points ``[..., 2]``."""
    points = np.asarray(points, dtype=np.float64)
    return points @ m[:, :2].T + m[:, 2]


def invert_affine(m: np.ndarray) -> np.ndarray:
    """The inverse of an invertible affine ``M [2, 3]``."""
    a_inv = np.linalg.inv(m[:, :2])
    return np.hstack([a_inv, (-a_inv @ m[:, 2])[:, None]])
