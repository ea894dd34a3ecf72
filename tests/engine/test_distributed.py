"""2-process DDP (gloo, CPU) through the engine matches one process with the same global batch."""

from __future__ import annotations

import os

import pytest
import torch
import torch.multiprocessing as mp
from torch import nn

from fer_lib.engine.distributed import ShardedSampler
from fer_lib.engine.trainer import fit


class Data(torch.utils.data.Dataset):
    def __init__(self, n=32, d=5):
        g = torch.Generator().manual_seed(3)
        self.x, self.y = torch.randn(n, d, generator=g), torch.randn(n, generator=g)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"x": self.x[i], "y": self.y[i]}


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))

    def training_step(self, batch):
        loss = (self.net(batch["x"]).squeeze(1) - batch["y"]).pow(2).mean()
        return loss, {}


def _run(global_batch: int, world: int, steps: int, ckpt_dir=None, resume=False) -> tuple[dict, list]:
    torch.manual_seed(0)
    m = Regressor()
    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    res = fit(m, Data(), optimizers=opt, batch_size=global_batch // world, max_steps=steps, device="cpu",
              seed=0, progress=False, log_every=1, checkpoint_dir=ckpt_dir, checkpoint_every=2 if ckpt_dir else 0,
              resume=resume)
    return {k: v.clone() for k, v in m.state_dict().items()}, [h["loss"] for h in res.history]


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    from fer_lib.engine import distributed

    info = distributed.init_from_env("cpu")
    assert info.world_size == world and info.rank == rank
    state, losses = _run(8, world, 6)  # 6 steps of global batch 8 over 32 items: crosses an epoch
    # stop after 3 steps (checkpoints written by rank 0 only), then resume to 6 in the same processes
    _run(8, world, 3, ckpt_dir=os.path.dirname(out) + "/ckpt")
    resumed, resumed_losses = _run(8, world, 6, ckpt_dir=os.path.dirname(out) + "/ckpt", resume=True)
    if rank == 0:
        torch.save({"state": state, "losses": losses, "resumed": resumed, "resumed_losses": resumed_losses}, out)
    distributed.cleanup()


def test_sharded_sampler_union_is_the_single_process_order():
    single = ShardedSampler(10, seed=4, rank=0, world_size=1, drop_last=True)
    shards = [ShardedSampler(10, seed=4, rank=r, world_size=2, drop_last=True) for r in range(2)]
    for s in [single, *shards]:
        s.set_epoch(2)
    order = list(single)
    assert sorted(order) == list(range(10))
    assert list(shards[0]) == order[0::2] and list(shards[1]) == order[1::2]
    padded = ShardedSampler(5, seed=0, rank=1, world_size=2, drop_last=False, shuffle=False)
    assert list(padded) == [1, 3, 0] and len(padded) == 3


@pytest.mark.slow
def test_two_process_gloo_matches_single_process(tmp_path, free_port):
    out = str(tmp_path / "ddp.pt")
    # the single-process reference first: its first optimizer step imports torch's lazy modules, which the
    # forked children then inherit (fork, not spawn: spawn would re-import torch, ~5 s each on 2 cores)
    single_state, single_losses = _run(8, 1, 6)
    mp.start_processes(_worker, args=(2, free_port, out), nprocs=2, join=True, start_method="fork")
    ddp = torch.load(out, weights_only=True)
    for k, v in single_state.items():
        torch.testing.assert_close(ddp["state"][k], v, rtol=1e-5, atol=1e-6)
    assert ddp["losses"] == pytest.approx(single_losses, rel=1e-5)
    assert not torch.equal(single_state["net.0.weight"], Regressor().net[0].weight)  # it did train
    # DDP stop + resume reproduces the uninterrupted DDP run exactly
    for k, v in ddp["state"].items():
        assert torch.equal(ddp["resumed"][k], v), k
    assert ddp["resumed_losses"] == ddp["losses"]
    # a finished 2-process run loads in one process without training (a chapter picking up torchrun rows) ...
    ckpt_dir = str(tmp_path / "ckpt")
    written = os.path.getmtime(ckpt_dir + "/last.pt")
    loaded, loaded_losses = _run(8, 1, 6, ckpt_dir=ckpt_dir, resume=True)
    for k, v in ddp["state"].items():
        assert torch.equal(loaded[k], v), k
    assert loaded_losses == ddp["losses"] and os.path.getmtime(ckpt_dir + "/last.pt") == written
    # ... but continuing it in another process count would misplace the data: refused
    with pytest.raises(ValueError, match="written with 2 processes"):
        _run(8, 1, 8, ckpt_dir=ckpt_dir, resume=True)
