"""The occluded view: one region per item, filled with the mean colour, fixed by the seed, the rest untouched."""

import numpy as np
import pytest
import torch

from fer_lib.augment.landmark_mask import MASK_REGIONS
from fer_lib.data.occluded import Occluded


def _items(n=30, size=32):
    rng = np.random.default_rng(0)
    marks = np.zeros((68, 2), np.float32)
    marks[:, 0], marks[:, 1] = 16, 16
    marks[36:42] = [10, 12]                                 # right eye, left eye, mouth at distinct places
    marks[42:48] = [22, 12]
    marks[48:68] = [16, 24]
    return [{"image": torch.from_numpy(rng.integers(0, 255, (3, size, size), dtype=np.uint8)),
             "landmarks": torch.from_numpy(marks), "expression": torch.tensor(i % 3)} for i in range(n)]


def test_each_item_loses_exactly_its_region():
    items = _items()
    occ = Occluded(items, margin=0.1, seed=4)
    centres = {0: (16, 24), 1: (10, 12), 2: (22, 12)}       # region -> (x, y)
    seen = set()
    for i in range(len(items)):
        out = occ[i]
        r = int(out["region"])
        seen.add(r)
        changed = (out["image"] != items[i]["image"]).any(0)
        x, y = centres[r]
        assert changed[y, x]                               # the region's centre is now the mean colour
        assert not any(changed[yy, xx] for k, (xx, yy) in centres.items() if k != r)
        assert int(out["expression"]) == i % 3
    assert seen == set(range(len(MASK_REGIONS)))
    again = Occluded(items, margin=0.1, seed=4)
    assert all(int(again[i]["region"]) == int(occ[i]["region"]) for i in range(len(items)))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="margin"):
        Occluded(_items(2), margin=-1)
    with pytest.raises(KeyError, match="landmarks"):
        Occluded([{"image": torch.zeros(3, 8, 8, dtype=torch.uint8)}])[0]
