"""Inverse-frequency sampler: class frequencies equalised, reproducible per (seed, epoch)."""

from __future__ import annotations

import numpy as np
import pytest

from fer_lib.data.imbalanced_sampler import ImbalancedSampler


def test_classes_drawn_equally_often_and_reproducibly():
    labels = np.array([0] * 900 + [1] * 90 + [2] * 10)
    sampler = ImbalancedSampler(labels, seed=3, num_samples=30000)
    draws = np.array(list(sampler))
    share = np.bincount(labels[draws], minlength=3) / len(draws)
    np.testing.assert_allclose(share, [1 / 3] * 3, atol=0.02)
    np.testing.assert_allclose(sampler.weights[[0, 900, 990]] * [900, 90, 10] * 3, [1, 1, 1])
    assert list(sampler) == list(ImbalancedSampler(labels, seed=3, num_samples=30000))
    sampler.set_epoch(1)
    assert not np.array_equal(np.array(list(sampler)), draws)
    assert len(ImbalancedSampler(labels)) == 1000
    with pytest.raises(ValueError, match="non-empty"):
        ImbalancedSampler(np.array([], dtype=int))
