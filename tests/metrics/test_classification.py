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


def test_positive_top1_hand_computed():
    """Anchor 0's nearest other is 2 (a positive), anchor 1's is 0 (no positive), anchor 2's is 0 (positive),
    anchor 3's is 1 (positive): 3 of 4. The diagonal (self-similarity 1) never counts."""
    import torch

    from fer_lib.metrics.classification import positive_top1

    sim = torch.tensor([[1.0, 0.1, 0.9, 0.2], [0.8, 1.0, 0.3, 0.7], [0.9, 0.1, 1.0, 0.0], [0.2, 0.6, 0.1, 1.0]])
    pos = torch.zeros(4, 4)
    pos[0, 2] = pos[2, 0] = pos[1, 3] = pos[3, 1] = 1.0
    assert positive_top1(sim, pos) == 0.75
