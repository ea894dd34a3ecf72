from types import SimpleNamespace

import numpy as np
import pytest
import torch

from fer_lib.data.tuple_collate import TupleCollate


def fake_videos(n=6, t=10, size=8, per_identity=2):
    rng = np.random.default_rng(0)
    return SimpleNamespace(frames=rng.integers(0, 256, (n, t, size, size, 3), dtype=np.uint8),
                           landmarks=rng.random((n, t, 68, 2), dtype=np.float32) * size,
                           identity=np.arange(n) // per_identity,
                           expression=rng.integers(0, 8, (n, t)))


def items(v, rows):
    out = []
    for c, ts in rows:
        ts = np.asarray(ts)
        out.append({"images": torch.from_numpy(v.frames[c][ts].transpose(0, 3, 1, 2).copy()),
                    "t": torch.from_numpy(ts), "clip": torch.tensor(c)})
    return out


def test_collate_roles_landmarks_descriptors_and_donors():
    v = fake_videos()
    desc = np.random.default_rng(1).random((6, 10, 5)).astype(np.float32)
    collate = TupleCollate(v, donor_clips=np.arange(6), descriptors=desc, seed=3)
    rows = [(0, [1, 3, 8, 6]), (3, [5, 2, 0, 2])]
    batch = collate(items(v, rows))
    for b, (c, ts) in enumerate(rows):
        for k, role in enumerate(("anchor", "positive", "neg_anchor", "neg_positive")):
            assert torch.equal(batch[role][b], torch.from_numpy(v.frames[c, ts[k]].transpose(2, 0, 1).copy()))
            np.testing.assert_array_equal(batch[f"{role}_landmarks"][b].numpy(), v.landmarks[c, ts[k]])
            np.testing.assert_array_equal(batch[f"{role}_descriptor"][b].numpy(), desc[c, ts[k]])
            assert int(batch[f"{role}_expression"][b]) == v.expression[c, ts[k]]
        dc, dt = int(batch["donor_clip"][b]), int(batch["donor_t"][b])
        assert v.identity[dc] != v.identity[c]
        assert torch.equal(batch["donor"][b], torch.from_numpy(v.frames[dc, dt].transpose(2, 0, 1).copy()))
    again = collate(items(v, rows))
    assert torch.equal(again["donor_clip"], batch["donor_clip"]) and torch.equal(again["donor_t"], batch["donor_t"])
    pairs = collate(items(v, [(2, [4, 6])]))
    assert "neg_anchor" not in pairs and "anchor_descriptor" in pairs


def test_collate_errors():
    v = fake_videos()
    with pytest.raises(ValueError, match="descriptors"):
        TupleCollate(v, np.arange(6), descriptors=np.zeros((6, 9, 2)))
    collate = TupleCollate(v, donor_clips=np.array([0, 1]))
    with pytest.raises(ValueError, match="another identity"):
        collate(items(v, [(0, [1, 3])]))


def test_donor_modes():
    v = fake_videos(n=8, per_identity=4)                     # people 0 (clips 0-3) and 1 (clips 4-7)
    rows = [(c, [1, 3]) for c in range(8)] + [(c, [5, 2]) for c in range(8)]
    same = TupleCollate(v, np.arange(8), donors="same_identity", seed=1)(items(v, rows))
    clip, donor = same["clip"].numpy(), same["donor_clip"].numpy()
    assert (v.identity[donor] == v.identity[clip]).all() and (donor != clip).all()
    anyone = TupleCollate(v, np.arange(8), donors="any", seed=1)(items(v, rows * 4))
    assert (v.identity[anyone["donor_clip"].numpy()] == v.identity[anyone["clip"].numpy()]).any()
    with pytest.raises(ValueError, match="donors must be one of"):
        TupleCollate(v, np.arange(8), donors="nobody")
    with pytest.raises(ValueError, match="no other clip of clip 0's identity"):
        TupleCollate(v, np.array([0, 4]), donors="same_identity")(items(v, [(0, [1, 3])]))


def test_swap_in_the_collate_replaces_positives_with_the_swap_functions_output():
    v = fake_videos()
    calls = []

    def fake_swap(videos, c, t, image, marks, dc, dt, donor, donor_marks):
        calls.append((c, t, dc, dt))
        np.testing.assert_array_equal(image, videos.frames[c, t])
        np.testing.assert_array_equal(donor, videos.frames[dc, dt])
        return np.full_like(image, 7), donor_marks + 1.0

    rows = [(c % 6, [1, 3, 8, 6]) for c in range(40)]
    with pytest.raises(ValueError, match="needs a swap function"):
        TupleCollate(v, np.arange(6), swap_p=0.5)
    batch = TupleCollate(v, np.arange(6), seed=2, swap=fake_swap, swap_p=0.5)(items(v, rows))
    swapped = batch["swapped"].numpy()                                    # [B, 2]: positive, neg-positive
    assert swapped.shape == (40, 2) and 0.25 < swapped.mean() < 0.75 and len(calls) == swapped.sum()
    for b, (c, ts) in enumerate(rows):
        dc, dt = int(batch["donor_clip"][b]), int(batch["donor_t"][b])
        for j, (k, role) in enumerate(((1, "positive"), (3, "neg_positive"))):
            if swapped[b, j]:
                assert (batch[role][b] == 7).all()
                np.testing.assert_allclose(batch[f"{role}_landmarks"][b].numpy(), v.landmarks[dc, dt] + 1.0)
            else:
                assert torch.equal(batch[role][b], torch.from_numpy(v.frames[c, ts[k]].transpose(2, 0, 1).copy()))
        assert torch.equal(batch["anchor"][b], torch.from_numpy(v.frames[c, ts[0]].transpose(2, 0, 1).copy()))
    again = TupleCollate(v, np.arange(6), seed=2, swap=fake_swap, swap_p=0.5)(items(v, rows))
    assert torch.equal(again["swapped"], batch["swapped"])             # drawn from (seed, clip, t): resumable
