import torch
import torch.nn.functional as F

from fer_lib.models.selective_scan import selective_scan, selective_scan_chunked


def sequential_scan(u, delta, A, B, C, D):
    """The recurrence step by step: h_t = exp(Δ_t A) h_{t−1} + Δ_t B_t u_t, y_t = C_t·h_t + D u_t."""
    b, e, length = u.shape
    h = torch.zeros(b, e, A.shape[1], dtype=torch.float64)
    ys = []
    for t in range(length):
        dt = delta[:, :, t, None]  # [B, E, 1]
        h = torch.exp(dt * A) * h + dt * B[:, None, :, t] * u[:, :, t, None]
        ys.append((h * C[:, None, :, t]).sum(-1) + D * u[:, :, t])
    return torch.stack(ys, dim=-1)


def random_inputs(seed, b=2, e=3, n=4, length=21):
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(b, e, length, generator=g, dtype=torch.float64)
    delta = torch.randn(b, e, length, generator=g, dtype=torch.float64)
    A = -torch.rand(e, n, generator=g, dtype=torch.float64) * 2
    B = torch.randn(b, n, length, generator=g, dtype=torch.float64)
    C = torch.randn(b, n, length, generator=g, dtype=torch.float64)
    D = torch.randn(e, generator=g, dtype=torch.float64)
    bias = torch.randn(e, generator=g, dtype=torch.float64)
    return u, delta, A, B, C, D, bias


def test_chunked_scan_matches_sequential_loop_for_any_chunk():
    u, delta, A, B, C, D, _ = random_inputs(0)
    ref = sequential_scan(u, F.softplus(delta), A, B, C, D)
    for chunk in (1, 4, 7, 32):
        y = selective_scan_chunked(u, F.softplus(delta), A, B, C, D, chunk=chunk).double()
        torch.testing.assert_close(y, ref, atol=1e-5, rtol=1e-5)


def test_scan_interface_bias_softplus_and_gradients():
    u, delta, A, B, C, D, bias = random_inputs(1, length=9)
    ref = sequential_scan(u, F.softplus(delta + bias[None, :, None]), A, B, C, D)
    y = selective_scan(u, delta, A, B, C, D, delta_bias=bias, delta_softplus=True, chunk=4)
    torch.testing.assert_close(y.double(), ref, atol=1e-5, rtol=1e-5)
    u32 = u.float().requires_grad_()
    A32 = A.float().requires_grad_()
    out = selective_scan(u32, delta.float(), A32, B.float(), C.float(), D.float(), chunk=4)
    out.sum().backward()
    assert torch.isfinite(u32.grad).all() and torch.isfinite(A32.grad).all()
