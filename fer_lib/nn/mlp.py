"""Projection and prediction heads for self-supervised methods (torchvision's ``ops.MLP``)."""

from __future__ import annotations

from torch import nn
from torchvision.ops import MLP


def projection_mlp(in_dim: int, hidden_dim: int, out_dim: int, num_layers: int = 2,
                   batch_norm: bool = False) -> nn.Module:
    """``num_layers`` Linear layers with ReLU (and BatchNorm1d when ``batch_norm``) between them.

    [B, in_dim] -> [B, out_dim]. SimCLR / SSL-FER: ``Linear(2048, 2048)-ReLU-Linear(2048, 128)``
    (``batch_norm=False``); BYOL's projector and predictor: ``Linear-BN-ReLU-Linear`` (``batch_norm=True``).
    The last layer has no norm and no activation.
    """
    if num_layers < 1:
        raise ValueError(f"num_layers must be >= 1, got {num_layers}")
    hidden = [hidden_dim] * (num_layers - 1) + [out_dim]
    return MLP(in_dim, hidden, norm_layer=nn.BatchNorm1d if batch_norm else None, activation_layer=nn.ReLU)
