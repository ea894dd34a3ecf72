"""Engine guards: grad_clip 0 means off, NaN gradients stop before the step, checkpoints refuse other runs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from fer_lib.engine.trainer import fit


class Items(torch.utils.data.Dataset):
    """n items {"x": [4], "y": int, "bad": bool}; ``bad`` marks the items whose batch poisons the gradient."""

    def __init__(self, n=24, bad=()):
        g = torch.Generator().manual_seed(5)
        self.x, self.y = torch.randn(n, 4, generator=g), torch.randint(0, 2, (n,), generator=g)
        self.bad = torch.zeros(n, dtype=torch.bool)
        self.bad[list(bad)] = True

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"x": self.x[i], "y": self.y[i], "bad": self.bad[i]}


class Net(nn.Module):
    """Linear classifier; a batch holding a ``bad`` item adds 0 * sqrt(0 * w.sum()): loss unchanged, gradient NaN."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 2)

    def training_step(self, batch):
        loss = nn.functional.cross_entropy(self.lin(batch["x"]), batch["y"])
        if batch["bad"].any():
            loss = loss + 0.0 * (0.0 * self.lin.weight.sum()).sqrt()   # value + 0, d/dw = 0 * inf = NaN
        return loss, {}


def _fit(data=None, seed=0, batch_size=4, **kw):
    torch.manual_seed(0)
    net = Net()
    kw = {"max_steps": 6, **kw}
    result = fit(net, data or Items(), optimizers=torch.optim.SGD(net.parameters(), lr=0.1), batch_size=batch_size,
                 device="cpu", seed=seed, progress=False, **kw)
    return net, result


def test_grad_clip_zero_or_negative_is_off_not_clip_to_zero():
    ref, _ = _fit(grad_clip=None)
    torch.manual_seed(0)
    start = Net()
    assert not torch.equal(ref.lin.weight, start.lin.weight)  # it trained
    for off in (0.0, -1.0):
        net, _ = _fit(grad_clip=off)
        assert torch.equal(net.lin.weight, ref.lin.weight) and torch.equal(net.lin.bias, ref.lin.bias)
    clipped, _ = _fit(grad_clip=1e-3)  # a positive value still clips: a smaller step than unclipped
    assert 0 < (clipped.lin.weight - start.lin.weight).norm() < (ref.lin.weight - start.lin.weight).norm()


@pytest.mark.parametrize("name, value", [("epochs", 0), ("max_steps", 0), ("max_steps", -2), ("batch_size", 0),
                                         ("log_every", 0)])
def test_zero_steps_or_batch_is_an_error_naming_the_argument(name, value):
    kw = {"max_steps": 3, "batch_size": 4, name: value}
    with pytest.raises(ValueError, match=f"{name} must be >= 1, got {value}"):
        _fit(**kw)
