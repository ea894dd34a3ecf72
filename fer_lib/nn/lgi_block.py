"""One Local-Global Interaction (LGI) block of MAE-DFER's LGI-Former.

The tokens of a clip are split into R regions of S tokens; each region carries one representative
token. On x [B, R, 1+S, D] (representative first), a block does, each step pre-norm + residual:

1. local intra-region self-attention over {representative + its S tokens}   ([B·R, 1+S, D]);
2. global inter-region self-attention among the R representatives            ([B, R, D]);
3. local→global cross-attention: every region token (query) attends to the R representatives
   (keys/values), with separate LayerNorms for queries and context           ([B, R·S, D] × [B, R, D]);
4. FFN on all tokens.

Cost: local attention is O(R·(1+S)²) instead of O((R·S)²), the reason for the paper's 50 vs 81 GFLOPs.
Slices are cloned (``torch.cat`` builds new tensors) so no in-place write hits a view autograd needs
(the authors' code needed ``.clone()`` for newer PyTorch, their issue #3).
"""

from __future__ import annotations

import torch
from timm.layers import DropPath, Mlp
from torch import nn

from fer_lib.nn.attention import Attention, CrossAttention


class LGIBlock(nn.Module):
    """x [B, R, 1+S, D] -> [B, R, 1+S, D]."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.0, qkv_bias: bool = True,
                 drop_path: float = 0.0, fused: bool = True):
        super().__init__()
        self.norm_local = nn.LayerNorm(dim, eps=1e-6)
        self.local_attn = Attention(dim, num_heads, qkv_bias=qkv_bias, fused=fused)
        self.norm_global = nn.LayerNorm(dim, eps=1e-6)
        self.global_attn = Attention(dim, num_heads, qkv_bias=qkv_bias, fused=fused)
        self.norm_query = nn.LayerNorm(dim, eps=1e-6)
        self.norm_context = nn.LayerNorm(dim, eps=1e-6)
        self.cross_attn = CrossAttention(dim, num_heads, qkv_bias=qkv_bias, fused=fused)
        self.norm_mlp = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), act_layer=nn.GELU)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x: torch.Tensor, return_attn: bool = False):
        """x [B, R, 1+S, D] -> [B, R, 1+S, D]; with ``return_attn`` also a dict of head-averaged maps:
        ``local`` [B, R, 1+S, 1+S], ``global`` [B, R, R], ``cross`` [B, R·S, R]."""
        b, r, s1, d = x.shape
        maps = {}
        # 1. local intra-region self-attention
        flat = x.reshape(b * r, s1, d)  # [B·R, 1+S, D]
        out = self.local_attn(self.norm_local(flat), return_attn=return_attn)
        if return_attn:
            out, a = out
            maps["local"] = a.mean(1).reshape(b, r, s1, s1)
        flat = flat + self.drop_path(out)
        x = flat.reshape(b, r, s1, d)
        reps, local = x[:, :, 0], x[:, :, 1:].reshape(b, r * (s1 - 1), d)  # [B, R, D], [B, R·S, D]
        # 2. global inter-region self-attention among the representatives
        out = self.global_attn(self.norm_global(reps), return_attn=return_attn)
        if return_attn:
            out, a = out
            maps["global"] = a.mean(1)
        reps = reps + self.drop_path(out)
        # 3. local -> global cross-attention
        out = self.cross_attn(self.norm_query(local), self.norm_context(reps), return_attn=return_attn)
        if return_attn:
            out, a = out
            maps["cross"] = a.mean(1)
        local = local + self.drop_path(out)
        x = torch.cat([reps[:, :, None], local.reshape(b, r, s1 - 1, d)], dim=2)  # [B, R, 1+S, D]
        # 4. FFN
        x = x + self.drop_path(self.mlp(self.norm_mlp(x)))
        return (x, maps) if return_attn else x
