"""Data-parallel training through ``torchrun``: process-group set-up, seeded sharding, all-reduce helpers.

Launch a script (or a chapter exported to a script) on every GPU of one machine with::

    torchrun --standalone --nproc_per_node=8 my_train.py          # CUDA: nccl backend
    torchrun --standalone --nproc_per_node=2 my_train.py          # CPU: gloo backend

(the tests start the same 2-process gloo group with torch.multiprocessing and the env vars torchrun sets).
In the script, call ``info = init_from_env()`` once, then ``fit(..., device=info.device)``; ``fit`` then
shards the data with :class:`ShardedSampler`, averages gradients across processes after each backward,
all-reduces the logged loss, and lets only rank 0 write checkpoints. ``batch_size`` passed to ``fit`` is
per process: global batch = batch_size x world size.

Differences from wrapping in ``DistributedDataParallel``: gradients are averaged explicitly (one flat
all-reduce per optimizer step) so that a method with two optimisers (teacher-student) can step each
one from inside ``training_step``; no bucketing overlap with backward. BatchNorm statistics stay per
process (as with plain DDP); for contrastive negatives across processes use :func:`all_gather_with_grad`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Iterator

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class DistInfo:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def get_rank() -> int:
    return dist.get_rank() if is_distributed() else 0


def get_world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


def init_from_env(device: str = "auto") -> DistInfo:
    """Join the process group described by torchrun's env vars (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_*).

    Backend: nccl when the device is CUDA, gloo on CPU. Without those variables (a plain ``python``
    run) nothing is initialised and rank 0 of 1 is returned. ``device="auto"`` = CUDA if present.
    """
    use_cuda = torch.cuda.is_available() if device == "auto" else device.startswith("cuda")
    if "WORLD_SIZE" not in os.environ or int(os.environ["WORLD_SIZE"]) == 1:
        return DistInfo(0, 1, 0, torch.device("cuda" if use_cuda else "cpu"))
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if use_cuda:
        torch.cuda.set_device(local_rank)
        dev = torch.device("cuda", local_rank)
    else:
        dev = torch.device("cpu")
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo", init_method="env://")
    return DistInfo(dist.get_rank(), dist.get_world_size(), local_rank, dev)


def cleanup() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def barrier() -> None:
    if is_distributed():
        dist.barrier()


class ShardedSampler:
    """Seeded, per-epoch shuffled indices, sharded over processes (a DistributedSampler equivalent).

    Epoch ``e``'s order is a permutation from ``torch.Generator().manual_seed(seed * 1_000_003 + e)``
    (identical in every process; unlike DistributedSampler's ``seed + e``, run seed 1 does not replay
    run seed 0's epoch order shifted by one); it is padded by repetition (``drop_last=False``) or
    truncated (``drop_last=True``) to a multiple of ``world_size``, and process ``rank`` takes
    ``order[rank::world_size]``. So the union over processes of batch i (batch_size b each) is exactly
    batch i of a single process with batch b x world.
    Call :meth:`set_epoch` before iterating.
    """

    def __init__(self, n: int, *, shuffle: bool = True, seed: int = 0, rank: int | None = None,
                 world_size: int | None = None, drop_last: bool = True):
        if n <= 0:
            raise ValueError(f"ShardedSampler needs a non-empty dataset, got n={n}")
        self.n, self.shuffle, self.seed, self.drop_last = n, shuffle, seed, drop_last
        self.rank = get_rank() if rank is None else rank
        self.world_size = get_world_size() if world_size is None else world_size
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        if self.drop_last:
            return self.n // self.world_size
        return -(-self.n // self.world_size)

    def __iter__(self) -> Iterator[int]:
        if self.shuffle:
            gen = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
            order = torch.randperm(self.n, generator=gen).tolist()
        else:
            order = list(range(self.n))
        total = len(self) * self.world_size
        if total > len(order):
            order = (order * (total // len(order) + 1))[:total]
        order = order[:total]
        return iter(order[self.rank::self.world_size])


def broadcast_parameters(module: nn.Module, src: int = 0) -> None:
    """Copy rank ``src``'s parameters and buffers into every process (identical start)."""
    if not is_distributed():
        return
    with torch.no_grad():
        for tensor in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(tensor.data, src)


def all_reduce_grads(params: Iterable[nn.Parameter]) -> None:
    """Average ``.grad`` over processes with one flat all-reduce per dtype (params without grad skipped).

    Every process must have gradients for the same parameters (true when all run the same step).
    """
    if is_distributed():
        all_reduce_mean_([p.grad for p in params if p.grad is not None])


def all_reduce_mean_(tensors: list[torch.Tensor]) -> None:
    """Average ``tensors`` over processes in place, one flat all-reduce per dtype (a no-op on one process).

    Every process must pass tensors of the same shapes and dtypes, in the same order.
    """
    if not is_distributed() or not tensors:
        return
    by_dtype: dict[torch.dtype, list[torch.Tensor]] = {}
    for t in tensors:
        by_dtype.setdefault(t.dtype, []).append(t)
    n = dist.get_world_size()
    for group in by_dtype.values():
        flat = torch.cat([t.reshape(-1) for t in group])
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
        flat /= n
        offset = 0
        for t in group:
            t.copy_(flat[offset:offset + t.numel()].view_as(t))
            offset += t.numel()


def mean_logs(logs: dict[str, float]) -> dict[str, float]:
    """Each logged value averaged over processes (one all-reduce; the same keys in every process): what a
    ``training_step`` logs of its own shard, made the global batch's value."""
    if not is_distributed() or not logs:
        return dict(logs)
    keys = sorted(logs)
    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else None
    values = torch.tensor([float(logs[k]) for k in keys], dtype=torch.float64, device=device)  # nccl: on the GPU
    all_reduce_mean_([values])
    return dict(zip(keys, values.tolist()))


def all_reduce_mean(value: torch.Tensor) -> torch.Tensor:
    """Mean of a tensor over processes (a copy; identity when not distributed)."""
    value = value.detach().clone()
    if is_distributed():
        dist.all_reduce(value, op=dist.ReduceOp.SUM)
        value /= dist.get_world_size()
    return value


def all_gather_cat(value: torch.Tensor) -> torch.Tensor:
    """[B, ...] per process -> [B x world, ...] in rank order, no gradient (for evaluation)."""
    if not is_distributed():
        return value
    parts = [torch.empty_like(value) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, value.contiguous())
    return torch.cat(parts)


def all_gather_with_grad(value: torch.Tensor) -> torch.Tensor:
    """[B, ...] per process -> [B x world, ...] with gradient flowing back to each process's part.

    For contrastive losses whose negatives should span the global batch.
    """
    if not is_distributed():
        return value
    from torch.distributed.nn.functional import all_gather

    return torch.cat(all_gather(value.contiguous()))
