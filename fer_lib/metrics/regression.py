"""Regression metrics: concordance correlation coefficient (CCC), RMSE and gaze angular error."""

from __future__ import annotations

import numpy as np


def ccc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Lin's CCC = 2 cov(x, y) / (var x + var y + (mean x - mean y)^2), population moments; inputs [N]."""
    x, y = np.asarray(y_true, dtype=float).ravel(), np.asarray(y_pred, dtype=float).ravel()
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"ccc needs two equal-length arrays of at least 2 values, got {x.shape} and {y.shape}")
    mx, my = x.mean(), y.mean()
    cov = ((x - mx) * (y - my)).mean()
    denom = x.var() + y.var() + (mx - my) ** 2
    return float(2 * cov / denom) if denom > 0 else 0.0


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Root mean squared error over all elements."""
    x, y = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    return float(np.sqrt(((x - y) ** 2).mean()))


def gaze_vector(pitch_yaw: np.ndarray) -> np.ndarray:
    """[N, 2] (pitch, yaw) in radians -> [N, 3] unit gaze vectors (Gaze360/ETH-XGaze convention)."""
    pitch, yaw = np.asarray(pitch_yaw, dtype=float).T
    return np.stack([-np.cos(pitch) * np.sin(yaw), -np.sin(pitch), -np.cos(pitch) * np.cos(yaw)], axis=1)


def angular_error_deg(true_pitch_yaw: np.ndarray, pred_pitch_yaw: np.ndarray) -> np.ndarray:
    """Angle in degrees between true and predicted gaze directions, per sample [N]."""
    a, b = gaze_vector(true_pitch_yaw), gaze_vector(pred_pitch_yaw)
    cos = np.clip((a * b).sum(axis=1), -1.0, 1.0)
    return np.degrees(np.arccos(cos))
