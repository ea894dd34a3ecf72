"""Sliding-window vote vs a naive loop; ABAW score = macro F1 over 8 classes vs scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import f1_score

from fer_lib.metrics.classification import macro_f1
from fer_lib.metrics.temporal import window_vote, window_vote_videos


def _majority(values, k):
    counts = [0] * k
    for c in values:
        counts[c] += 1
    return max(range(k), key=lambda c: (counts[c], -c))  # most frequent, ties -> smallest index


def _naive_centred_vote(labels, window, stride, k):
    """From the definition: each frame takes the majority of the window centred on the nearest window centre
    (centres 0, stride, ... < T; ties -> the earlier centre), (window-1)//2 frames before the centre and
    window//2 after, cut at the video's edges; a frame outside that window keeps its label."""
    t_len = len(labels)
    centres = list(range(0, t_len, stride))
    out = []
    for t in range(t_len):
        c = min(centres, key=lambda c: (abs(t - c), c))
        frames = [i for i in range(c - (window - 1) // 2, c - (window - 1) // 2 + window) if 0 <= i < t_len]
        out.append(_majority([labels[i] for i in frames], k) if t in frames else labels[t])
    return np.array(out)


def _naive_vote(labels, window, stride, k):
    """align="start": windows starting every stride frames, applied in order (the last one wins)."""
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
        assert np.array_equal(window_vote(labels, window, stride, 8, align="start"),
                              _naive_vote(labels.tolist(), window, stride, 8))


@pytest.mark.parametrize("window,stride", [(1, 1), (2, 1), (4, 1), (5, 1), (5, 5), (4, 2), (7, 3), (3, 5), (40, 2)])
def test_centred_window_vote_matches_naive_loop(window, stride):
    rng = np.random.default_rng(window * 10 + stride)
    for _ in range(20):
        labels = rng.integers(0, 8, size=rng.integers(1, 60))
        assert np.array_equal(window_vote(labels, window, stride, 8), _naive_centred_vote(labels.tolist(), window, stride, 8))


def test_window_vote_hand_case():
    # align="start", blocks of 3: [0,1,1] -> 1, [2,2,0] -> 2, [0] -> 0; a tie [1,0] in a 2-window -> 0 (smallest index)
    assert window_vote(np.array([0, 1, 1, 2, 2, 0, 0]), 3, 3, 3, align="start").tolist() == [1, 1, 1, 2, 2, 2, 0]
    assert window_vote(np.array([1, 0]), 2, 2, 2, align="start").tolist() == [0, 0]
    # single-frame flicker removed either way
    assert window_vote(np.array([4, 4, 4, 6, 4, 4, 4]), 3, 1, 8).tolist() == [4] * 7
    assert window_vote(np.array([4, 4, 4, 6, 4, 4, 4]), 3, 1, 8, align="start").tolist() == [4] * 7


def test_centred_vote_keeps_label_changes_in_place_and_start_moves_them_early():
    labels = np.array([0, 1, 1, 2, 2])
    # centred, window 3: frame 0 sees [0,1] (tie -> 0), frame 1 [0,1,1], 2 [1,1,2], 3 [1,2,2], 4 [2,2]
    assert window_vote(labels, 3, 1, 3).tolist() == [0, 1, 1, 2, 2]
    # forward: frame t sees [t, t+2]: the change 1 -> 2 at frame 3 moves to frame 2
    assert window_vote(labels, 3, 1, 3, align="start").tolist() == [1, 1, 2, 2, 2]


def test_centred_vote_hand_cases_at_the_video_edges():
    # window 5 on 7 frames: frame 0 sees frames 0-2 (1,1,0 -> 1), frame 1 sees 0-3 (tie 1,1,0,0 -> 0),
    # frame 5 sees 3-6 (tie 0,0,2,2 -> 0), frame 6 sees 4-6 (0,2,2 -> 2)
    assert window_vote(np.array([1, 1, 0, 0, 0, 2, 2]), 5, 1, 3).tolist() == [1, 0, 0, 0, 0, 0, 2]
    # a window longer than the video, cut at both ends: every frame sees the whole video
    assert window_vote(np.array([2, 2, 0]), 7, 1, 3).tolist() == [2, 2, 2]
    assert window_vote(np.array([2, 2, 0]), 7, 1, 3, align="start").tolist() == [2, 0, 0]
    # even window 4: one frame before, two after (frame 1 sees 0-3: tie 0,0,1,1 -> 0; frame 5 sees 4-5 -> tie -> 0)
    assert window_vote(np.array([0, 0, 1, 1, 1, 0]), 4, 1, 2).tolist() == [0, 0, 1, 1, 1, 0]
    # stride 3: windows centred at 0, 3, 6; frames 0-1 take the window at 0 ([0,1] -> 0), frames 2-4 the one at 3
    # ([1,2,2] -> 2), frames 5-6 the one at 6 ([0,0] -> 0)
    assert window_vote(np.array([0, 1, 1, 2, 2, 0, 0]), 3, 3, 3).tolist() == [0, 0, 2, 2, 2, 0, 0]
    # stride > window: frame 2 is nearest to centre 0 (tie with 4 -> earlier) but outside its window: unchanged
    # (frames 0-1 see [0,1] -> 0, frames 3-4 the window at 4: [1,1] -> 1)
    assert window_vote(np.array([0, 1, 2, 1, 1]), 3, 4, 3).tolist() == [0, 0, 2, 1, 1]


def test_window_vote_videos_resets_at_boundaries_and_errors():
    labels = np.array([1, 1, 0, 2, 2, 2])
    vids = np.array(["a", "a", "a", "b", "b", "b"])
    assert window_vote_videos(labels, vids, 3, 3, 3, align="start").tolist() == [1, 1, 1, 2, 2, 2]
    # centred blocks of 3 at frame 0 of each video: [1,1] -> 1 for frames 0-1, frame 2 outside -> kept
    assert window_vote_videos(labels, vids, 3, 3, 3).tolist() == [1, 1, 0, 2, 2, 2]
    with pytest.raises(ValueError, match="not contiguous"):
        window_vote_videos(labels, np.array(["a", "b", "a", "b", "b", "b"]), 3, 3, 3)
    with pytest.raises(ValueError, match="outside"):
        window_vote(np.array([0, 9]), 3, 1, 8)
    with pytest.raises(ValueError, match=">= 1"):
        window_vote(np.array([0, 1]), 0, 1, 8)
    with pytest.raises(ValueError, match="align"):
        window_vote(np.array([0, 1]), 3, 1, 8, align="end")


def test_centred_vote_over_several_videos_never_crosses_a_boundary():
    labels = np.array([0, 0, 1, 1, 1, 0, 2])
    vids = np.array([7, 7, 7, 3, 3, 3, 5])
    # per video: [0,0,1] -> frame 2 sees [0,1] -> 0; [1,1,0] -> frame 2 sees [1,0] -> 0; [2] stays.
    # (Across boundaries frame 2 would see 0,1,1 -> 1 and the last frame 0,2 -> 0.)
    assert window_vote_videos(labels, vids, 3, 1, 3).tolist() == [0, 0, 0, 1, 1, 0, 2]
    rng = np.random.default_rng(0)
    for window, stride in ((5, 1), (4, 2), (9, 3)):
        lengths = rng.integers(1, 30, size=6)
        labels = rng.integers(0, 8, size=lengths.sum())
        vids = np.repeat(np.arange(6) * 11, lengths)
        cuts = np.cumsum(lengths)[:-1]
        expected = np.concatenate([_naive_centred_vote(part.tolist(), window, stride, 8)
                                   for part in np.split(labels, cuts)])
        assert np.array_equal(window_vote_videos(labels, vids, window, stride, 8), expected)


def test_abaw_score_is_sklearn_macro_f1_over_eight_classes():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 7, size=300)  # class 7 ("other") never occurs in y_true
    p = np.where(rng.random(300) < 0.6, y, rng.integers(0, 8, size=300))
    ref = f1_score(y, p, average="macro", labels=list(range(8)), zero_division=0)
    assert macro_f1(y, p, 8) == pytest.approx(ref, abs=1e-12)
