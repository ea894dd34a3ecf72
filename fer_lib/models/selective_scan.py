"""Selective scan (Mamba's S6 recurrence) in pure PyTorch, computed chunk by chunk in parallel.

Per channel d and state n, with Δ = softplus(delta + bias) when asked:
    h_t = exp(Δ_t A) ⊙ h_{t−1} + Δ_t B_t u_t,        y_t = C_t · h_t + D u_t.
Inside a chunk of c steps, with S_t = Σ_{r ≤ t} Δ_r A (the cumulative log decay),
    h_t = exp(S_t) h_start + Σ_{s ≤ t} exp(S_t − S_s) Δ_s B_s u_s,
a masked [c, c] product instead of c sequential steps; the state is carried across chunks.
:func:`selective_scan` calls the CUDA kernel of the mamba-ssm project when it is installed and the
tensors are on CUDA (``use_kernel``), and this code otherwise; mamba-ssm is never required.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

try:  # optional CUDA kernels
    from mamba_ssm.ops.selective_scan_interface import selective_scan_fn as _cuda_selective_scan
except Exception:  # noqa: BLE001 - any import failure means "not available"
    _cuda_selective_scan = None


def kernel_available() -> bool:
    return _cuda_selective_scan is not None and torch.cuda.is_available()


def selective_scan_chunked(u: torch.Tensor, delta: torch.Tensor, A: torch.Tensor, B: torch.Tensor, C: torch.Tensor,
                           D: torch.Tensor | None = None, chunk: int = 32) -> torch.Tensor:
    """u, delta [B, E, L] (delta already positive), A [E, N], B and C [B, N, L], D [E] -> y [B, E, L]."""
    b, e, length = u.shape
    h = u.new_zeros(b, e, A.shape[1], dtype=torch.float32)  # state [B, E, N]
    ys = []
    for s in range(0, length, chunk):
        dt = delta[..., s:s + chunk].float()  # [B, E, c]
        c = dt.shape[-1]
        log_decay = (dt[..., None] * A[:, None, :]).cumsum(2)  # S_t [B, E, c, N]
        inputs = (dt * u[..., s:s + chunk])[..., None] * B[:, None, :, s:s + chunk].transpose(-1, -2)  # [B, E, c, N]
        causal = torch.ones(c, c, dtype=torch.bool, device=u.device).tril()  # [t, s]: s <= t
        diff = log_decay[:, :, :, None, :] - log_decay[:, :, None, :, :]  # S_t − S_s [B, E, c, c, N]
        weights = torch.where(causal[:, :, None], diff, torch.full_like(diff, float("-inf"))).exp()
        states = (weights * inputs[:, :, None]).sum(3) + log_decay.exp() * h[:, :, None]  # h_t [B, E, c, N]
        ys.append((states * C[:, None, :, s:s + chunk].transpose(-1, -2)).sum(-1))  # [B, E, c]
        h = states[:, :, -1]
    y = torch.cat(ys, dim=-1)
    if D is not None:
        y = y + D[:, None] * u
    return y.to(u.dtype)


def selective_scan(u: torch.Tensor, delta: torch.Tensor, A: torch.Tensor, B: torch.Tensor, C: torch.Tensor,
                   D: torch.Tensor | None = None, delta_bias: torch.Tensor | None = None,
                   delta_softplus: bool = True, use_kernel: bool = True, chunk: int = 32) -> torch.Tensor:
    """mamba-ssm's ``selective_scan_fn`` interface: u, delta [B, E, L], A [E, N], B, C [B, N, L], D [E],
    delta_bias [E] -> y [B, E, L]. The CUDA kernel is used when available, else the chunked scan."""
    if use_kernel and u.is_cuda and _cuda_selective_scan is not None:
        return _cuda_selective_scan(u, delta, A, B, C, D, None, delta_bias, delta_softplus)
    if delta_bias is not None:
        delta = delta + delta_bias[None, :, None]
    if delta_softplus:
        delta = F.softplus(delta)
    return selective_scan_chunked(u, delta, A, B, C, D, chunk)
