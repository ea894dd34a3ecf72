"""Engine: exact resume after a kill, determinism, NaN stop, two-optimiser API, hooks, wrong-model checkpoint."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from fer_lib.engine.checkpoint import CheckpointMismatchError, load_checkpoint, safe_load
from fer_lib.engine.optim import param_groups, warmup_cosine
from fer_lib.engine.trainer import NonFiniteLossError, fit, steps_per_epoch


class ToyData(torch.utils.data.Dataset):
    """n random items {"x": [D], "y": int}; ``nan_at`` turns one item's x into NaN."""

    def __init__(self, n=40, d=6, k=3, nan_at=None):
        g = torch.Generator().manual_seed(123)
        self.x = torch.randn(n, d, generator=g)
        self.y = torch.randint(0, k, (n,), generator=g)
        if nan_at is not None:
            self.x[nan_at] = float("nan")
        self.epochs_seen = []

    def set_epoch(self, epoch):
        self.epochs_seen.append(epoch)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"x": self.x[i], "y": self.y[i]}


class ToyMethod(nn.Module):
    """MLP classifier with dropout (global RNG), generator-driven input noise and a momentum copy."""

    def __init__(self, d=6, k=3):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, k))
        self.ema = nn.Linear(d, 16)
        self.gen = torch.Generator().manual_seed(7)
        self.hook_steps = []

    def training_step(self, batch):
        x = batch["x"] + 0.1 * torch.randn(batch["x"].shape, generator=self.gen)
        loss = nn.functional.cross_entropy(self.net(x), batch["y"])
        return loss, {"acc": (self.net(x).argmax(1) == batch["y"]).float().mean()}

    @torch.no_grad()
    def after_optimizer_step(self, step):
        self.hook_steps.append(step)
        for p_ema, p in zip(self.ema.parameters(), self.net[0].parameters()):
            p_ema.mul_(0.9).add_(0.1 * p)


def _train(tmp, *, max_steps=None, epochs=3, resume=False, callbacks=(), seed=0, data=None, every=4):
    torch.manual_seed(0)
    method = ToyMethod()
    opt = torch.optim.AdamW(param_groups(method, 0.01), lr=1e-2)
    sched = warmup_cosine(opt, 3, epochs * steps_per_epoch(40, 8))
    result = fit(method, data or ToyData(), optimizers=opt, schedulers=sched, batch_size=8, epochs=epochs,
                 max_steps=max_steps, device="cpu", seed=seed, grad_clip=1.0, checkpoint_dir=tmp,
                 checkpoint_every=every, resume=resume, log_every=2, callbacks=callbacks, progress=False,
                 config={"width": 16})
    return method, result


def _state(method):
    return {k: v.clone() for k, v in method.state_dict().items()}


def test_kill_and_resume_is_bit_identical(tmp_path):
    ref, ref_result = _train(tmp_path / "ref")

    def kill_at_7(info):
        if info.step == 7:  # mid-epoch 1 (5 steps/epoch); last checkpoint was at step 4 (epoch 0)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _train(tmp_path / "run", callbacks=[kill_at_7])
    assert safe_load(tmp_path / "run" / "last.pt")["trainer"]["step"] == 4
    resumed, result = _train(tmp_path / "run", resume=True)
    for k, v in _state(ref).items():
        assert torch.equal(v, resumed.state_dict()[k]), k
    assert result.history == ref_result.history
    assert result.step == 15 and result.epoch == 3
    assert resumed.hook_steps == list(range(5, 16))  # resumed after the step-4 checkpoint


def test_max_steps_stop_then_resume_matches(tmp_path):
    ref, _ = _train(tmp_path / "ref", epochs=2)
    _train(tmp_path / "run", epochs=2, max_steps=6, every=0)  # stops mid-epoch 1, saves at the end
    resumed, result = _train(tmp_path / "run", epochs=2, resume=True)
    assert result.step == 10
    assert all(torch.equal(v, resumed.state_dict()[k]) for k, v in _state(ref).items())


def test_same_seed_same_weights_other_seed_differs(tmp_path):
    a, ra = _train(tmp_path / "a", epochs=1)
    b, _ = _train(tmp_path / "b", epochs=1)
    c, _ = _train(tmp_path / "c", epochs=1, seed=1)
    assert all(torch.equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())
    assert not torch.equal(a.net[0].weight, c.net[0].weight)
    assert [h["step"] for h in ra.history] == [2, 4, 5]
    assert ra.history[0]["lr"] == pytest.approx(1e-2 * 2 / 3)  # warmup 3: factor at step 2 = 2/3


def test_nan_loss_names_step_and_batch_and_keeps_checkpoint(tmp_path):
    from fer_lib.engine.distributed import ShardedSampler

    s = ShardedSampler(40, seed=0, world_size=1, rank=0)
    s.set_epoch(0)
    bad_item = list(s)[8 * 2 + 3]  # 4th item of batch 2 in epoch 0
    data = ToyData()
    data.x[bad_item] = float("nan")
    with pytest.raises(NonFiniteLossError) as err:
        _train(tmp_path, data=data, every=1)
    assert (err.value.step, err.value.epoch, err.value.batch_index) == (2, 0, 2)
    assert bad_item in err.value.indices and len(err.value.indices) == 8
    assert "step 2 " in str(err.value) and "batch 2 " in str(err.value) and str(tmp_path / "last.pt") in str(err.value)
    # the last good checkpoint (after step 2) is intact, loadable and finite; the bad step was not saved
    payload = load_checkpoint(tmp_path / "last.pt", ToyMethod(), config={"width": 16})
    assert payload["trainer"]["step"] == 2
    assert all(torch.isfinite(v).all() for v in payload["model"].values())


class Other(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(6, 3)


def test_wrong_model_checkpoint_errors_name_the_file(tmp_path):
    _train(tmp_path, epochs=1)
    path = tmp_path / "last.pt"
    with pytest.raises(CheckpointMismatchError, match=f"{path}.*ToyMethod"):
        load_checkpoint(path, Other())
    wider = ToyMethod()
    wider.net[0] = nn.Linear(6, 32)
    with pytest.raises(CheckpointMismatchError, match=rf"{path}.*shape mismatch.*net\.0\.weight"):
        load_checkpoint(path, wider)
    with pytest.raises(CheckpointMismatchError, match=rf"{path}.*config.*width"):
        load_checkpoint(path, ToyMethod(), config={"width": 32})
    fewer = ToyMethod()
    del fewer.ema
    with pytest.raises(CheckpointMismatchError, match=rf"{path}.*unexpected key"):
        # same class name, fewer parameters
        load_checkpoint(path, fewer)
    bad = tmp_path / "junk.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointMismatchError, match=str(bad)):
        safe_load(bad)


class TeacherStudent(nn.Module):
    """Two optimisers: student steps first; the teacher's loss is scaled by a quantity of the *updated* student."""

    def __init__(self):
        super().__init__()
        self.student, self.teacher = nn.Linear(4, 2), nn.Linear(4, 2)

    def training_step(self, batch, optimize):
        x, y = batch["x"], batch["y"]
        loss_s = nn.functional.cross_entropy(self.student(x), self.teacher(x).argmax(1).detach())
        optimize("student", loss_s)
        loss_t = nn.functional.cross_entropy(self.teacher(x), y) * self.student(x).detach().pow(2).mean()
        optimize("teacher", loss_t)
        return loss_s + loss_t, {"loss_s": loss_s.item()}


def test_two_optimisers_step_in_declared_order():
    torch.manual_seed(0)
    m = TeacherStudent()
    student, teacher = nn.Linear(4, 2), nn.Linear(4, 2)
    student.load_state_dict(m.student.state_dict()), teacher.load_state_dict(m.teacher.state_dict())
    opts = {"student": torch.optim.SGD(m.student.parameters(), lr=0.5),
            "teacher": torch.optim.SGD(m.teacher.parameters(), lr=0.5)}
    data = ToyData(n=8, d=4, k=2)
    res = fit(m, data, optimizers=opts, batch_size=8, max_steps=1, device="cpu", progress=False, log_every=1,
              shuffle=False)
    # reference: the same two steps by hand (student first, teacher sees the updated student)
    x, y = data.x, data.y
    loss_s = nn.functional.cross_entropy(student(x), teacher(x).argmax(1))
    grads = torch.autograd.grad(loss_s, list(student.parameters()))
    with torch.no_grad():
        for p, g in zip(student.parameters(), grads):
            p -= 0.5 * g
    loss_t = nn.functional.cross_entropy(teacher(x), y) * student(x).detach().pow(2).mean()
    grads = torch.autograd.grad(loss_t, list(teacher.parameters()))
    with torch.no_grad():
        for p, g in zip(teacher.parameters(), grads):
            p -= 0.5 * g
    for mine, ref in ((m.student, student), (m.teacher, teacher)):
        for a, b in zip(mine.parameters(), ref.parameters()):
            torch.testing.assert_close(a, b, rtol=0, atol=1e-7)
    assert set(res.history[0]) >= {"loss", "loss_s", "lr/student", "lr/teacher"}
    assert res.history[0]["loss"] == pytest.approx(loss_s.item() + loss_t.item(), rel=1e-6)


class ForgetsTeacher(TeacherStudent):
    def training_step(self, batch, optimize):
        loss = self.student(batch["x"]).pow(2).mean()
        optimize("student", loss)
        return loss, {}


def test_unstepped_optimiser_is_an_error():
    m = ForgetsTeacher()
    opts = {"student": torch.optim.SGD(m.student.parameters(), lr=0.1),
            "teacher": torch.optim.SGD(m.teacher.parameters(), lr=0.1)}
    with pytest.raises(RuntimeError, match="teacher"):
        fit(m, ToyData(n=8, d=4, k=2), optimizers=opts, batch_size=8, max_steps=1, device="cpu", progress=False)


def test_epoch_bookkeeping_and_dataset_set_epoch(tmp_path):
    data = ToyData()
    _, result = _train(tmp_path, data=data, epochs=2, every=0)
    assert data.epochs_seen == [0, 1] and result.epoch == 2 and result.step == 10
    assert result.samples_per_s > 0 and 0 < result.data_seconds < result.seconds
