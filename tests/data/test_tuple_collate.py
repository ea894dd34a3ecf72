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
