"""Checkpoint helpers: weights_only round trip of RNG states, prefix loading, channels_last moves, misuse errors."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from torch import nn

from fer_lib.engine.checkpoint import (CheckpointMismatchError, atomic_torch_save, load_weights, rng_state,
                                       safe_load, save_checkpoint, set_rng_state)
from fer_lib.engine.trainer import fit


def test_rng_state_round_trips_through_weights_only_file(tmp_path):
    torch.manual_seed(1), np.random.seed(1), random.seed(1)
    np.random.normal()  # leaves a cached gaussian in numpy's legacy state
    atomic_torch_save({"rng": rng_state()}, tmp_path / "r.pt")
    expected = (torch.rand(3), np.random.normal(size=3), random.random())
    set_rng_state(torch.load(tmp_path / "r.pt", weights_only=True)["rng"])
    again = (torch.rand(3), np.random.normal(size=3), random.random())
    assert torch.equal(expected[0], again[0]) and np.array_equal(expected[1], again[1]) and expected[2] == again[2]


class Method(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten())
        self.head = nn.Linear(4 * 4 * 4, 2)
        self.seen_channels_last = []

    def training_step(self, batch):
        x = batch["image"]
        self.seen_channels_last.append(x.is_contiguous(memory_format=torch.channels_last))
        return self.head(self.encoder(x)).pow(2).mean(), {"x_mean": x.mean()}


class Images(torch.utils.data.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        return {"image": torch.full((3, 6, 6), float(i))}


def test_prefix_load_into_a_downstream_encoder(tmp_path):
    m = Method()
    save_checkpoint(tmp_path / "m.pt", m)
    enc = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten())
    load_weights(tmp_path / "m.pt", enc, prefix="encoder.")
    assert torch.equal(enc[0].weight, m.encoder[0].weight)
    with pytest.raises(CheckpointMismatchError, match="no keys under prefix 'backbone.'"):
        load_weights(tmp_path / "m.pt", enc, prefix="backbone.")
    with pytest.raises(CheckpointMismatchError, match=r"m\.pt.*shape mismatch"):
        load_weights(tmp_path / "m.pt", nn.Sequential(nn.Conv2d(3, 5, 3)), prefix="encoder.")
    torch.save({"weights": 1}, tmp_path / "plain.pt")
    with pytest.raises(CheckpointMismatchError, match=r"plain\.pt is not a fer_lib engine checkpoint"):
        safe_load(tmp_path / "plain.pt")


def test_channels_last_and_misuse(tmp_path):
    m = Method()
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    res = fit(m, Images(), optimizers=opt, batch_size=4, max_steps=2, device="cpu", channels_last=True,
              progress=False, log_every=1)
    assert m.seen_channels_last == [True, True]
    assert m.encoder[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert {"loss", "x_mean", "lr"} <= set(res.history[0])
    with pytest.raises(TypeError, match="not a DataLoader"):
        fit(m, torch.utils.data.DataLoader(Images()), optimizers=opt, batch_size=4, max_steps=1, device="cpu")
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        fit(m, Images(), optimizers=opt, batch_size=4, max_steps=1, device="cpu", resume=tmp_path / "nope.pt")
    with pytest.raises(ValueError, match="no batch of 16"):
        fit(m, Images(), optimizers=opt, batch_size=16, max_steps=1, device="cpu")


class GenState(nn.Module):
    """A generator kept in the state dict through get_extra_state (as the SSL methods' augment RNG)."""

    def __init__(self, seed):
        super().__init__()
        self.generator = torch.Generator().manual_seed(seed)

    def get_extra_state(self):
        return {"generator": self.generator.get_state()}

    def set_extra_state(self, state):
        self.generator.set_state(state["generator"])


class WithExtraState(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin, self.rng = nn.Linear(3, 1), GenState(3)

    def training_step(self, batch):
        noise = torch.rand(batch["x"].shape, generator=self.rng.generator)
        return self.lin(batch["x"] + noise).pow(2).mean(), {}


class Xs(torch.utils.data.Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, i):
        return {"x": torch.arange(3.0) * i / 12}


def test_extra_state_modules_save_and_resume_exactly(tmp_path):
    def run(ckpt_dir, steps, resume=False):
        torch.manual_seed(0)
        m = WithExtraState()
        fit(m, Xs(), optimizers=torch.optim.SGD(m.parameters(), lr=0.1), batch_size=4, max_steps=steps,
            device="cpu", progress=False, checkpoint_dir=ckpt_dir, resume=resume)
        return m

    ref = run(tmp_path / "a", 5)
    run(tmp_path / "b", 2)
    resumed = run(tmp_path / "b", 5, resume=True)
    assert torch.equal(ref.lin.weight, resumed.lin.weight)
    assert torch.equal(ref.rng.generator.get_state(), resumed.rng.generator.get_state())
    with pytest.raises(CheckpointMismatchError, match="WithExtraState"):
        from fer_lib.engine.checkpoint import load_checkpoint

        load_checkpoint(tmp_path / "a" / "last.pt", Method())
