"""CK+-style frame selection from posed sequences: the first frame (neutral) and the last frames (apex).

CK+ papers evaluate on the last (apex) frames of each posed neutral -> apex sequence, and use the first
frame as "neutral"; a frame set built this way from the synthetic ``lab`` domain is the book's CK+ analogue.
"""

from __future__ import annotations

import numpy as np
from torch.utils.data import ConcatDataset, Dataset, Subset

from fer_lib.data.datasets import FrameDataset


def ck_style_frames(videos, splits: tuple[str, ...] = ("train", "val", "test"), apex_frames: int = 3,
                    first_frame: bool = True) -> Dataset:
    """FrameDataset items of ``videos`` restricted to t = 0 (if ``first_frame``) and the last ``apex_frames`` frames.

    splits: which identity splits to take (all by default: a cross-dataset target is tested whole, its linear
    layer is trained on another set). Returns a Dataset with ``classes`` and ``targets`` [N] like FrameDataset.
    """
    n_frames = videos.frames.shape[1]
    if not 1 <= apex_frames < n_frames:
        raise ValueError(f"apex_frames must be in 1..{n_frames - 1} for clips of {n_frames} frames, got {apex_frames}")
    parts, targets = [], []
    for split in splits:
        frames = FrameDataset(videos, split)
        t = frames.index[:, 1]
        keep = np.flatnonzero((t >= n_frames - apex_frames) | ((t == 0) & first_frame))
        parts.append(Subset(frames, keep.tolist()))
        targets.append(frames.targets[keep])
    out = ConcatDataset(parts)
    out.classes = tuple(videos.classes)
    out.targets = np.concatenate(targets)
    return out
