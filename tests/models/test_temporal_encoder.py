"""Temporal encoder: shapes, backward, no NaN, padding mask, and that it really mixes frames."""

import pytest
import torch

from fer_lib.models.temporal import TemporalEncoder


def test_forward_backward_shapes():
    torch.manual_seed(0)
    model = TemporalEncoder(in_dim=12, num_classes=8, dim=16, depth=2, heads=4, max_frames=10)
    x = torch.randn(3, 10, 12, requires_grad=True)
    out = model(x)
    assert out.shape == (3, 10, 8) and torch.isfinite(out).all()
    out.sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def test_frames_attend_to_neighbours_and_padding_is_ignored():
    torch.manual_seed(0)
    model = TemporalEncoder(in_dim=4, num_classes=3, dim=8, depth=1, heads=2, dropout=0.0, max_frames=6).eval()
    x = torch.randn(1, 6, 4)
    y = x.clone()
    y[0, 5] += 5.0  # change only the last frame
    with torch.no_grad():
        a, b = model(x), model(y)
        assert not torch.allclose(a[0, 0], b[0, 0])  # frame 0 sees frame 5 through attention
        mask = torch.zeros(1, 6, dtype=torch.bool)
        mask[0, 5] = True  # frame 5 is padding: then it must not influence the others
        a, b = model(x, mask), model(y, mask)
        assert torch.allclose(a[0, :5], b[0, :5], atol=1e-6)


def test_rejects_too_long_windows():
    model = TemporalEncoder(in_dim=4, num_classes=3, dim=8, heads=2, max_frames=4)
    with pytest.raises(ValueError, match="max_frames"):
        model(torch.zeros(1, 5, 4))
