"""GroupBatchSampler: batches of distinct groups (clips), equal in size, seeded per epoch."""

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from fer_lib.data.samplers import GroupBatchSampler, group_batches, max_group_batches
from fer_lib.engine.distributed import ShardedSampler
from fer_lib.engine.trainer import fit


def brute_max_batches(sizes, c):
    """The most batches of c distinct groups, by trying every assignment (tiny cases only)."""
    best = 0
    units = [g for g, n in enumerate(sizes) for _ in range(n)]

    def search(left, made):
        nonlocal best
        best = max(best, made)
        for combo in itertools.combinations([g for g in range(len(left)) if left[g] > 0], c):
            nxt = list(left)
            for g in combo:
                nxt[g] -= 1
            search(nxt, made + 1)
            if best * c >= len(units):
                return

    search(list(sizes), 0)
    return best


def test_hand_made_case():
    # three clips of two items: two batches, each with one item of every clip
    batches = group_batches(np.array([0, 0, 1, 1, 2, 2]), 3, np.random.default_rng(0))
    assert batches.shape == (2, 3)
    assert [sorted((b // 2).tolist()) for b in batches] == [[0, 1, 2], [0, 1, 2]]
    assert sorted(batches.reshape(-1).tolist()) == [0, 1, 2, 3, 4, 5]
    # clip 0 has three items, clips 1 and 2 one each: two batches of two clips, both with clip 0; one item sits out
    groups = np.array([0, 0, 0, 1, 2])
    batches = group_batches(groups, 2, np.random.default_rng(1))
    assert batches.shape == (2, 2) and max_group_batches(np.array([3, 1, 1]), 2) == 2
    assert all(0 in groups[b] for b in batches) and sorted(groups[batches].reshape(-1).tolist()) == [0, 0, 1, 2]


@pytest.mark.parametrize("seed", range(6))
def test_no_batch_holds_two_items_of_a_group_and_the_most_batches_are_filled(seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 4, size=rng.integers(3, 7))
    groups = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    c = int(rng.integers(2, len(sizes) + 1))
    batches = group_batches(groups, c, rng)
    assert all(len(set(groups[b].tolist())) == c for b in batches)         # distinct groups, equal size
    assert len(np.unique(batches)) == batches.size                          # no item twice
    assert len(batches) == max_group_batches(sizes, c) == brute_max_batches(sizes, c)


def test_every_item_once_per_epoch_with_equal_clips():
    # 136 clips x 2 tuples (the default profile's pool), 68 clips per batch: four batches, every item once
    groups = np.repeat(np.arange(136), 2)
    s = GroupBatchSampler(groups, 68, seed=3)
    for epoch in range(3):
        s.set_epoch(epoch)
        keys = list(s)
        assert len(keys) == len(s) == 272 and sorted(keys) == list(range(272))
        batches = np.array(keys).reshape(-1, s.batch_size)
        assert all(len(set(groups[b].tolist())) == 68 for b in batches)


def test_the_shuffled_sampler_co_batches_a_clips_tuples_and_this_one_never_does():
    groups = np.repeat(np.arange(136), 2)
    shuffled = ShardedSampler(len(groups), shuffle=True, seed=0)
    together = []
    for epoch in range(20):
        shuffled.set_epoch(epoch)
        batch_of = np.empty(len(groups), int)
        batch_of[np.array(list(shuffled))] = np.arange(len(groups)) // 64
        together.append(np.mean(batch_of[0::2] == batch_of[1::2]))
    assert np.mean(together) == pytest.approx(63 / 271, abs=0.03)          # the 23 %
    s = GroupBatchSampler(groups, 64, seed=0)
    assert s.n_batches == 4 and len(s) == 256
    for epoch in range(20):
        s.set_epoch(epoch)
        for b in s.batches():
            assert len(np.unique(groups[b])) == 64


def test_reproducible_by_seed_and_epoch():
    groups = np.repeat(np.arange(40), 3)
    a, b, other = GroupBatchSampler(groups, 8, seed=1), GroupBatchSampler(groups, 8, seed=1), GroupBatchSampler(
        groups, 8, seed=2)
    assert list(a) == list(b) and list(a) != list(other)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first
    a.set_epoch(0)
    assert list(a) == first


def test_items_per_group_co_batches_when_asked():
    groups = np.repeat(np.arange(10), 4)
    s = GroupBatchSampler(groups, 3, items_per_group=2, seed=0)
    batches = s.batches()
    assert batches.shape == (6, 6) and s.batch_size == 6                   # 20 units of 2, 6 batches of 3 clips
    for b in batches:
        _, counts = np.unique(groups[b], return_counts=True)
        assert counts.tolist() == [2, 2, 2]


def test_processes_split_each_batch():
    groups = np.repeat(np.arange(16), 2)
    whole = GroupBatchSampler(groups, 8, seed=5).batches()
    ranks = [GroupBatchSampler(groups, 8, seed=5, rank=r, world_size=2) for r in range(2)]
    assert ranks[0].batch_size == 4 and len(ranks[0]) == 16
    parts = [np.array(list(r)).reshape(-1, 4) for r in ranks]
    np.testing.assert_array_equal(np.concatenate(parts, axis=1), whole)


def test_bad_input():
    with pytest.raises(ValueError, match="only 2 groups"):
        group_batches(np.array([0, 0, 1]), 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="fill no batch"):
        GroupBatchSampler([0, 1, 2], 2, items_per_group=2)
    with pytest.raises(ValueError, match="does not split over 3 processes"):
        GroupBatchSampler(np.arange(10), 4, world_size=3)
    with pytest.raises(ValueError, match="1-D"):
        group_batches(np.zeros((2, 2)), 1, np.random.default_rng(0))


def test_fit_trains_on_the_samplers_batches():
    """engine.fit cuts the sampler's keys into runs of ``batch_size``: every step sees one of its batches."""
    class Items(torch.utils.data.Dataset):
        def __len__(self):
            return 24

        def __getitem__(self, i):
            return {"index": torch.tensor(i)}

    class Recorder(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(()))
            self.seen = []

        def training_step(self, batch):
            self.seen.append(batch["index"].tolist())
            return self.w * 0.0, {}

    groups = np.repeat(np.arange(8), 3)
    sampler = GroupBatchSampler(groups, 4, seed=0)
    method = Recorder()
    fit(method, Items(), optimizers=torch.optim.SGD(method.parameters(), lr=0.1), batch_size=sampler.batch_size,
        epochs=2, sampler=sampler, device="cpu", progress=False)
    expected = []
    for epoch in range(2):
        sampler.set_epoch(epoch)
        expected += sampler.batches().tolist()
    assert method.seen == expected and len(expected) == 12
    assert all(len(set(groups[b].tolist())) == 4 for b in method.seen)
