"""LGI-Former (MAE-DFER's encoder): tubelet tokens grouped into regions, one learnable representative
token per region, and a stack of :class:`fer_lib.nn.lgi_block.LGIBlock`.

Regions are boxes of ``region`` = (rt, rh, rw) tokens on the (T', H', W') token grid; the paper uses
(2, 5, 10) on 8×10×10 -> 8 regions of 100 tokens. The encoder works on all tokens (fine-tuning) or on
the visible tokens of a mask (pretraining), provided every region keeps the same number of visible
tokens (the part-window tube mask guarantees it). Tokens come back in their input (t, h, w) order.
"""

from __future__ import annotations

import torch
from timm.layers import trunc_normal_
from torch import nn

from fer_lib.models.video_vit import Encoded, _init_weights, keep_visible, position_table
from fer_lib.nn.lgi_block import LGIBlock
from fer_lib.nn.patch_embed import TubeletEmbed


def region_index(grid: tuple[int, int, int], region: tuple[int, int, int]) -> torch.Tensor:
    """Region id of every token [N] (tokens in (t, h, w) order); regions numbered in (t, h, w) order too."""
    (t, h, w), (rt, rh, rw) = grid, region
    if t % rt or h % rh or w % rw:
        raise ValueError(f"region size {region} does not tile the token grid {grid}")
    tt, hh, ww = torch.meshgrid(torch.arange(t), torch.arange(h), torch.arange(w), indexing="ij")
    rid = ((tt // rt) * (h // rh) + hh // rh) * (w // rw) + ww // rw  # [T', H', W']
    return rid.flatten()


class LGIFormer(nn.Module):
    """video [B, C, T, H, W] (+ mask [B, N]) -> :class:`Encoded` (tokens [B, N_vis, D], reps [B, R, D]).

    Defaults = the paper's fine-tuning model (16×160², tubelet 2×16×16, depth 16, dim 512, 8 heads, regions 2×5×10).
    """

    def __init__(self, frames: int = 16, image_size: int = 160, tubelet: int = 2, patch: int = 16,
                 in_chans: int = 3, dim: int = 512, depth: int = 16, num_heads: int = 8, mlp_ratio: float = 4.0,
                 qkv_bias: bool = True, drop_path: float = 0.0, fused: bool = True, pos_embed_1d: bool = False,
                 region: tuple[int, int, int] = (2, 5, 10)):
        super().__init__()
        self.patch_embed = TubeletEmbed(frames, image_size, tubelet, patch, in_chans, dim)
        self.grid, self.dim, self.region = self.patch_embed.grid, dim, tuple(region)
        self.register_buffer("pos_embed", position_table(self.grid, dim, pos_embed_1d), persistent=False)
        self.register_buffer("region_of_token", region_index(self.grid, self.region), persistent=False)
        self.num_regions = (self.grid[0] // region[0]) * (self.grid[1] // region[1]) * (self.grid[2] // region[2])
        self.region_tokens = nn.Parameter(torch.zeros(self.num_regions, dim))
        rates = [drop_path * i / max(depth - 1, 1) for i in range(depth)]
        self.blocks = nn.ModuleList(LGIBlock(dim, num_heads, mlp_ratio, qkv_bias, r, fused) for r in rates)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.apply(_init_weights)
        trunc_normal_(self.region_tokens, std=0.02)

    def forward(self, video: torch.Tensor, mask: torch.Tensor | None = None, return_attn: bool = False) -> Encoded:
        """video [B, C, T, H, W], mask [B, N] bool or None -> Encoded(tokens [B, N_vis, D], reps [B, R, D], attn)."""
        x = self.patch_embed(video) + self.pos_embed  # [B, N, D]
        x, idx = keep_visible(x, mask)  # [B, N_vis, D], [B, N_vis]
        b, n_vis, d = x.shape
        r = self.num_regions
        rid = self.region_of_token[idx]  # [B, N_vis]
        counts = torch.zeros(b, r, device=x.device).scatter_add_(1, rid, torch.ones_like(rid, dtype=torch.float))
        if mask is not None and (counts != n_vis / r).any():  # all tokens: equal by construction
            raise ValueError(f"LGI-Former needs the same number of visible tokens in each of the {r} regions "
                             f"{self.region}; got per-region counts {counts[0].int().tolist()} (use the "
                             "part-window tube mask with windows that tile the regions)")
        order = (rid * self.region_of_token.numel() + idx).argsort(dim=1)  # region-major
        x = torch.gather(x, 1, order[..., None].expand(-1, -1, d)).reshape(b, r, n_vis // r, d)  # [B, R, S, D]
        x = torch.cat([self.region_tokens.expand(b, -1, -1)[:, :, None], x], dim=2)  # [B, R, 1+S, D]
        maps = [] if return_attn else None
        for blk in self.blocks:
            if return_attn:
                x, a = blk(x, return_attn=True)
                maps.append(a)
            else:
                x = blk(x)
        reps = x[:, :, 0]  # [B, R, D]
        local = x[:, :, 1:].reshape(b, n_vis, d)  # region-major [B, N_vis, D]
        inverse = order.argsort(dim=1)
        tokens = torch.gather(local, 1, inverse[..., None].expand(-1, -1, d))  # back to (t, h, w) order
        return Encoded(tokens, reps, maps)

    def group_matcher(self, coarse: bool = False) -> dict:
        """Parameter groups for timm's layer-wise lr decay: stem (embed + region tokens) = layer 0."""
        return {"stem": r"^patch_embed|^region_tokens", "blocks": [(r"^blocks\.(\d+)", None), (r"^norm", (99999,))]}
