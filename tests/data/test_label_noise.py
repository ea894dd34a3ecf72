"""Fine-label noise inside coarse groups: rates, group preservation, uniform replacement, the relabelled view."""

import numpy as np
import pytest
import torch

from fer_lib.data.label_noise import WithLabels, swap_within_groups
from fer_lib.data.labels import DEFAULT_COARSE_MAP, SYNTH_8

NEG = [SYNTH_8.index(c) for c in ("sad", "fear", "disgust", "anger", "contempt")]


def test_swaps_stay_in_the_group_at_the_asked_rate():
    labels = np.tile(np.arange(8), 5000)                             # 5000 items of each class
    noisy = swap_within_groups(labels, SYNTH_8, 0.25, seed=3)
    group = np.array([DEFAULT_COARSE_MAP[c] for c in SYNTH_8])
    assert (group[noisy] == group[labels]).all()                    # coarse labels stay exact
    changed = noisy != labels
    assert not changed[~np.isin(labels, NEG)].any()                 # alone in its group: never changed
    assert changed[np.isin(labels, NEG)].mean() == pytest.approx(0.25, abs=0.01)   # sd 0.003 at 25000 items
    sad = noisy[(labels == SYNTH_8.index("sad")) & changed]         # each of the 4 others ~1/4 of the swaps
    counts = np.bincount(sad, minlength=8)[[k for k in NEG if k != SYNTH_8.index("sad")]]
    assert np.abs(counts / counts.sum() - 0.25).max() < 0.03


def test_rate_edges_and_bad_input():
    labels = np.array([2, 4, 5, 6, 7, 0, 1, 3])
    np.testing.assert_array_equal(swap_within_groups(labels, SYNTH_8, 0.0), labels)
    full = swap_within_groups(labels, SYNTH_8, 1.0, seed=1)
    np.testing.assert_array_equal(full[5:], labels[5:])
    assert (full[:5] != labels[:5]).all()
    with pytest.raises(ValueError, match="rate"):
        swap_within_groups(labels, SYNTH_8, 1.5)
    with pytest.raises(ValueError, match="index 8 classes"):
        swap_within_groups(np.array([9]), SYNTH_8, 0.1)


def test_relabelled_replaces_only_the_expression():
    items = [{"image": torch.zeros(1), "expression": torch.tensor(2), "identity": torch.tensor(7)}] * 2
    out = WithLabels(items, np.array([5, 6]))
    assert int(out[1]["expression"]) == 6 and int(out[1]["identity"]) == 7
    with pytest.raises(ValueError, match="3 labels for a dataset of 2"):
        WithLabels(items, np.array([1, 2, 3]))
