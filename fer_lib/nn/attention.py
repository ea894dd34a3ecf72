"""Multi-head self- and cross-attention with a fused path (``F.scaled_dot_product_attention``) and a
manual path (explicit softmax(QKᵀ/√d)V) that must agree; the manual path can return the attention map.

Shapes: x [B, N, D] queries, context [B, M, D] keys/values, H heads of width D/H.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, fused: bool = True, dropout_p: float = 0.0,
           return_attn: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
    """softmax(q kᵀ / √d) v per head.

    q [B, H, N, d], k and v [B, H, M, d] -> out [B, H, N, d] and, when ``return_attn`` (manual path only),
    the attention weights [B, H, N, M] (before dropout). ``fused`` uses PyTorch's SDPA kernels.
    """
    if fused and not return_attn:
        return F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p), None
    scale = q.shape[-1] ** -0.5
    attn = (q * scale) @ k.transpose(-2, -1)  # [B, H, N, M]
    attn = attn.softmax(dim=-1)
    weights = attn
    if dropout_p > 0:
        attn = F.dropout(attn, p=dropout_p)
    return attn @ v, (weights if return_attn else None)


def _split_heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    """[B, N, D] -> [B, H, N, D/H]."""
    b, n, d = x.shape
    return x.reshape(b, n, heads, d // heads).transpose(1, 2)


def _merge_heads(x: torch.Tensor) -> torch.Tensor:
    """[B, H, N, d] -> [B, N, H·d]."""
    b, h, n, d = x.shape
    return x.transpose(1, 2).reshape(b, n, h * d)


class Attention(nn.Module):
    """Self-attention: x [B, N, D] -> [B, N, D] (one qkv projection, qkv bias as in ViT/VideoMAE)."""

    def __init__(self, dim: int, num_heads: int = 8, qkv_bias: bool = True, attn_drop: float = 0.0,
                 proj_drop: float = 0.0, fused: bool = True):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"dim {dim} is not divisible by num_heads {num_heads}")
        self.num_heads, self.fused, self.attn_drop = num_heads, fused, attn_drop
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor, return_attn: bool = False):
        """x [B, N, D] -> out [B, N, D]; with ``return_attn`` also the weights [B, H, N, N]."""
        b, n, d = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.num_heads, d // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)  # each [B, H, N, d]
        out, attn = attend(q, k, v, self.fused, self.attn_drop if self.training else 0.0, return_attn)
        out = self.proj_drop(self.proj(_merge_heads(out)))
        return (out, attn) if return_attn else out


class CrossAttention(nn.Module):
    """Cross-attention: queries x [B, N, D] attend to context [B, M, D] -> [B, N, D]."""

    def __init__(self, dim: int, num_heads: int = 8, qkv_bias: bool = True, attn_drop: float = 0.0,
                 proj_drop: float = 0.0, fused: bool = True):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"dim {dim} is not divisible by num_heads {num_heads}")
        self.num_heads, self.fused, self.attn_drop = num_heads, fused, attn_drop
        self.q = nn.Linear(dim, dim, bias=qkv_bias)
        self.kv = nn.Linear(dim, dim * 2, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor, context: torch.Tensor, return_attn: bool = False):
        """x [B, N, D], context [B, M, D] -> out [B, N, D]; with ``return_attn`` also weights [B, H, N, M]."""
        b, m, d = context.shape
        q = _split_heads(self.q(x), self.num_heads)  # [B, H, N, d]
        kv = self.kv(context).reshape(b, m, 2, self.num_heads, d // self.num_heads).permute(2, 0, 3, 1, 4)
        k, v = kv.unbind(0)  # each [B, H, M, d]
        out, attn = attend(q, k, v, self.fused, self.attn_drop if self.training else 0.0, return_attn)
        out = self.proj_drop(self.proj(_merge_heads(out)))
        return (out, attn) if return_attn else out
