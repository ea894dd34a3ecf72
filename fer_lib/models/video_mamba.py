"""VideoMamba-style encoder option: tubelet tokens + fixed positions + bidirectional Mamba blocks
(attention-free, linear in the number of tokens). The scan is :func:`fer_lib.models.selective_scan.selective_scan`
(pure PyTorch, or mamba-ssm's CUDA kernel when installed). Works on all or on the visible tokens.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from timm.layers import DropPath
from torch import nn

from fer_lib.models.selective_scan import selective_scan
from fer_lib.models.video_vit import Encoded, _init_weights, keep_visible, position_table
from fer_lib.nn.patch_embed import TubeletEmbed


class SSMBranch(nn.Module):
    """One scan direction: depthwise causal conv -> SiLU -> input-dependent (Δ, B, C) -> selective scan."""

    def __init__(self, inner: int, d_state: int, dt_rank: int, conv: int = 4, use_kernel: bool = True):
        super().__init__()
        self.conv = nn.Conv1d(inner, inner, conv, groups=inner, padding=conv - 1)
        self.x_proj = nn.Linear(inner, dt_rank + 2 * d_state, bias=False)
        self.dt_proj = nn.Linear(dt_rank, inner)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, d_state + 1).float()).repeat(inner, 1))  # [E, N]
        self.D = nn.Parameter(torch.ones(inner))
        self.d_state, self.dt_rank, self.use_kernel = d_state, dt_rank, use_kernel
        with torch.no_grad():  # Δ initialised in [1e-3, 1e-1] (log-uniform) as Mamba
            dt = torch.exp(torch.rand(inner) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3))
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x [B, E, L] -> y [B, E, L]."""
        length = x.shape[-1]
        x = F.silu(self.conv(x)[..., :length])  # causal: keep the first L outputs
        dt, b, c = self.x_proj(x.transpose(1, 2)).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
        delta = (dt @ self.dt_proj.weight.T).transpose(1, 2)  # [B, E, L], bias added inside the scan
        return selective_scan(x, delta, -torch.exp(self.A_log.float()), b.transpose(1, 2), c.transpose(1, 2),
                              self.D.float(), self.dt_proj.bias.float(), True, self.use_kernel)


class BiMambaBlock(nn.Module):
    """x [B, L, D] -> [B, L, D]: x + DropPath(out_proj(½(fwd(x) + flip(bwd(flip x))) ⊙ SiLU(z)))."""

    def __init__(self, dim: int, d_state: int = 16, expand: int = 2, drop_path: float = 0.0, use_kernel: bool = True):
        super().__init__()
        inner, dt_rank = expand * dim, math.ceil(dim / 16)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.in_proj = nn.Linear(dim, 2 * inner, bias=False)
        self.forward_ssm = SSMBranch(inner, d_state, dt_rank, use_kernel=use_kernel)
        self.backward_ssm = SSMBranch(inner, d_state, dt_rank, use_kernel=use_kernel)
        self.out_proj = nn.Linear(inner, dim, bias=False)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        xz = self.in_proj(self.norm(x)).transpose(1, 2)  # [B, 2E, L]
        u, z = xz.chunk(2, dim=1)
        y = self.forward_ssm(u) + self.backward_ssm(u.flip(-1)).flip(-1)  # [B, E, L]
        y = 0.5 * y * F.silu(z)
        return x + self.drop_path(self.out_proj(y.transpose(1, 2)))


class VideoMamba(nn.Module):
    """video [B, C, T, H, W] (+ mask [B, N]) -> Encoded(tokens [B, N_vis, D], None, None).

    fused: use mamba-ssm's CUDA selective-scan kernel when it is installed (never required)."""

    def __init__(self, frames: int = 16, image_size: int = 160, tubelet: int = 2, patch: int = 16,
                 in_chans: int = 3, dim: int = 512, depth: int = 16, d_state: int = 16, expand: int = 2,
                 drop_path: float = 0.0, fused: bool = True, pos_embed_1d: bool = False):
        super().__init__()
        self.patch_embed = TubeletEmbed(frames, image_size, tubelet, patch, in_chans, dim)
        self.grid, self.dim = self.patch_embed.grid, dim
        self.register_buffer("pos_embed", position_table(self.grid, dim, pos_embed_1d), persistent=False)
        rates = [drop_path * i / max(depth - 1, 1) for i in range(depth)]
        self.blocks = nn.ModuleList(BiMambaBlock(dim, d_state, expand, r, fused) for r in rates)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        for blk in self.blocks:
            for m in (blk.in_proj, blk.out_proj, blk.norm):
                _init_weights(m)

    def forward(self, video: torch.Tensor, mask: torch.Tensor | None = None, return_attn: bool = False) -> Encoded:
        x = self.patch_embed(video) + self.pos_embed  # [B, N, D]
        x, _ = keep_visible(x, mask)
        for blk in self.blocks:
            x = blk(x)
        return Encoded(x, None, None)

    def group_matcher(self, coarse: bool = False) -> dict:
        return {"stem": r"^patch_embed", "blocks": [(r"^blocks\.(\d+)", None), (r"^norm", (99999,))]}
