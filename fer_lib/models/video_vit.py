"""Plain video ViT encoder (the VideoMAE baseline): tubelet tokens + fixed sin-cos positions + global
self-attention blocks. Runs on all tokens (fine-tuning) or on the visible tokens of a mask (pretraining).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from timm.layers import trunc_normal_
from torch import nn

from fer_lib.nn.patch_embed import TubeletEmbed
from fer_lib.nn.pos_embed import sincos_1d_table, sincos_3d
from fer_lib.nn.vit_block import Block


class Encoded(NamedTuple):
    """Encoder output. tokens [B, N_vis, D] (before the final norm, in (t, h, w) order), reps [B, R, D] or
    None (LGI-Former's representative tokens), attn: per-block attention maps when requested, else None."""

    tokens: torch.Tensor
    reps: torch.Tensor | None
    attn: list | None


def keep_visible(x: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """x [B, N, D], mask [B, N] bool (True = masked) -> visible tokens [B, N_vis, D] and their indices [B, N_vis].

    Every clip must keep the same number of visible tokens (true for the tube generators)."""
    b, n, d = x.shape
    if mask is None:
        idx = torch.arange(n, device=x.device).expand(b, n)
        return x, idx
    if mask.shape != (b, n):
        raise ValueError(f"mask of shape {tuple(mask.shape)} does not match tokens [B={b}, N={n}]")
    counts = (~mask).sum(1)
    if (counts != counts[0]).any():
        raise ValueError(f"clips keep different numbers of visible tokens: {counts.tolist()}")
    idx = (~mask).nonzero()[:, 1].reshape(b, -1)  # ascending token indices [B, N_vis]
    return torch.gather(x, 1, idx[..., None].expand(-1, -1, d)), idx


def position_table(grid: tuple[int, int, int], dim: int, pos_embed_1d: bool) -> torch.Tensor:
    """Fixed position table [1, N, D]: 3-D sin-cos (default) or the authors' 1-D table over the token index."""
    n = grid[0] * grid[1] * grid[2]
    return (sincos_1d_table(n, dim) if pos_embed_1d else sincos_3d(grid, dim))[None]


class VideoViT(nn.Module):
    """video [B, C, T, H, W] (+ optional mask [B, N]) -> :class:`Encoded` with tokens [B, N_vis, D].

    Defaults = VideoMAE-B as compared in MAE-DFER (16×160², tubelet 2×16×16, depth 16, dim 512, 8 heads).
    ``pos_embed_1d``: False = 3-D sin-cos (paper: "fixed sin-cos"); True = the authors' 1-D table.
    """

    def __init__(self, frames: int = 16, image_size: int = 160, tubelet: int = 2, patch: int = 16,
                 in_chans: int = 3, dim: int = 512, depth: int = 16, num_heads: int = 8, mlp_ratio: float = 4.0,
                 qkv_bias: bool = True, drop_path: float = 0.0, fused: bool = True, pos_embed_1d: bool = False):
        super().__init__()
        self.patch_embed = TubeletEmbed(frames, image_size, tubelet, patch, in_chans, dim)
        self.grid, self.dim = self.patch_embed.grid, dim
        self.register_buffer("pos_embed", position_table(self.grid, dim, pos_embed_1d), persistent=False)
        rates = [drop_path * i / max(depth - 1, 1) for i in range(depth)]  # stochastic depth grows with depth
        self.blocks = nn.ModuleList(Block(dim, num_heads, mlp_ratio, qkv_bias, r, fused) for r in rates)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.apply(_init_weights)

    def forward(self, video: torch.Tensor, mask: torch.Tensor | None = None, return_attn: bool = False) -> Encoded:
        """video [B, C, T, H, W], mask [B, N] bool or None -> Encoded(tokens [B, N_vis, D], None, attn)."""
        x = self.patch_embed(video) + self.pos_embed  # [B, N, D]
        x, _ = keep_visible(x, mask)  # [B, N_vis, D]
        maps = [] if return_attn else None
        for blk in self.blocks:
            if return_attn:
                x, a = blk(x, return_attn=True)
                maps.append(a.mean(1))  # [B, N_vis, N_vis]
            else:
                x = blk(x)
        return Encoded(x, None, maps)

    def group_matcher(self, coarse: bool = False) -> dict:
        """Parameter groups for timm's layer-wise lr decay: stem = layer 0, block i = layer i+1."""
        return {"stem": r"^patch_embed", "blocks": [(r"^blocks\.(\d+)", None), (r"^norm", (99999,))]}


def _init_weights(m: nn.Module) -> None:
    """ViT init: truncated-normal(.02) linears with zero bias, LayerNorm (1, 0)."""
    if isinstance(m, nn.Linear):
        trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LayerNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)
