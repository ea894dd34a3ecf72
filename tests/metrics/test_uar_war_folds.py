import numpy as np
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score

from fer_lib.metrics.classification import uar, war
from fer_lib.metrics.folds import fold_total


def test_uar_war_match_sklearn_on_random_predictions():
    rng = np.random.default_rng(0)
    for _ in range(5):
        y = rng.integers(0, 7, 200)
        p = np.where(rng.random(200) < 0.5, y, rng.integers(0, 7, 200))
        assert uar(y, p, 7) == pytest.approx(balanced_accuracy_score(y, p))
        assert war(y, p, 7) == pytest.approx(accuracy_score(y, p))


def test_fold_total_is_mean_of_fold_metrics_not_pooled():
    # DFEW folds of the paper (UAR/WAR, %): Total = 63.41 / 74.43
    folds = [dict(uar=62.59, war=74.88), dict(uar=61.96, war=72.49), dict(uar=64.00, war=74.91),
             dict(uar=63.07, war=74.05), dict(uar=65.42, war=75.81)]
    total = fold_total(folds)
    assert total["uar"] == pytest.approx(63.408) and total["war"] == pytest.approx(74.428)
    with pytest.raises(KeyError):
        fold_total([dict(uar=1.0)])
