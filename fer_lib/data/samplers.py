"""Samplers: class-balanced epochs, and batches that never hold two items of one group (clip).

Class-balanced: ABAW6 / Face2Exp build their labelled set by taking the same number of images per class
(8,000 in the ABAW6 paper); a class with fewer items is drawn with replacement, a larger one without.

Group batches: in contrastive pretraining every other item of a batch is a negative, so two items of one
clip in a batch are same-clip negatives nobody asked for (with two tuples per clip and a shuffled order,
about (B - 1) / (N - 1) of the clips: 23 % at 64 of 272 items). :class:`GroupBatchSampler` fills every batch
with the same number of distinct groups, and ``items_per_group`` > 1 co-batches that many items of each
group when a row asks for it.

Both redo their draws per epoch from (seed, epoch) (``set_epoch``), so a resumed run sees the same order.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
from torch.utils.data import Sampler


def balanced_indices(labels: np.ndarray, per_class: int, rng: np.random.Generator,
                     num_classes: int | None = None) -> np.ndarray:
    """Indices int64 [K * per_class]: ``per_class`` per class (with replacement only when a class is short), shuffled.

    labels: int [N]. num_classes: when given, every class 0..num_classes-1 must have an item (else an
    error naming the empty class); otherwise the classes present are used.
    """
    labels = np.asarray(labels)
    if per_class < 1:
        raise ValueError(f"per_class must be >= 1, got {per_class}")
    classes = np.arange(num_classes) if num_classes is not None else np.unique(labels)
    out = []
    for k in classes:
        members = np.flatnonzero(labels == k)
        if members.size == 0:
            raise ValueError(f"class {int(k)} has no items: cannot sample {per_class} of it")
        out.append(rng.choice(members, size=per_class, replace=members.size < per_class))
    idx = np.concatenate(out)
    return idx[rng.permutation(idx.size)].astype(np.int64)


class ClassBalancedSampler(Sampler[int]):
    """A ``torch.utils.data.Sampler`` yielding ``per_class`` indices of every class per epoch.

    Under DDP (``world_size`` > 1) every process draws the same epoch, cut to a multiple of ``world_size``,
    and takes ``order[rank::world_size]`` (as :class:`fer_lib.engine.distributed.ShardedSampler`): the union over
    processes of batch i (b items each) is batch i of one process with b x world items.
    """

    def __init__(self, labels, per_class: int, seed: int = 0, num_classes: int | None = None, rank: int = 0,
                 world_size: int = 1):
        if world_size < 1 or not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} is not one of {world_size} processes")
        self.labels = np.asarray(labels)
        self.per_class, self.seed, self.num_classes = per_class, seed, num_classes
        self.rank, self.world_size, self.epoch = rank, world_size, 0
        n_cls = num_classes if num_classes is not None else len(np.unique(self.labels))
        self._len = n_cls * per_class // world_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, self.epoch]))
        order = balanced_indices(self.labels, self.per_class, rng, self.num_classes)
        return iter(order[:self._len * self.world_size][self.rank::self.world_size].tolist())


def max_group_batches(units_per_group: np.ndarray, groups_per_batch: int) -> int:
    """The most batches of ``groups_per_batch`` distinct groups that groups with these unit counts can fill:
    the largest t with ``sum_g min(u_g, t) >= groups_per_batch * t`` (a group gives at most one unit per batch)."""
    u = np.asarray(units_per_group, np.int64)
    t = int(u.sum()) // groups_per_batch
    while t > 0 and np.minimum(u, t).sum() < groups_per_batch * t:
        t -= 1
    return t


def group_batches(groups: np.ndarray, groups_per_batch: int, rng: np.random.Generator,
                  items_per_group: int = 1) -> np.ndarray:
    """Item indices int64 [n_batches, groups_per_batch * items_per_group]: each batch holds ``items_per_group``
    items of each of ``groups_per_batch`` distinct groups, in random order.

    groups: int [N], the group (clip) of each item. A group's items are shuffled and cut into units of
    ``items_per_group`` (a remainder smaller than a unit sits out this epoch). Each batch takes one unit of
    the groups with the most units left (random among ties): this fills the most batches possible
    (:func:`max_group_batches`), and with equal groups it goes round every group once before any group's next
    unit. Units left when fewer than ``groups_per_batch`` groups still have one sit out this epoch.
    """
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.size == 0:
        raise ValueError(f"groups must be a non-empty 1-D array of group ids, got shape {groups.shape}")
    if groups_per_batch < 1 or items_per_group < 1:
        raise ValueError(f"groups_per_batch and items_per_group must be >= 1, got {groups_per_batch}, {items_per_group}")
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    order = np.lexsort((rng.random(groups.size), inverse))  # items by group, in random order within a group
    left = counts // items_per_group                         # units per group
    group_start = np.cumsum(counts) - counts
    rank_in_group = np.arange(groups.size) - group_start[inverse[order]]
    kept = order[rank_in_group < (left * items_per_group)[inverse[order]]]
    unit_items = kept.reshape(-1, items_per_group)           # [U, items_per_group]; a group's units are contiguous
    next_unit = np.cumsum(left) - left                       # row of each group's next unit
    if (left > 0).sum() < groups_per_batch:
        raise ValueError(f"only {(left > 0).sum()} groups have {items_per_group} item(s); a batch needs "
                         f"{groups_per_batch} distinct groups")
    batches = []
    while (left > 0).sum() >= groups_per_batch:
        priority = left + rng.random(left.size)             # most units left first; the fraction breaks ties
        priority[left == 0] = -1.0
        chosen = np.argpartition(-priority, groups_per_batch - 1)[:groups_per_batch]
        batch = unit_items[next_unit[chosen]].reshape(-1)
        next_unit[chosen] += 1
        left[chosen] -= 1
        batches.append(batch[rng.permutation(batch.size)])
    return np.stack(batches).astype(np.int64)


class GroupBatchSampler(Sampler[int]):
    """Batches of ``groups_per_batch`` distinct groups (``items_per_group`` items each), as a flat key order for
    ``fer_lib.engine.fit(..., sampler=s, batch_size=s.batch_size)``: consecutive runs of ``batch_size`` keys are
    the batches. groups: int [N] group of each dataset item; it must not change between epochs.

    Under DDP (``world_size`` > 1) every process gets its ``rank``'s contiguous slice of each batch, so the
    global batch still holds distinct groups. The number of batches per epoch depends only on the group sizes.
    """

    def __init__(self, groups, groups_per_batch: int, items_per_group: int = 1, seed: int = 0, rank: int = 0,
                 world_size: int = 1):
        self.groups = np.asarray(groups)
        self.groups_per_batch, self.items_per_group, self.seed = groups_per_batch, items_per_group, seed
        self.rank, self.world_size, self.epoch = rank, world_size, 0
        size = groups_per_batch * items_per_group
        if world_size < 1 or not 0 <= rank < world_size or size % world_size:
            raise ValueError(f"a batch of {size} items does not split over {world_size} processes (rank {rank})")
        self.batch_size = size // world_size              # per process
        _, counts = np.unique(self.groups, return_counts=True)
        self.n_batches = max_group_batches(counts // items_per_group, groups_per_batch)
        if self.n_batches == 0:
            raise ValueError(f"{len(counts)} groups of sizes {sorted(set(counts.tolist()))} fill no batch of "
                             f"{groups_per_batch} distinct groups x {items_per_group} item(s)")

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def batches(self) -> np.ndarray:
        """This epoch's whole batches (all processes): int64 [n_batches, groups_per_batch * items_per_group]."""
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, self.epoch]))
        return group_batches(self.groups, self.groups_per_batch, rng, self.items_per_group)

    def __len__(self) -> int:
        return self.n_batches * self.batch_size

    def __iter__(self) -> Iterator[int]:
        mine = self.batches()[:, self.rank * self.batch_size:(self.rank + 1) * self.batch_size]
        return iter(mine.reshape(-1).tolist())
