"""Identity metrics against scikit-learn and brute force."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.neighbors import KNeighborsClassifier

from fer_lib.metrics.identity import (best_threshold, cosine_scores, identification_1nn, sample_pairs,
                                      verification)


def test_1nn_matches_sklearn():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(5, 8)) * 2
    gid, qid = rng.integers(0, 5, 60), rng.integers(0, 5, 40)
    gallery, queries = centres[gid] + rng.normal(size=(60, 8)), centres[qid] + rng.normal(size=(40, 8))
    res = identification_1nn(gallery, gid, queries, qid)
    ref = KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(gallery, gid).predict(queries)
    np.testing.assert_array_equal(res.predictions, ref)
    assert res.accuracy == pytest.approx((ref == qid).mean())
    assert res.macro_f1 == pytest.approx(f1_score(qid, ref, average="macro"))
    assert 0.2 < res.chance < 0.5 and res.accuracy > res.chance


def test_best_threshold_brute_force_and_ties():
    rng = np.random.default_rng(1)
    scores = np.round(rng.normal(size=50), 1)  # many ties
    same = rng.random(50) < 0.5
    t, acc = best_threshold(scores, same)
    brute = max(((scores >= c) == same).mean() for c in np.r_[scores, np.inf])
    assert acc == pytest.approx(brute) and ((scores >= t) == same).mean() == pytest.approx(acc)
    assert best_threshold(np.array([0.9, 0.8, 0.1]), np.array([True, True, False])) == (0.8, 1.0)


def test_verification_kfold_and_auc():
    rng = np.random.default_rng(2)
    same = np.r_[np.ones(100, bool), np.zeros(100, bool)]
    scores = np.where(same, 0.6, 0.3) + 0.2 * rng.normal(size=200)
    order = rng.permutation(200)
    res = verification(scores[order], same[order], n_folds=10)
    assert res.auc == pytest.approx(roc_auc_score(same, scores))
    # AUC = P(score_same > score_diff) (Mann-Whitney), no ties here
    assert res.auc == pytest.approx((scores[same][:, None] > scores[~same][None, :]).mean())
    # fold 0 by hand: threshold from folds 1..9, accuracy on fold 0
    s, y = scores[order], same[order]
    t0, _ = best_threshold(s[20:], y[20:])
    assert res.thresholds[0] == t0
    folds = [((s[k * 20:(k + 1) * 20] >= res.thresholds[k]) == y[k * 20:(k + 1) * 20]).mean() for k in range(10)]
    assert res.accuracy == pytest.approx(np.mean(folds)) and 0.7 < res.accuracy < 0.95


def test_cosine_and_pairs():
    a, b = np.array([[1.0, 0], [1, 1]]), np.array([[0.0, 2], [2, 2]])
    np.testing.assert_allclose(cosine_scores(a, b), [0.0, 1.0])
    ids = np.repeat(np.arange(4), 5)
    i, j, same = sample_pairs(ids, 30, seed=0)
    assert same.sum() == 15 and len(i) == 30
    np.testing.assert_array_equal(ids[i] == ids[j], same)
    assert (i != j).all()
    with pytest.raises(ValueError, match="same and different"):
        verification(np.arange(20.0), np.ones(20, bool))
