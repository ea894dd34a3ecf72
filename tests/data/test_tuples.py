"""Time-offset tuples: offsets follow the given distribution, stay inside the clip, negatives are far."""

import numpy as np
import pytest
import torch

from fer_lib.data.synth import SynthConfig, load_synth
from fer_lib.data.tuples import PAPER_OFFSETS, PAPER_WEIGHTS, TimeTupleDataset, sample_time_tuples


def test_offsets_follow_the_distribution_and_stay_inside():
    lengths = np.full(400, 300)
    clip, t = sample_time_tuples(lengths, np.random.default_rng(0), per_clip=20)
    assert t.shape == (8000, 2) and clip.shape == (8000,)
    assert t.min() >= 0 and t.max() <= 299
    d = np.abs(t[:, 1] - t[:, 0])
    freq = np.bincount(d, minlength=7)[2:7] / len(d)
    expected = np.array(PAPER_WEIGHTS) / sum(PAPER_WEIGHTS)            # 5/15, 4/15, ... 1/15
    assert np.abs(freq - expected).max() < 0.02
    sign = np.sign(t[:, 1] - t[:, 0])
    assert abs((sign > 0).mean() - 0.5) < 0.03


def test_edges_force_the_side_that_fits():
    clip, t = sample_time_tuples(np.full(200, 5), np.random.default_rng(1), offsets=(4,), weights=(1,))
    assert sorted({tuple(x) for x in t.tolist()}) == [(0, 4), (4, 0)]


def test_strict_bounds_reproduce_the_code_test():
    _, t = sample_time_tuples(np.full(3000, 8), np.random.default_rng(2), strict_bounds=True)
    assert (t[:, 1] < 7).all()                                         # never the last frame
    _, t = sample_time_tuples(np.full(3000, 8), np.random.default_rng(2))
    assert (t[:, 1] == 7).any()


def test_hard_negatives_are_far_in_time():
    _, t = sample_time_tuples(np.full(500, 40), np.random.default_rng(3), hard_negative_gap=12)
    assert t.shape == (500, 4) and t.min() >= 0 and t.max() <= 39
    assert (np.abs(t[:, 2] - t[:, 0]) >= 12).all()
    assert set(np.abs(t[:, 3] - t[:, 2]).tolist()) <= set(PAPER_OFFSETS)
    with pytest.raises(ValueError, match="clip 1 has 10 frames"):
        sample_time_tuples(np.array([40, 10]), np.random.default_rng(0), hard_negative_gap=12)


def test_dataset_redraws_per_epoch_unless_fixed():
    v = load_synth(SynthConfig(n_identities=5, clips_per_identity=2, frames_per_clip=16, size=32), cache=False)
    ds = TimeTupleDataset(v, "train", hard_negative_gap=8, per_clip=3, seed=5)
    assert len(ds) == 3 * len(v.clips("train"))
    item = ds[0]
    c, ts = int(item["clip"]), item["t"].numpy()
    assert item["images"].shape == (4, 3, 32, 32) and item["images"].dtype == torch.uint8
    assert torch.equal(item["images"][1].permute(1, 2, 0), torch.from_numpy(np.asarray(v.frames[c, ts[1]])))
    assert item["expression"].tolist() == v.expression[c, ts].tolist()
    e0 = ds.t.copy()
    ds.set_epoch(1)
    assert not np.array_equal(ds.t, e0)
    ds.set_epoch(0)
    assert np.array_equal(ds.t, e0)
    fixed = TimeTupleDataset(v, "train", per_clip=3, seed=5, fixed_tuples=True)
    f0 = fixed.t.copy()
    fixed.set_epoch(7)
    assert np.array_equal(fixed.t, f0)
