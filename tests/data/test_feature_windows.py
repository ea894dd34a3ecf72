"""Feature windows: every frame covered, videos never mixed, short videos padded."""

import numpy as np
import pytest
import torch

from fer_lib.data.feature_windows import FeatureWindows, video_ranges, window_starts


@pytest.mark.parametrize("n,window,stride", [(10, 4, 2), (10, 4, 4), (10, 4, 3), (3, 4, 1), (4, 4, 2), (17, 5, 5)])
def test_window_starts_cover_every_frame(n, window, stride):
    starts = window_starts(n, window, stride)
    covered = np.zeros(n, bool)
    for s in starts:
        covered[s:s + window] = True
        assert s + min(window, n) <= n
    assert covered.all() and starts == sorted(set(starts))
    assert window_starts(10, 4, 3) == [0, 3, 6] and window_starts(11, 4, 3) == [0, 3, 6, 7]
    with pytest.raises(ValueError, match="stride <= window"):
        window_starts(17, 5, 7)


def test_items_stay_inside_videos_and_pad_short_ones():
    feats = np.arange(9 * 2, dtype=np.float32).reshape(9, 2)
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 7, 1])
    vids = np.array(["a"] * 6 + ["b"] * 3)
    ds = FeatureWindows(feats, labels, vids, window=4, stride=2)
    assert [r for r in ds.rows] == [(0, 6), (2, 6), (6, 9)]
    item = ds[1]
    assert item["expression"].tolist() == [2, 3, 4, 5] and not item["padding"].any()
    short = ds[2]
    assert short["expression"].tolist() == [6, 7, 1, -1] and short["padding"].tolist() == [False] * 3 + [True]
    assert torch.equal(short["features"][3], torch.zeros(2)) and torch.equal(short["features"][0], torch.tensor([12.0, 13.0]))
    assert video_ranges(vids) == [(0, 6), (6, 9)]
    with pytest.raises(ValueError, match="not contiguous"):
        video_ranges(np.array(["a", "b", "a"]))
