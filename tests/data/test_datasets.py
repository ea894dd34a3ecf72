"""FrameDataset / ClipDataset items and the class-balanced sampler."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from fer_lib.data.datasets import ClipDataset, FrameDataset, window_indices
from fer_lib.data.samplers import ClassBalancedSampler, balanced_indices
from fer_lib.data.synth import SynthConfig, load_synth


@pytest.fixture(scope="module")
def videos():
    return load_synth(SynthConfig(n_identities=6, clips_per_identity=2, frames_per_clip=10, size=32), cache=False)


def test_frame_items(videos):
    ds = FrameDataset(videos, "train", frame_step=3)
    train_clips = videos.clips("train")
    assert len(ds) == len(train_clips) * 4                            # t = 0, 3, 6, 9
    item = ds[5]
    c, t = int(item["clip"]), int(item["t"])
    assert (c, t) == (train_clips[1], 3)
    assert item["image"].shape == (3, 32, 32) and item["image"].dtype == torch.uint8
    assert torch.equal(item["image"].permute(1, 2, 0), torch.from_numpy(np.asarray(videos.frames[c, t])))
    assert item["expression"].dtype == torch.int64 and int(item["expression"]) == videos.expression[c, t]
    assert item["landmarks"].shape == (68, 2) and item["gaze"].shape == (2,) and item["pose"].shape == (3,)
    assert item["valence"].dtype == torch.float32 and int(item["identity"]) == videos.identity[c]
    assert np.array_equal(ds.targets, videos.expression[ds.index[:, 0], ds.index[:, 1]])
    batch = next(iter(DataLoader(ds, batch_size=4)))
    assert batch["image"].shape == (4, 3, 32, 32) and batch["landmarks"].shape == (4, 68, 2)


def test_window_indices_pad_with_the_last_frame():
    assert window_indices(10, 4, 3, 2).tolist() == [2, 5, 8, 9]
    assert window_indices(10, 3, 2, 0).tolist() == [0, 2, 4]


def test_clip_items(videos):
    ds = ClipDataset(videos, "test", num_frames=4, stride=2)           # span 7 of 10: centred start 1
    item = ds[0]
    c = int(item["clip"])
    assert item["video"].shape == (4, 3, 32, 32) and item["video"].dtype == torch.uint8
    assert item["t"].tolist() == [1, 3, 5, 7]
    assert torch.equal(item["video"][2].permute(1, 2, 0), torch.from_numpy(np.asarray(videos.frames[c, 5])))
    assert int(item["label"]) == videos.clip_label[c] and item["expression"].shape == (4,)
    assert item["landmarks"].shape == (4, 68, 2) and item["valence"].shape == (4,)
    all_windows = ClipDataset(videos, "test", num_frames=4, stride=1, window_step=3)   # starts 0, 3, 6
    assert len(all_windows) == 3 * len(videos.clips("test"))
    long = ClipDataset(videos, "test", num_frames=8, stride=2)          # longer than the clip: padded
    assert long[0]["t"].tolist() == [0, 2, 4, 6, 8, 9, 9, 9]


def test_balanced_indices_counts_and_replacement():
    labels = np.array([0] * 50 + [1] * 3 + [2] * 10)
    idx = balanced_indices(labels, 8, np.random.default_rng(0))
    assert np.bincount(labels[idx]).tolist() == [8, 8, 8]
    assert len(set(idx[labels[idx] == 0].tolist())) == 8               # enough items: no repeats
    assert len(set(idx[labels[idx] == 2].tolist())) == 8
    assert set(idx[labels[idx] == 1].tolist()) <= {50, 51, 52}         # short class: with replacement
    with pytest.raises(ValueError, match="class 3 has no items"):
        balanced_indices(labels, 4, np.random.default_rng(0), num_classes=4)


def test_sampler_redraws_per_epoch_and_is_seeded():
    labels = np.repeat(np.arange(4), 25)
    s = ClassBalancedSampler(labels, per_class=5, seed=1)
    first = list(s)
    assert len(first) == len(s) == 20 and np.bincount(labels[first]).tolist() == [5, 5, 5, 5]
    assert list(s) == first
    s.set_epoch(1)
    assert list(s) != first


def test_sampler_shards_under_ddp_into_the_single_process_order():
    labels = np.repeat(np.arange(3), 4)
    single = ClassBalancedSampler(labels, per_class=3, seed=2)           # 9 indices: the second rank's 4
    shards = [ClassBalancedSampler(labels, per_class=3, seed=2, rank=r, world_size=2) for r in range(2)]
    for s in (single, *shards):
        s.set_epoch(3)
    order = list(single)
    assert [len(s) for s in shards] == [4, 4] and list(shards[0]) == order[0:8:2] and list(shards[1]) == order[1:8:2]
    with pytest.raises(ValueError, match="rank 2 is not one of 2 processes"):
        ClassBalancedSampler(labels, per_class=3, rank=2, world_size=2)
