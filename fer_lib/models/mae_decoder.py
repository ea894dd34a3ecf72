"""MAE decoder for video: a narrow ViT over [visible tokens | mask tokens] that predicts the pixels of
every masked token (MAE-DFER / VideoMAE: Linear 512->384 without bias, fixed sin-cos positions, 4 blocks
of width 384 with 6 heads, LayerNorm, Linear head to t·p·p·C = 2·16·16·3 = 1536 values per token).
"""

from __future__ import annotations

import torch
from timm.layers import trunc_normal_
from torch import nn

from fer_lib.models.video_vit import _init_weights, position_table
from fer_lib.nn.vit_block import Block


class MAEDecoder(nn.Module):
    """(visible [B, N_vis, De], mask [B, N]) -> predictions for the masked tokens [B, N_mask, P]."""

    def __init__(self, grid: tuple[int, int, int], encoder_dim: int = 512, dim: int = 384, depth: int = 4,
                 num_heads: int = 6, out_dim: int = 1536, mlp_ratio: float = 4.0, fused: bool = True,
                 pos_embed_1d: bool = False):
        super().__init__()
        self.embed = nn.Linear(encoder_dim, dim, bias=False)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.register_buffer("pos_embed", position_table(tuple(grid), dim, pos_embed_1d), persistent=False)
        self.blocks = nn.ModuleList(Block(dim, num_heads, mlp_ratio, True, 0.0, fused) for _ in range(depth))
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, out_dim)
        self.apply(_init_weights)
        trunc_normal_(self.mask_token, std=0.02)

    def forward(self, visible: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """visible [B, N_vis, De] (encoder output, normed, (t, h, w) order), mask [B, N] (True = masked)
        -> pred [B, N_mask, P], masked tokens in ascending token order (= ``target[mask]``)."""
        b, n = mask.shape
        x = self.embed(visible)  # [B, N_vis, D]
        d = x.shape[-1]
        pos = self.pos_embed.expand(b, -1, -1)  # [B, N, D]
        pos_vis = pos[~mask].reshape(b, -1, d)
        pos_mask = pos[mask].reshape(b, -1, d)  # [B, N_mask, D]
        if pos_vis.shape[1] != x.shape[1]:
            raise ValueError(f"{x.shape[1]} visible tokens given but the mask leaves {pos_vis.shape[1]} visible")
        x = torch.cat([x + pos_vis, self.mask_token + pos_mask], dim=1)  # [B, N, D]
        for blk in self.blocks:
            x = blk(x)
        n_mask = pos_mask.shape[1]
        return self.head(self.norm(x[:, -n_mask:]))  # [B, N_mask, P]
