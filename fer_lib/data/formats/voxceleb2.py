"""VoxCeleb2-style pretraining list for MAE-DFER: one ``<video path> 0`` line per mp4 (the label is a dummy
0), clips decoded with PyAV (torchvision 0.29 has no video reader).

Clip sampling is the frame-folder loader's (:func:`fer_lib.data.formats.frame_folder.sample_indices`):
``num_frames`` indices by linspace over a ``num_frames·stride`` window; shorter videos: linspace over the
whole video, then padding with the last frame (the paper's rule). Frames are *counted by decoding*
(container frame counts can be wrong), and checked against the declared length (a truncated file is an
error). An unreadable or empty video is an error naming the file and the list line, never a silently skipped clip.

crop_box: (top, bottom, left, right) pixel box taken before resizing. The authors' code crops rows
0:160 and columns 32:192 of VoxCeleb2's 224×224 videos for 160-pixel input; the default None keeps
the whole frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from fer_lib.data.formats.frame_folder import EpochSeeded, read_path_label_lines, sample_indices
from fer_lib.data.videos import VideoDecode


@dataclass(frozen=True)
class VideoEntry:
    path: Path
    label: int
    source: str  # "<list>:<line>"


def read_video_list(list_path: str | Path, root: str | Path | None = None, check_files: bool = True) -> list[VideoEntry]:
    """Parse ``<video path> <label>`` lines (space-separated, no header); relative paths are under ``root``
    (default: the list's folder). Raises naming file and line for a malformed line or a missing video."""
    root = Path(root) if root is not None else Path(list_path).parent
    entries = []
    for where, path_text, label in read_path_label_lines(list_path, "video path"):
        path = Path(path_text) if Path(path_text).is_absolute() else root / path_text
        if check_files and not path.is_file():
            raise FileNotFoundError(f"{where}: video {path} does not exist")
        entries.append(VideoEntry(path, label, where))
    return entries


def write_video_list(videos: list[str | Path], list_path: str | Path, root: str | Path | None = None) -> Path:
    """Write ``<path> 0`` lines (paths relative to ``root`` when given), the pretraining list format."""
    root = Path(root) if root is not None else None
    lines = [f"{(Path(v).relative_to(root) if root else Path(v)).as_posix()} 0" for v in videos]
    Path(list_path).write_text("\n".join(lines) + "\n")
    return Path(list_path)


def decode_frames(path: str | Path, source: str = "") -> list[np.ndarray]:
    """All frames of a video as RGB uint8 [H, W, 3], decoded strictly (:class:`fer_lib.data.videos.VideoDecode`):
    an unreadable, frameless or truncated file is a VideoReadError (an OSError) naming it and ``source``."""
    return list(VideoDecode(path, source))


def read_clip(path: str | Path, num_frames: int = 16, stride: int = 4, size: int | None = 160,
              crop_box: tuple[int, int, int, int] | None = None, rng: np.random.Generator | None = None,
              source: str = "") -> np.ndarray:
    """A clip uint8 [T, H, W, 3] (T = num_frames) sampled from the decoded frames, optionally cropped to
    ``crop_box`` and resized to size × size."""
    frames = decode_frames(path, source)
    picks = sample_indices(len(frames), num_frames, stride, rng)
    out = []
    for i in picks:
        frame = frames[i]
        if crop_box is not None:
            top, bottom, left, right = crop_box
            if bottom > frame.shape[0] or right > frame.shape[1]:
                raise ValueError(f"{source or path}: crop box {crop_box} exceeds the {frame.shape[:2]} frame")
            frame = frame[top:bottom, left:right]
        if size is not None and frame.shape[:2] != (size, size):
            frame = cv2.resize(frame, (size, size), interpolation=cv2.INTER_AREA)
        out.append(frame)
    return np.stack(out)


class VideoListClips(EpochSeeded):
    """Map-style dataset over a pretraining list -> dict(video uint8 [T, 3, H, W], label, path).

    With ``seed`` the temporal window is drawn per (epoch, index) (``set_epoch`` between epochs);
    without, the middle window is used."""

    def __init__(self, list_path: str | Path, root: str | Path | None = None, num_frames: int = 16,
                 stride: int = 4, size: int | None = 160, crop_box: tuple[int, int, int, int] | None = None,
                 seed: int | None = None):
        self.entries = read_video_list(list_path, root)
        self.num_frames, self.stride, self.size, self.crop_box, self.seed = num_frames, stride, size, crop_box, seed

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> dict:
        import torch

        entry = self.entries[index]
        clip = read_clip(entry.path, self.num_frames, self.stride, self.size, self.crop_box, self.item_rng(index),
                         entry.source)
        return {"video": torch.from_numpy(clip).permute(0, 3, 1, 2).contiguous(), "label": entry.label,
                "path": str(entry.path)}
