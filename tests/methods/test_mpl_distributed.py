"""The teacher-student step under 2-process DDP (gloo, CPU) through the engine: both optimisers stay in step
across processes, and the feedback coefficient f and the logs are the global batch's, the same in every process."""

from __future__ import annotations

import os

import pytest
import torch
import torch.multiprocessing as mp
from torch import nn

from fer_lib.engine.trainer import fit
from fer_lib.methods.mpl import TeacherStudent

B, U, K = 4, 2, 5   # labelled items per process, unlabelled per item, classes


class Pairs(torch.utils.data.Dataset):
    """16 items as :class:`fer_lib.data.paired.LabelledUnlabelled` gives them (8 x 8 images)."""

    def __init__(self, n: int = 16):
        g = torch.Generator().manual_seed(5)
        self.x = torch.randint(0, 256, (n, 3, 8, 8), generator=g, dtype=torch.uint8)
        self.y = torch.randint(0, K, (n,), generator=g)
        self.u = torch.randint(0, 256, (n, U, 3, 8, 8), generator=g, dtype=torch.uint8)
        self.uy = torch.randint(0, K, (n, U), generator=g)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> dict:
        return {"image": self.x[i], "expression": self.y[i], "unlabelled": self.u[i],
                "unlabelled_expression": self.uy[i]}


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    from fer_lib.engine import distributed

    distributed.init_from_env("cpu")
    torch.manual_seed(rank)   # different initial weights per process: the engine's broadcast must align them
    teacher, student = (nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, K)) for _ in range(2))
    start = {k: v.clone() for k, v in nn.ModuleList([teacher, student]).state_dict().items()}
    opts = {"student": torch.optim.SGD(student.parameters(), lr=1e-2),
            "teacher": torch.optim.SGD(teacher.parameters(), lr=1e-1)}
    method = TeacherStudent(teacher, student, K, exact_feedback=True, student_optimizer=opts["student"])
    result = fit(method, Pairs(), optimizers=opts, batch_size=B, max_steps=3, device="cpu", seed=0, progress=False,
                 log_every=1)
    mine = {"start": start, "state": {k: v.clone() for k, v in method.state_dict().items()}, "history": result.history}
    gathered = [None] * world
    torch.distributed.all_gather_object(gathered, mine)
    if rank == 0:
        torch.save(gathered, out)
    distributed.cleanup()


@pytest.mark.slow
def test_two_processes_step_both_networks_alike_with_the_global_feedback(tmp_path, free_port):
    out = str(tmp_path / "ranks.pt")
    mp.start_processes(_worker, args=(2, free_port, out), nprocs=2, join=True, start_method="fork")
    first, second = torch.load(out, weights_only=True)
    for name, value in first["state"].items():
        assert torch.equal(second["state"][name], value), name                       # teacher and student in step
    assert not torch.equal(first["state"]["teacher.1.weight"], first["start"]["0.1.weight"])   # and trained
    assert not torch.equal(first["state"]["student.1.weight"], first["start"]["1.1.weight"])
    assert first["history"] == second["history"]          # f (both estimates), losses, pseudo-label logs: global
    assert all(abs(h["f_exact"]) > 0 for h in first["history"])
    for h in first["history"]:                            # every process logs the whole batch's pseudo-labels
        assert sum(h[f"pl_true/{k}"] for k in range(K)) == 2 * B * U
        assert sum(h[f"pl_frac/{k}"] for k in range(K)) == pytest.approx(1.0)
