"""Transformer temporal encoder over a window of per-frame features, with a per-frame classifier (ABAW6 section 3.4).

The frame encoder (the pretrained student) is frozen and turns each frame into a feature vector; this
model lets every frame attend to its neighbours in a window of T frames and classifies every frame.
The paper gives no depth, width or window length: they are arguments (defaults are small).
"""

from __future__ import annotations

import torch
from torch import nn


class TemporalEncoder(nn.Module):
    """features [B, T, D_in] -> logits [B, T, K].

    A linear projection to ``dim``, a learned position embedding over at most ``max_frames`` positions,
    ``depth`` pre-norm ``torch.nn.TransformerEncoderLayer`` blocks (self-attention over time), a final
    LayerNorm and a linear per-frame classifier. ``padding_mask`` [B, T] (True = padded frame) keeps
    padded frames out of attention.
    """

    def __init__(self, in_dim: int, num_classes: int, dim: int = 128, depth: int = 2, heads: int = 4,
                 mlp_ratio: float = 2.0, dropout: float = 0.1, max_frames: int = 64):
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} must be divisible by heads {heads}")
        self.max_frames = max_frames
        self.proj = nn.Linear(in_dim, dim)
        self.pos = nn.Parameter(torch.zeros(1, max_frames, dim))
        nn.init.trunc_normal_(self.pos, std=0.02)
        layer = nn.TransformerEncoderLayer(dim, heads, dim_feedforward=int(dim * mlp_ratio), dropout=dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, features: torch.Tensor, padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        if features.ndim != 3:
            raise ValueError(f"TemporalEncoder expects features [B, T, D], got shape {tuple(features.shape)}")
        t = features.shape[1]
        if t > self.max_frames:
            raise ValueError(f"window of {t} frames exceeds max_frames={self.max_frames}")
        x = self.proj(features) + self.pos[:, :t]  # [B, T, dim]
        x = self.encoder(x, src_key_padding_mask=padding_mask)  # [B, T, dim]
        return self.head(self.norm(x))  # [B, T, K]
