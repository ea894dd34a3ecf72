"""Engine guards: grad_clip 0 means off, NaN gradients stop before the step, checkpoints refuse other runs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from fer_lib.engine.checkpoint import CheckpointMismatchError, load_weights, safe_load
from fer_lib.engine.distributed import ShardedSampler
from fer_lib.engine.trainer import NonFiniteLossError, fit


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
    with pytest.raises(ValueError, match="checkpoint_every must be >= 0"):
        _fit(checkpoint_every=-1)
    with pytest.raises(ValueError, match="grad_clip is NaN"):
        _fit(grad_clip=float("nan"))


def _item_of_batch(batch_index, n=24, batch_size=4, position=1):
    """The dataset index at ``position`` in batch ``batch_index`` of epoch 0 (seed 0)."""
    sampler = ShardedSampler(n, seed=0, world_size=1, rank=0)
    sampler.set_epoch(0)
    return list(sampler)[batch_index * batch_size + position]


def _finite(path):
    return all(torch.isfinite(v).all() for v in safe_load(path)["model"].values())


def test_nan_gradient_with_finite_loss_stops_before_the_step_and_is_never_saved(tmp_path):
    bad = _item_of_batch(3)
    with pytest.raises(NonFiniteLossError) as err:
        _fit(Items(bad=[bad]), checkpoint_dir=tmp_path, checkpoint_every=1)
    e = err.value
    # the batch that produced the NaN gradient is named, not the next one
    assert (e.step, e.epoch, e.batch_index) == (3, 0, 3) and bad in e.indices and len(e.indices) == 4
    assert "gradient norm of 'main' (finite loss" in str(e) and "at step 3 " in str(e)
    assert e.checkpoint == tmp_path / "last.pt" and f"{tmp_path / 'last.pt'} (step 3)" in str(e)
    assert safe_load(tmp_path / "last.pt")["trainer"]["step"] == 3 and _finite(tmp_path / "last.pt")
    # with the bad item fixed, resuming continues exactly as a clean run
    ref, _ = _fit(Items())
    resumed, result = _fit(Items(), checkpoint_dir=tmp_path, resume=True)
    assert result.step == 6
    assert torch.equal(resumed.lin.weight, ref.lin.weight) and torch.equal(resumed.lin.bias, ref.lin.bias)


class InfHook(Net):
    """A momentum-style hook that writes inf into the weights after optimizer step 2."""

    def after_optimizer_step(self, step):
        if step == 2:
            with torch.no_grad():
                self.lin.bias[0] = float("inf")


def test_non_finite_weights_name_their_step_and_are_never_saved(tmp_path):
    torch.manual_seed(0)
    net = InfHook()
    with pytest.raises(NonFiniteLossError, match=r"non-finite weights after the step .*'lin.bias'.* at step 1 ") as err:
        fit(net, Items(), optimizers=torch.optim.SGD(net.parameters(), lr=0.1), batch_size=4, max_steps=6,
            device="cpu", progress=False, checkpoint_dir=tmp_path, checkpoint_every=1)
    assert err.value.step == 1 and safe_load(tmp_path / "last.pt")["trainer"]["step"] == 1 and _finite(tmp_path / "last.pt")

    def poison(info):  # a callback runs after the step's check: the save checks again
        if info.step == 2:
            with torch.no_grad():
                net2.lin.weight[0, 0] = float("nan")

    torch.manual_seed(0)
    net2 = Net()
    with pytest.raises(NonFiniteLossError, match=r"weights before saving .*'lin.weight'"):
        fit(net2, Items(), optimizers=torch.optim.SGD(net2.parameters(), lr=0.1), batch_size=4, max_steps=6,
            device="cpu", progress=False, checkpoint_dir=tmp_path / "b", checkpoint_every=1, callbacks=[poison])
    assert safe_load(tmp_path / "b" / "last.pt")["trainer"]["step"] == 1 and _finite(tmp_path / "b" / "last.pt")


def test_the_stop_message_says_when_no_checkpoint_was_kept(tmp_path):
    data = Items(bad=[_item_of_batch(2)])
    with pytest.raises(NonFiniteLossError) as off:
        _fit(data)  # checkpointing off
    assert "no checkpoint was kept (checkpointing is off" in str(off.value) and off.value.checkpoint is None
    assert "last good checkpoint" not in str(off.value)
    with pytest.raises(NonFiniteLossError) as early:
        _fit(data, checkpoint_dir=tmp_path, checkpoint_every=5)  # fails at step 2, before the first save
    assert f"none written yet to {tmp_path / 'last.pt'}" in str(early.value) and early.value.checkpoint is None
    assert not (tmp_path / "last.pt").exists()


@pytest.mark.parametrize("change, field, old, new", [
    ({"seed": 1}, "seed", 0, 1),
    ({"batch_size": 3}, "batch_size x processes", 4, 3),
    ({"data": Items(n=28)}, "dataset length", 24, 28),
])
def test_resume_refuses_another_seed_batch_size_or_dataset_length(tmp_path, change, field, old, new):
    _fit(max_steps=3, checkpoint_dir=tmp_path)
    torch.manual_seed(0)
    net = Net()
    before = net.lin.weight.clone()
    with pytest.raises(ValueError, match=rf"last\.pt was written with {field} = {old}, this run has {field} = {new}"):
        fit(net, change.get("data", Items()), optimizers=torch.optim.SGD(net.parameters(), lr=0.1),
            batch_size=change.get("batch_size", 4), max_steps=6, device="cpu", seed=change.get("seed", 0),
            progress=False, checkpoint_dir=tmp_path, resume=True)
    assert torch.equal(net.lin.weight, before)  # refused before any weight was loaded
    _, result = _fit(max_steps=6, checkpoint_dir=tmp_path, resume=True)  # the same run resumes
    assert result.step == 6


class Every2nd(torch.utils.data.Sampler):
    """A custom sampler (e.g. class-balanced) whose epoch length is its own, not the dataset's."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(0, self.n, 2))

    def __len__(self):
        return len(range(0, self.n, 2))


def test_resume_refuses_another_epoch_length_and_a_finished_run_names_its_file(tmp_path):
    _fit(max_steps=2, checkpoint_dir=tmp_path)
    with pytest.raises(ValueError, match="items per epoch per process = 24, this run has items per epoch per process = 12"):
        _fit(max_steps=6, checkpoint_dir=tmp_path, resume=True, sampler=Every2nd(24))
    _, done = _fit(max_steps=2, checkpoint_dir=tmp_path / "a")
    _, again = _fit(max_steps=2, resume=done.checkpoint)  # finished: nothing trained, nothing saved
    assert again.step == 2 and again.checkpoint == done.checkpoint and done.checkpoint.is_file()


def test_a_byte_corrupted_checkpoint_is_refused_naming_the_file(tmp_path):
    net, _ = _fit(max_steps=3, checkpoint_dir=tmp_path)
    path = tmp_path / "last.pt"
    data = bytearray(path.read_bytes())
    at = data.find(net.lin.weight.detach().numpy().tobytes())
    assert at > 0
    data[at + 2] ^= 0x10  # one flipped bit in a weight's mantissa: still a valid, loadable zip
    path.write_bytes(bytes(data))
    assert not torch.equal(torch.load(path, weights_only=True)["model"]["lin.weight"], net.lin.weight)
    with pytest.raises(CheckpointMismatchError, match=rf"checkpoint {path} is corrupt"):  # CorruptCheckpointError
        safe_load(path)
    with pytest.raises(CheckpointMismatchError, match=rf"{path} is corrupt"):
        _fit(max_steps=6, checkpoint_dir=tmp_path, resume=True)
    with pytest.raises(CheckpointMismatchError, match=rf"{path} is corrupt"):
        load_weights(path, nn.Linear(4, 2), prefix="lin.")
