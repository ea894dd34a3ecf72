"""Tubelet patch embedding: a video [B, C, T, H, W] -> tokens [B, N, D] with N = (T/t)·(H/p)·(W/p).

One Conv3d with kernel = stride = (t, p, p) (2×16×16 in MAE-DFER / VideoMAE). Tokens are ordered
(t, h, w) with w fastest, the order the masking generators and the LGI region partition assume.
"""

from __future__ import annotations

import torch
from torch import nn


class TubeletEmbed(nn.Module):
    """Conv3d tokeniser; ``grid`` = (T/t, H/p, W/p) tokens along each axis."""

    def __init__(self, frames: int = 16, image_size: int = 160, tubelet: int = 2, patch: int = 16,
                 in_chans: int = 3, dim: int = 512):
        super().__init__()
        if frames % tubelet or image_size % patch:
            raise ValueError(f"frames {frames} must be divisible by tubelet {tubelet} and image_size "
                             f"{image_size} by patch {patch}")
        self.frames, self.image_size, self.tubelet, self.patch = frames, image_size, tubelet, patch
        self.grid = (frames // tubelet, image_size // patch, image_size // patch)
        self.num_tokens = self.grid[0] * self.grid[1] * self.grid[2]
        self.proj = nn.Conv3d(in_chans, dim, kernel_size=(tubelet, patch, patch), stride=(tubelet, patch, patch))

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        """video [B, C, T, H, W] -> tokens [B, N, D]."""
        if tuple(video.shape[2:]) != (self.frames, self.image_size, self.image_size):
            raise ValueError(f"expected a video [B, C, {self.frames}, {self.image_size}, {self.image_size}], "
                             f"got {tuple(video.shape)}")
        x = self.proj(video)  # [B, D, T/t, H/p, W/p]
        return x.flatten(2).transpose(1, 2)  # [B, N, D]
