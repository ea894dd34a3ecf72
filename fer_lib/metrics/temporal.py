"""Sliding-window majority vote over per-frame predicted labels (ABAW6 post-process, section 3.5).

Windows of ``window`` frames start at frames 0, stride, 2*stride, ... (the last one clipped at the end of
the video). Each window's majority label (ties -> the smallest class index, ``np.argmax`` of the counts) is
assigned to all its frames, windows applied in order, so where windows overlap (stride < window) a frame
keeps the label of the *last* window that covers it. Frames no window covers (only when stride > window)
keep their own prediction. stride = window gives non-overlapping blocks. The paper gives neither window nor
stride: both are arguments.
"""

from __future__ import annotations

import numpy as np


def window_vote(labels: np.ndarray, window: int, stride: int, num_classes: int) -> np.ndarray:
    """Smoothed labels [T] from per-frame labels [T] (int in 0..K-1) of one video; vectorised."""
    labels = np.asarray(labels, dtype=np.int64)
    if labels.ndim != 1:
        raise ValueError(f"window_vote takes one video's labels [T], got shape {labels.shape}")
    if window < 1 or stride < 1:
        raise ValueError(f"window ({window}) and stride ({stride}) must be >= 1")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels outside 0..{num_classes - 1}")
    t = labels.size
    if t == 0:
        return labels.copy()
    onehot = np.zeros((t + 1, num_classes), dtype=np.int64)
    onehot[np.arange(1, t + 1), labels] = 1
    cum = onehot.cumsum(axis=0)  # [T+1, K]: counts of each class in frames < index
    starts = np.arange(0, t, stride)  # [W]
    ends = np.minimum(starts + window, t)
    majority = (cum[ends] - cum[starts]).argmax(axis=1)  # [W]
    frame = np.arange(t)
    last = frame // stride  # index of the last window starting at or before each frame
    covered = starts[last] + window > frame
    return np.where(covered, majority[last], labels)


def window_vote_videos(labels: np.ndarray, video_ids: np.ndarray, window: int, stride: int,
                       num_classes: int) -> np.ndarray:
    """The vote applied per video: labels [N] and video_ids [N] (frames of a video contiguous and in order)."""
    labels, video_ids = np.asarray(labels), np.asarray(video_ids)
    if labels.shape != video_ids.shape:
        raise ValueError(f"labels {labels.shape} and video_ids {video_ids.shape} differ in shape")
    out = np.empty_like(labels, dtype=np.int64)
    boundaries = np.flatnonzero(video_ids[1:] != video_ids[:-1]) + 1
    seen = set()
    for lo, hi in zip(np.r_[0, boundaries], np.r_[boundaries, labels.size]):
        vid = video_ids[lo].item()
        if vid in seen:
            raise ValueError(f"frames of video {vid!r} are not contiguous")
        seen.add(vid)
        out[lo:hi] = window_vote(labels[lo:hi], window, stride, num_classes)
    return out
