"""Clip bootstrap of macro F1 (a hand case with two clips, scipy.stats.bootstrap) and of clip-level UAR."""

import numpy as np
import pytest
from scipy import stats

from fer_lib.metrics.bootstrap import clip_bootstrap_macro_f1, clip_bootstrap_uar
from fer_lib.metrics.classification import macro_f1, uar


def test_two_clips_interval_spans_the_one_clip_resamples():
    # clip a: true [0, 0, 1], pred [0, 1, 1] -> F1 class 0 = 2/3, class 1 = 2/3; clip b: perfect -> 1.
    # resamples {a,a} (p 1/4), {a,b} (1/2), {b,b} (1/4): the 2.5 % / 97.5 % percentiles are F1(a) and F1(b)
    y = np.array([0, 0, 1, 0, 1])
    p = np.array([0, 1, 1, 0, 1])
    clips = np.array([7, 7, 7, 3, 3])
    out = clip_bootstrap_macro_f1(y, p, clips, 2, resamples=4000, seed=1)
    assert out["clips"] == 2
    assert out["f1"] == pytest.approx(macro_f1(y, p, 2))
    assert out["low"] == pytest.approx(2 / 3) and out["high"] == pytest.approx(1.0)


def test_matches_scipy_percentile_bootstrap_over_clips():
    rng = np.random.default_rng(0)
    n_clips, frames, k = 40, 6, 4
    clips = np.repeat(np.arange(n_clips), frames)
    y = np.repeat(rng.integers(0, k, n_clips), frames)                  # one class per clip
    p = np.where(rng.random(y.size) < 0.6, y, rng.integers(0, k, y.size))  # 60 % kept, rest random

    def statistic(idx):
        rows = np.concatenate([np.flatnonzero(clips == i) for i in idx.astype(int)])
        return macro_f1(y[rows], p[rows], k)

    ref = stats.bootstrap((np.arange(n_clips),), statistic, vectorized=False, n_resamples=3000,
                          method="percentile", random_state=np.random.default_rng(2)).confidence_interval
    out = clip_bootstrap_macro_f1(y, p, clips, k, resamples=3000, seed=3)
    assert out["low"] == pytest.approx(ref.low, abs=0.02) and out["high"] == pytest.approx(ref.high, abs=0.02)
    assert out["low"] < out["f1"] < out["high"]


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="must be equal"):
        clip_bootstrap_macro_f1(np.zeros(3, int), np.zeros(2, int), np.zeros(3, int), 2)


def test_clip_bootstrap_uar_matches_the_metric_and_a_loop():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 60)
    p = np.where(rng.random(60) < 0.6, y, rng.integers(0, 4, 60))
    out = clip_bootstrap_uar(y, p, 4, resamples=300, seed=3)
    assert out["uar"] == pytest.approx(100 * uar(y, p, 4))
    # the same resamples by a plain loop over draws
    draws = np.random.default_rng(3).integers(0, 60, size=(300, 60))
    stats = [100 * uar(y[d], p[d], 4) for d in draws]
    low, high = np.percentile(stats, [2.5, 97.5])
    assert (out["low"], out["high"]) == pytest.approx((low, high))
    assert out["low"] < out["uar"] < out["high"]


def test_group_bootstrap_metrics_and_intervals():
    from fer_lib.metrics.bootstrap import group_bootstrap
    from fer_lib.metrics.classification import accuracy, uar

    # person a: true [0, 0, 1], pred [0, 1, 1]; person b: true [0, 2], pred [0, 2] (perfect)
    y, p, people = np.array([0, 0, 1, 0, 2]), np.array([0, 1, 1, 0, 2]), np.array([1, 1, 1, 2, 2])
    out = group_bootstrap(y, p, people, 3, resamples=4000, seed=0)
    assert out["accuracy"] == pytest.approx(accuracy(y, p)) and out["macro_f1"] == pytest.approx(macro_f1(y, p, 3))
    assert out["balanced_accuracy"] == pytest.approx(uar(y, p, 3)) and out["groups"] == 2
    # resamples {a,a}: acc 2/3, recall (1/2 + 1) / 2 = 3/4; {b,b}: all 1 -> the percentile ends
    assert out["accuracy_low"] == pytest.approx(2 / 3) and out["accuracy_high"] == pytest.approx(1.0)
    assert out["balanced_accuracy_low"] == pytest.approx(3 / 4) and out["balanced_accuracy_high"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="0..2"):
        group_bootstrap(np.array([3]), np.array([0]), np.array([0]), 3)
