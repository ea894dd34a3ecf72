"""Fixed-length windows of per-frame features for the temporal phase (ABAW6 section 3.4).

Frames of each video are cut into windows of ``window`` consecutive frames starting every ``stride``
frames; the last window of a video is aligned to its end so that every frame is covered; a video shorter
than the window gives one window, padded (features 0, label -1, ``padding`` True).
"""

from __future__ import annotations

import numpy as np
import torch


def window_starts(n_frames: int, window: int, stride: int) -> list[int]:
    """Start frames of the windows of one video of ``n_frames`` (covering every frame)."""
    if window < 1 or not 1 <= stride <= window:
        raise ValueError(f"need window >= 1 and 1 <= stride <= window (no frame left out), got window={window}, "
                         f"stride={stride}")
    if n_frames <= window:
        return [0]
    starts = list(range(0, n_frames - window + 1, stride))
    if starts[-1] != n_frames - window:
        starts.append(n_frames - window)
    return starts


def video_ranges(video_ids: np.ndarray) -> list[tuple[int, int]]:
    """[lo, hi) row ranges of each video in ``video_ids`` [N] (frames of a video contiguous, in order)."""
    video_ids = np.asarray(video_ids)
    cuts = np.flatnonzero(video_ids[1:] != video_ids[:-1]) + 1
    ranges = list(zip(np.r_[0, cuts].tolist(), np.r_[cuts, video_ids.size].tolist()))
    seen = [video_ids[lo].item() for lo, _ in ranges]
    if len(set(seen)) != len(seen):
        raise ValueError("frames of some video are not contiguous in video_ids")
    return ranges


class FeatureWindows(torch.utils.data.Dataset):
    """features [N, D] float, labels [N] int (-1 = unlabelled frame), video_ids [N] ->
    items dict(features [T, D], expression [T], padding [T] bool, start (row of the first frame))."""

    def __init__(self, features: np.ndarray | torch.Tensor, labels: np.ndarray, video_ids: np.ndarray,
                 window: int, stride: int):
        self.features = torch.as_tensor(np.asarray(features), dtype=torch.float32)
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.int64)
        if self.features.ndim != 2 or self.labels.shape != self.features.shape[:1]:
            raise ValueError(f"features must be [N, D] and labels [N]; got {tuple(self.features.shape)} "
                             f"and {tuple(self.labels.shape)}")
        self.window = window
        self.rows = [(lo + s, hi) for lo, hi in video_ranges(video_ids)
                     for s in window_starts(hi - lo, window, stride)]

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict:
        start, video_end = self.rows[i]
        stop = min(start + self.window, video_end)
        n = stop - start
        feats = torch.zeros(self.window, self.features.shape[1])
        labels = torch.full((self.window,), -1, dtype=torch.int64)
        feats[:n], labels[:n] = self.features[start:stop], self.labels[start:stop]
        padding = torch.arange(self.window) >= n
        return {"features": feats, "expression": labels, "padding": padding, "start": start}
