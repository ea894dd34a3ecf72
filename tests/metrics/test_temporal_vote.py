"""Sliding-window vote vs a naive loop; ABAW score = macro F1 over 8 classes vs scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import f1_score

from fer_lib.metrics.classification import macro_f1
from fer_lib.metrics.temporal import window_vote, window_vote_videos


def _naive_vote(labels, window, stride, k):
    out = list(labels)
    for start in range(0, len(labels), stride):
        chunk = labels[start:start + window]
        counts = [0] * k
        for c in chunk:
            counts[c] += 1
        best = max(range(k), key=lambda c: (counts[c], -c))  # most frequent, ties -> smallest index
        for i in range(start, min(start + window, len(labels))):
            out[i] = best
    return np.array(out)


@pytest.mark.parametrize("window,stride", [(1, 1), (5, 1), (5, 5), (7, 3), (3, 5), (40, 2)])
def test_window_vote_matches_naive_loop(window, stride):
    rng = np.random.default_rng(window * 10 + stride)
    for _ in range(20):
        labels = rng.integers(0, 8, size=rng.integers(1, 60))
        assert np.array_equal(window_vote(labels, window, stride, 8), _naive_vote(labels.tolist(), window, stride, 8))


def test_window_vote_hand_case():
    # blocks of 3: [0,1,1] -> 1, [2,2,0] -> 2, [0] -> 0; a tie [1,0] in a 2-window -> 0 (smallest index)
    assert window_vote(np.array([0, 1, 1, 2, 2, 0, 0]), 3, 3, 3).tolist() == [1, 1, 1, 2, 2, 2, 0]
    assert window_vote(np.array([1, 0]), 2, 2, 2).tolist() == [0, 0]
    # single-frame flicker removed by a centred-enough overlapping vote
    assert window_vote(np.array([4, 4, 4, 6, 4, 4, 4]), 3, 1, 8).tolist() == [4] * 7


def test_window_vote_videos_resets_at_boundaries_and_errors():
    labels = np.array([1, 1, 0, 2, 2, 2])
    vids = np.array(["a", "a", "a", "b", "b", "b"])
    assert window_vote_videos(labels, vids, 3, 3, 3).tolist() == [1, 1, 1, 2, 2, 2]
    with pytest.raises(ValueError, match="not contiguous"):
        window_vote_videos(labels, np.array(["a", "b", "a", "b", "b", "b"]), 3, 3, 3)
    with pytest.raises(ValueError, match="outside"):
        window_vote(np.array([0, 9]), 3, 1, 8)
    with pytest.raises(ValueError, match=">= 1"):
        window_vote(np.array([0, 1]), 0, 1, 8)


def test_abaw_score_is_sklearn_macro_f1_over_eight_classes():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 7, size=300)  # class 7 ("other") never occurs in y_true
    p = np.where(rng.random(300) < 0.6, y, rng.integers(0, 8, size=300))
    ref = f1_score(y, p, average="macro", labels=list(range(8)), zero_division=0)
    assert macro_f1(y, p, 8) == pytest.approx(ref, abs=1e-12)
