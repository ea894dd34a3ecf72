"""Pre-norm Transformer block (ViT / VideoMAE): x += DropPath(Attn(LN(x))); x += DropPath(MLP(LN(x))).

MLP and DropPath come from timm; attention from :mod:`fer_lib.nn.attention` (fused or manual).
"""

from __future__ import annotations

import torch
from timm.layers import DropPath, Mlp
from torch import nn

from fer_lib.nn.attention import Attention


class Block(nn.Module):
    """x [B, N, D] -> [B, N, D]; LayerNorm eps 1e-6 and GELU MLP of ``mlp_ratio``·D as in VideoMAE."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.0, qkv_bias: bool = True,
                 drop_path: float = 0.0, fused: bool = True):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads, qkv_bias=qkv_bias, fused=fused)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), act_layer=nn.GELU)

    def forward(self, x: torch.Tensor, return_attn: bool = False):
        """x [B, N, D] -> [B, N, D] (and the attention weights [B, H, N, N] with ``return_attn``)."""
        if return_attn:
            a, attn = self.attn(self.norm1(x), return_attn=True)
        else:
            a, attn = self.attn(self.norm1(x)), None
        x = x + self.drop_path(a)
        x = x + self.drop_path(self.mlp(self.norm2(x)))
        return (x, attn) if return_attn else x
