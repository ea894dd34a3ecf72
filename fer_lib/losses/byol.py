"""BYOL's regression loss between the online prediction and the target projection."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def byol_loss(prediction: Tensor, target: Tensor) -> Tensor:
    """``2 - 2 cos(p, z)`` averaged over the batch (= squared distance of the L2-normalised vectors).

    prediction: [B, D] online predictor output; target: [B, D] target-network projection (its
    gradient is stopped here). Returns a scalar in [0, 4].
    """
    if prediction.shape != target.shape:
        raise ValueError(f"prediction {tuple(prediction.shape)} and target {tuple(target.shape)} differ")
    p = F.normalize(prediction.float(), dim=1)
    z = F.normalize(target.detach().float(), dim=1)
    return (2.0 - 2.0 * (p * z).sum(dim=1)).mean()
