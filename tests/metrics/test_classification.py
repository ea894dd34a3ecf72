import numpy as np
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score

from fer_lib.metrics.classification import accuracy, confusion, macro_f1, per_class_f1, uar, war


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 8, 300)
    p = np.where(rng.random(300) < 0.5, y, rng.integers(0, 8, 300))
    assert np.array_equal(confusion(y, p, 8), confusion_matrix(y, p, labels=range(8)))
    assert war(y, p, 8) == pytest.approx(accuracy_score(y, p)) == accuracy(y, p)
    assert uar(y, p, 8) == pytest.approx(balanced_accuracy_score(y, p))
    assert macro_f1(y, p, 8) == pytest.approx(f1_score(y, p, average="macro", labels=range(8), zero_division=0))


def test_hand_computed_case():
    y, p = np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1])
    # class 0: tp 1, fp 0, fn 1 -> F1 2/3; class 1: tp 1, fp 2, fn 0 -> 1/2; class 2: 0; class 3 absent: 0
    assert per_class_f1(y, p, 4) == pytest.approx([2 / 3, 0.5, 0.0, 0.0])
    assert uar(y, p, 4) == pytest.approx((0.5 + 1 + 0) / 3), "absent classes do not count in UAR"
    with pytest.raises(ValueError, match="outside"):
        confusion(y, np.array([0, 1, 1, 9]), 4)
