"""Sliding-window majority vote over per-frame predicted labels (ABAW6 post-process, section 3.5).

The paper assigns "the majority label of the window to its frames" and gives neither window nor stride:
both are arguments, and so is where a frame sits in its window (``align``). Majority ties go to the
smallest class index (``np.argmax`` of the counts). Windows never cross a video's edges: they are
truncated there.

``align="centre"`` (default): window centres at frames 0, stride, 2*stride, ... (<= T-1); a frame takes the
majority of the window centred on the nearest centre (ties -> the earlier one), which spans
``(window-1)//2`` frames before its centre and ``window//2`` after (an even window reaches one frame further
forward). With stride 1 each frame gets the majority of the window centred on itself, so a label change
stays where it was. A frame outside its nearest window (only when stride > window) keeps its label.

``align="start"``: windows *start* at frames 0, stride, 2*stride, ...; each window's majority is assigned to
all its frames, windows applied in order, so a frame keeps the label of the last window that covers it.
With stride 1 that is the majority of the window starting at the frame: it looks forward only and moves
every label change up to ``window - 1`` frames early. stride = window gives non-overlapping blocks.
Frames no window covers (stride > window) keep their label.
"""

from __future__ import annotations

import numpy as np

ALIGNS = ("centre", "start")


def window_vote(labels: np.ndarray, window: int, stride: int, num_classes: int, align: str = "centre") -> np.ndarray:
    """Smoothed labels [T] from per-frame labels [T] (int in 0..K-1) of one video; vectorised."""
    labels = np.asarray(labels, dtype=np.int64)
    if labels.ndim != 1:
        raise ValueError(f"window_vote takes one video's labels [T], got shape {labels.shape}")
    if window < 1 or stride < 1:
        raise ValueError(f"window ({window}) and stride ({stride}) must be >= 1")
    if align not in ALIGNS:
        raise ValueError(f"align must be one of {ALIGNS}, got {align!r}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels outside 0..{num_classes - 1}")
    t = labels.size
    if t == 0:
        return labels.copy()
    onehot = np.zeros((t + 1, num_classes), dtype=np.int64)
    onehot[np.arange(1, t + 1), labels] = 1
    cum = onehot.cumsum(axis=0)  # [T+1, K]: counts of each class in frames < index
    frame = np.arange(t)
    if align == "start":
        starts = np.arange(0, t, stride)  # [W]
        mine = frame // stride  # index of the last window starting at or before each frame
    else:
        centres = np.arange(0, t, stride)  # [W]
        mine = np.minimum((frame + (stride - 1) // 2) // stride, centres.size - 1)  # nearest centre, ties earlier
        starts = centres - (window - 1) // 2
    lo = np.clip(starts, 0, t)  # [W] windows truncated at the video's edges
    hi = np.clip(starts + window, 0, t)
    majority = (cum[hi] - cum[lo]).argmax(axis=1)  # [W]
    covered = (lo[mine] <= frame) & (frame < hi[mine])
    return np.where(covered, majority[mine], labels)


def window_vote_videos(labels: np.ndarray, video_ids: np.ndarray, window: int, stride: int,
                       num_classes: int, align: str = "centre") -> np.ndarray:
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
        out[lo:hi] = window_vote(labels[lo:hi], window, stride, num_classes, align)
    return out
