import math

import pytest
import torch
from torch import nn

from fer_lib.losses.byol import byol_loss
from fer_lib.nn.mlp import projection_mlp
from fer_lib.nn.momentum import cosine_momentum, momentum_copy, momentum_update
from fer_lib.nn.queue import KeyQueue


def test_projection_mlp_layout():
    m = projection_mlp(16, 32, 8)
    kinds = [type(x).__name__ for x in m]
    assert kinds[:3] == ["Linear", "ReLU", "Dropout"] and kinds[3] == "Linear"
    assert m(torch.randn(4, 16)).shape == (4, 8)
    bn = projection_mlp(16, 32, 8, num_layers=3, batch_norm=True)
    assert sum(isinstance(x, nn.BatchNorm1d) for x in bn) == 2
    assert isinstance(list(bn)[-1], (nn.Linear, nn.Dropout))


def test_momentum_update_is_lerp_and_copies_buffers():
    torch.manual_seed(0)
    online = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    target = momentum_copy(online)
    assert all(not p.requires_grad for p in target.parameters())
    before = [p.clone() for p in target.parameters()]
    with torch.no_grad():
        for p in online.parameters():
            p.add_(1.0)
    online(torch.randn(5, 3))  # changes BN running stats
    momentum_update(online, target, 0.9)
    for t, b, o in zip(target.parameters(), before, online.parameters()):
        torch.testing.assert_close(t, 0.9 * b + 0.1 * o)
    torch.testing.assert_close(target[1].running_mean, online[1].running_mean)
    momentum_update(online, target, 0.0)
    for t, o in zip(target.parameters(), online.parameters()):
        torch.testing.assert_close(t, o)


def test_momentum_update_bit_identical_to_lerp_over_many_steps():
    # The EMA must equal start + w * (end - start) exactly (torch.lerp's formula), step after step:
    # a loop of public Tensor.lerp_ replaced the private fused multi-tensor call without changing a bit.
    torch.manual_seed(1)
    online = nn.Sequential(nn.Linear(8, 16), nn.Linear(16, 4))
    target = momentum_copy(online)
    expected = [p.detach().clone() for p in target.parameters()]
    for momentum in (0.99, 0.996, 0.5, 0.9):
        with torch.no_grad():
            for p in online.parameters():
                p.add_(torch.randn_like(p))
        momentum_update(online, target, momentum)
        expected = [torch.lerp(e, o.detach(), 1.0 - momentum) for e, o in zip(expected, online.parameters())]
        assert all(torch.equal(t, e) for t, e in zip(target.parameters(), expected))
    with pytest.raises(ValueError, match="momentum must be in"):
        momentum_update(online, target, 1.5)


def test_cosine_momentum_endpoints():
    assert cosine_momentum(0, 100, 0.99) == pytest.approx(0.99)
    assert cosine_momentum(100, 100, 0.99) == pytest.approx(1.0)
    assert cosine_momentum(50, 100, 0.99) == pytest.approx(1 - 0.01 * (math.cos(math.pi / 2) + 1) / 2)


def test_key_queue_fifo():
    q = KeyQueue(size=5, dim=2)
    assert q.keys().shape == (0, 2)
    q.enqueue(torch.arange(6.0).view(3, 2))
    assert q.keys().shape == (3, 2)
    q.enqueue(torch.arange(6.0, 12.0).view(3, 2))      # rows 3, 4 fill, row 5 overwrites slot 0
    keys = q.keys()
    assert keys.shape == (5, 2)
    torch.testing.assert_close(keys[0], torch.tensor([10.0, 11.0]))
    torch.testing.assert_close(keys[1], torch.tensor([2.0, 3.0]))
    assert "buffer" in q.state_dict() and int(q.ptr) == 1
    with pytest.raises(ValueError, match="keys must be"):
        q.enqueue(torch.zeros(2, 3))


def test_byol_loss_values():
    p = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    z = torch.tensor([[3.0, 0.0], [1.0, 0.0]])
    # cos = 1 and 0 -> (0 + 2) / 2
    assert byol_loss(p, z).item() == pytest.approx(1.0)
    torch.manual_seed(0)
    a, b = torch.randn(6, 4), torch.randn(6, 4)
    ref = (torch.nn.functional.normalize(a, dim=1) - torch.nn.functional.normalize(b, dim=1)).square().sum(1).mean()
    torch.testing.assert_close(byol_loss(a, b), ref)
    b.requires_grad_(True)
    byol_loss(a.requires_grad_(True), b).backward()
    assert b.grad is None
