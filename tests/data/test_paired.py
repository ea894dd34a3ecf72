"""Labelled/unlabelled pairing, relabelling by class name, concatenation."""

import numpy as np
import pytest
import torch

from fer_lib.data.labels import AFFWILD2_8, SYNTH_8
from fer_lib.data.paired import Concat, Frames, LabelledUnlabelled, Relabelled


class _Toy(torch.utils.data.Dataset):
    def __init__(self, labels, value=0):
        self.labels, self.value = labels, value

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"image": torch.full((3, 2, 2), self.value + i, dtype=torch.uint8), "expression": self.labels[i],
                "extra": "x"}


def test_relabelled_maps_by_name_and_missing_class():
    ds = Relabelled(_Toy([SYNTH_8.index("happy"), SYNTH_8.index("contempt")]), SYNTH_8, AFFWILD2_8, missing_as="other")
    assert [ds[i]["expression"] for i in range(2)] == [AFFWILD2_8.index("happy"), AFFWILD2_8.index("other")]
    with pytest.raises(ValueError, match="contempt"):
        Relabelled(_Toy([0]), SYNTH_8, AFFWILD2_8)


def test_concat_keeps_keys_and_order():
    ds = Concat([_Toy([1, 2]), _Toy([3], value=100)])
    assert len(ds) == 3 and set(ds[0]) == {"image", "expression"}
    assert ds[2]["expression"] == 3 and int(ds[2]["image"][0, 0, 0]) == 100
    with pytest.raises(IndexError):
        ds[3]


def test_pairs_items_seeded_per_epoch_and_uses_sampler():
    lab, unl = _Toy([0, 1, 2, 3]), _Toy(list(range(10)), value=50)
    ds = LabelledUnlabelled(lab, unl, unlabelled_per_item=3, seed=1)
    item = ds[0]
    assert item["unlabelled"].shape == (3, 3, 2, 2) and item["unlabelled_expression"].shape == (3,)
    # hidden truth travels with each unlabelled image
    assert torch.equal(item["unlabelled"][:, 0, 0, 0].long() - 50, item["unlabelled_expression"])
    assert sorted(ds.keys.tolist()) == [0, 1, 2, 3]
    first = ds.unlabelled_keys.copy()
    ds.set_epoch(1)
    assert not np.array_equal(first, ds.unlabelled_keys)
    ds.set_epoch(0)
    assert np.array_equal(first, ds.unlabelled_keys)

    class _Fixed:
        def __iter__(self):
            return iter([3, 3, 1])
    ds = LabelledUnlabelled(lab, unl, labelled_sampler=_Fixed())
    assert len(ds) == 3 and [ds[i]["expression"] for i in range(3)] == [3, 3, 1]


def test_frames_items_and_labels_through_wrappers():
    images = np.arange(2 * 2 * 3 * 3, dtype=np.uint8).reshape(2, 2, 3, 3)
    frames = Frames(images, [SYNTH_8.index("sad"), SYNTH_8.index("contempt")])
    item = frames[1]
    assert item["image"].shape == (3, 2, 3) and torch.equal(item["image"], torch.from_numpy(images[1]).permute(2, 0, 1))
    rel = Relabelled(frames, SYNTH_8, AFFWILD2_8, missing_as="other")
    assert rel.labels.tolist() == [AFFWILD2_8.index("sad"), 7]
    assert Concat([rel, frames]).labels.tolist() == [5, 7, 2, 7]
    with pytest.raises(ValueError, match="uint8"):
        Frames(images.astype(np.float32), [0, 1])
