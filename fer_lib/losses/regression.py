"""Regression losses for the combined classification + gaze head (the seed text's variant of MAE-DFER):
``loss = α · CE(classes) + L_reg(gaze)``, gaze as (pitch, yaw) in radians.

Pure functions of tensors. ``alpha`` is the weight of the classification term (the variant's
``combine_loss_alpha``; its gaze-only config sets 0).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def gaze_vectors(pitch_yaw: torch.Tensor) -> torch.Tensor:
    """[B, 2] (pitch, yaw) radians -> [B, 3] unit vectors (the convention of metrics.regression.gaze_vector)."""
    pitch, yaw = pitch_yaw.unbind(-1)
    return torch.stack([-pitch.cos() * yaw.sin(), -pitch.sin(), -pitch.cos() * yaw.cos()], dim=-1)


def angular_error(pred: torch.Tensor, target: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Per-sample angle in degrees between predicted and true gaze [B] (differentiable; cos clamped to
    [−1 + eps, 1 − eps] so the arccos gradient stays finite at a perfect prediction)."""
    cos = (gaze_vectors(pred) * gaze_vectors(target)).sum(-1).clamp(-1 + eps, 1 - eps)
    return torch.rad2deg(torch.arccos(cos))


def combined_loss(logits: torch.Tensor, class_target: torch.Tensor, reg_pred: torch.Tensor,
                  reg_target: torch.Tensor, alpha: float, class_loss: torch.Tensor | None = None) -> torch.Tensor:
    """α · CE + L1(reg_pred, reg_target).

    logits [B, K]; class_target [B] int labels or [B, K] soft targets (mixup / label smoothing);
    reg_pred, reg_target [B, R]. ``class_loss`` overrides the CE term when given (e.g. the mixup loss).
    """
    if class_loss is None:
        class_loss = F.cross_entropy(logits, class_target)
    return alpha * class_loss + F.l1_loss(reg_pred, reg_target)
