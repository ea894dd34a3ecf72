"""Fixed (not learned) sine-cosine position embeddings for video tokens.

- :func:`sincos_3d` (default of the book's models): the channels are split in three, each third encodes
  one axis (t, h, w) with the MAE 1-D formula ``[sin(pos·ω), cos(pos·ω)]``, ω_i = 10000^(-i/(d/2)).
- :func:`sincos_1d_table`: what the VideoMAE / MAE-DFER code does (``get_sinusoid_encoding_table``):
  one 1-D table over the flattened token index n = (t·H' + h)·W' + w, sin on even channels, cos on odd.
"""

from __future__ import annotations

import torch


def sincos_1d(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """positions [N] (float) -> [N, dim] = [sin(pos·ω) | cos(pos·ω)]; ``dim`` must be even."""
    if dim % 2:
        raise ValueError(f"sincos_1d needs an even dim, got {dim}")
    omega = 1.0 / 10000 ** (torch.arange(dim // 2, dtype=torch.float64) / (dim / 2))
    angles = positions.double()[:, None] * omega[None, :]  # [N, dim/2]
    return torch.cat([angles.sin(), angles.cos()], dim=1).float()


def sincos_3d(grid: tuple[int, int, int], dim: int) -> torch.Tensor:
    """Token grid (T', H', W') -> [N, dim], N = T'·H'·W' in (t, h, w) order; each axis gets ~dim/3 channels."""
    if dim % 2:
        raise ValueError(f"sincos_3d needs an even dim, got {dim}")
    d_h = d_w = (dim // 3) // 2 * 2
    d_t = dim - d_h - d_w
    t, h, w = torch.meshgrid(*(torch.arange(g) for g in grid), indexing="ij")  # each [T', H', W']
    parts = [sincos_1d(t.flatten(), d_t), sincos_1d(h.flatten(), d_h), sincos_1d(w.flatten(), d_w)]
    return torch.cat(parts, dim=1)  # [N, dim]


def sincos_1d_table(num_tokens: int, dim: int) -> torch.Tensor:
    """The authors' table: [N, dim] with entry (n, j) = sin/cos(n / 10000^(2⌊j/2⌋/dim)), sin at even j."""
    pos = torch.arange(num_tokens, dtype=torch.float64)[:, None]
    j = torch.arange(dim, dtype=torch.float64)[None, :]
    angles = pos / 10000 ** (2 * torch.div(j, 2, rounding_mode="floor") / dim)  # [N, dim]
    table = torch.where(j.long() % 2 == 0, angles.sin(), angles.cos())
    return table.float()
