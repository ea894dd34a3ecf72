"""PyTorch datasets over a rendered video set: raw uint8 frames/clips and their labels.

No random augmentation happens here (augmentations run batched on the device, see ``augment/``).
Works on any object with the ``SynthVideos`` fields (frames [n, T, H, W, 3] uint8 and per-frame /
per-clip label arrays), so a real-format loader that produces the same fields plugs in too.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

_FRAME_FLOAT = ("valence", "arousal", "intensity", "blink")


def _image(frame: np.ndarray) -> torch.Tensor:
    """uint8 [H, W, 3] -> uint8 tensor [3, H, W]."""
    return torch.from_numpy(np.ascontiguousarray(np.asarray(frame).transpose(2, 0, 1)))


class FrameDataset(Dataset):
    """Single frames of the clips of one split.

    frame_step: keep every ``frame_step``-th frame of each clip (neighbouring frames are near copies).
    Item: dict(image uint8 [3, H, W], expression int64, valence, arousal, intensity, blink float32,
    identity int64, landmarks float32 [68, 2], gaze [2], pose [3], clip int64, t int64).
    """

    def __init__(self, videos, split: str = "train", frame_step: int = 1):
        if frame_step < 1:
            raise ValueError(f"frame_step must be >= 1, got {frame_step}")
        self.videos = videos
        clips = videos.clips(split)
        ts = np.arange(0, videos.frames.shape[1], frame_step)
        self.index = np.stack(np.meshgrid(clips, ts, indexing="ij"), -1).reshape(-1, 2)  # [N, 2] (clip, t)
        self.classes = tuple(videos.classes)

    def __len__(self) -> int:
        return len(self.index)

    @property
    def targets(self) -> np.ndarray:
        """Expression label per item, int64 [N] (for samplers)."""
        return self.videos.expression[self.index[:, 0], self.index[:, 1]]

    def __getitem__(self, i: int) -> dict:
        c, t = (int(x) for x in self.index[i])
        v = self.videos
        item = {"image": _image(v.frames[c, t]), "expression": torch.tensor(int(v.expression[c, t])),
                "identity": torch.tensor(int(v.identity[c])), "clip": torch.tensor(c), "t": torch.tensor(t),
                "landmarks": torch.from_numpy(np.array(v.landmarks[c, t], np.float32)),
                "gaze": torch.from_numpy(np.array(v.gaze[c, t], np.float32)),
                "pose": torch.from_numpy(np.array(v.pose[c, t], np.float32))}
        for name in _FRAME_FLOAT:
            item[name] = torch.tensor(float(getattr(v, name)[c, t]), dtype=torch.float32)
        return item


def window_indices(n_frames: int, num_frames: int, stride: int, start: int) -> np.ndarray:
    """Frame indices [num_frames] = start + stride * k, past the clip's end repeated as its last frame."""
    idx = start + stride * np.arange(num_frames)
    return np.minimum(idx, n_frames - 1)


class ClipDataset(Dataset):
    """Fixed-length clips (``num_frames`` frames ``stride`` apart) for video models.

    window_step: None -> one window per clip, centred (a clip shorter than the window is padded with its
    last frame, as MAE-DFER does); an int -> every window starting at 0, window_step, 2*window_step, ...
    that fits inside the clip (at least one per clip).
    Item: dict(video uint8 [T, 3, H, W], label int64 (clip_label), expression int64 [T], valence, arousal,
    intensity float32 [T], landmarks [T, 68, 2], gaze [T, 2], pose [T, 3], identity, clip, t int64 [T]).
    """

    def __init__(self, videos, split: str = "train", num_frames: int = 16, stride: int = 1,
                 window_step: int | None = None):
        if num_frames < 1 or stride < 1:
            raise ValueError(f"num_frames and stride must be >= 1, got {num_frames}, {stride}")
        self.videos, self.num_frames, self.stride = videos, num_frames, stride
        n = videos.frames.shape[1]
        span = (num_frames - 1) * stride + 1
        if window_step is None:
            starts = [max(0, (n - span) // 2)]
        else:
            if window_step < 1:
                raise ValueError(f"window_step must be >= 1 or None, got {window_step}")
            starts = list(range(0, max(n - span, 0) + 1, window_step))
        self.index = np.array([(c, s) for c in videos.clips(split) for s in starts], dtype=np.int64).reshape(-1, 2)
        self.classes = tuple(videos.classes)

    def __len__(self) -> int:
        return len(self.index)

    @property
    def targets(self) -> np.ndarray:
        return self.videos.clip_label[self.index[:, 0]]

    def __getitem__(self, i: int) -> dict:
        c, s = (int(x) for x in self.index[i])
        v = self.videos
        ts = window_indices(v.frames.shape[1], self.num_frames, self.stride, s)
        video = np.asarray(v.frames[c][ts]).transpose(0, 3, 1, 2)           # [T, 3, H, W]
        item = {"video": torch.from_numpy(np.ascontiguousarray(video)),
                "label": torch.tensor(int(v.clip_label[c])),
                "expression": torch.from_numpy(np.asarray(v.expression[c, ts], np.int64)),
                "identity": torch.tensor(int(v.identity[c])), "clip": torch.tensor(c),
                "t": torch.from_numpy(ts.astype(np.int64)),
                "landmarks": torch.from_numpy(np.asarray(v.landmarks[c, ts], np.float32)),
                "gaze": torch.from_numpy(np.asarray(v.gaze[c, ts], np.float32)),
                "pose": torch.from_numpy(np.asarray(v.pose[c, ts], np.float32))}
        for name in ("valence", "arousal", "intensity"):
            item[name] = torch.from_numpy(np.asarray(getattr(v, name)[c, ts], np.float32))
        return item
