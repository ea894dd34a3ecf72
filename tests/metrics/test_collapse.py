"""Within-group collapse index: a hand case, invariances, the collapsed limit."""

import numpy as np
import pytest

from fer_lib.metrics.collapse import within_between_ratio


def test_hand_case():
    # class 0 at (0, +-1), class 1 at (4, +-1): within = 1, class means (0,0),(4,0), overall (2,0): between = 4
    x = np.array([[0, 1], [0, -1], [4, 1], [4, -1]], float)
    assert within_between_ratio(x, np.array([0, 0, 1, 1])) == pytest.approx(0.25)


def test_invariant_to_scale_and_shift_and_grows_as_classes_merge():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(5), 40)
    centres = rng.normal(size=(5, 8))
    x = centres[y] + 0.3 * rng.normal(size=(200, 8))
    r = within_between_ratio(x, y)
    assert within_between_ratio(3 * x + 7, y) == pytest.approx(r)
    merged = 0.1 * centres[y] + 0.3 * rng.normal(size=(200, 8))     # classes pulled 10x closer together
    assert within_between_ratio(merged, y) > 20 * r
    assert within_between_ratio(np.ones((4, 2)), np.array([0, 0, 1, 1])) == float("inf")
    with pytest.raises(ValueError, match="two classes"):
        within_between_ratio(x, np.zeros(200))
