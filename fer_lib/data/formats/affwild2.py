"""Aff-Wild2 EXPR annotations (ABAW expression challenge) and their cropped-aligned frames.

Published layout (confirmed by ClaudiaShu/SSL-FER ``create_ABAW_data.py``, methods.md section 4.2)::

    <annotation_dir>/<video>.txt          e.g. EXPR_Classification_Challenge/Train_Set/1-30-1280x720.txt
        Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other      <- header line (class order)
        0                                                                 <- frame 1
        -1                                                                <- frame 2: invalid, dropped
        ...
    <frames_root>/<video>/00001.jpg, 00002.jpg, ...                      (cropped_aligned/<video>/%05d.jpg)

Line k after the header is frame k (1-indexed). Labels are 0..7 in the header's order
(= ``fer_lib.data.labels.AFFWILD2_8``); -1 marks an invalid frame and is dropped (counted, not hidden).
Aff-Wild2 has no cropped face for some annotated frames; a missing frame file is an error unless
``skip_missing_frames=True``, and then the number skipped is returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from fer_lib.data.images import CorruptSkips, first_readable, read_rgb
from fer_lib.data.labels import AFFWILD2_8
from fer_lib.data.text import read_lines

EXPR_HEADER = ("Neutral", "Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise", "Other")
INVALID = -1


@dataclass(frozen=True)
class ExprVideo:
    """One annotation file: valid frames only. frames: int64 [N] 1-indexed frame numbers; labels: int64 [N]."""

    video: str
    frames: np.ndarray
    labels: np.ndarray
    n_invalid: int


def read_expr_file(path: str | Path) -> ExprVideo:
    """Parse one EXPR ``<video>.txt``; errors name the file and line."""
    path = Path(path)
    lines = read_lines(path)
    if not lines:
        raise ValueError(f"{path}:1: empty file, expected the header {','.join(EXPR_HEADER)}")
    header = tuple(name.strip() for name in lines[0].strip().split(","))
    if header != EXPR_HEADER:
        raise ValueError(f"{path}:1: header {lines[0]!r} is not the EXPR header {','.join(EXPR_HEADER)}")
    frames, labels, n_invalid = [], [], 0
    for lineno, line in enumerate(lines[1:], start=2):
        text = line.strip()
        if not text:
            if all(not rest.strip() for rest in lines[lineno - 1:]):
                break  # trailing blank lines
            raise ValueError(f"{path}:{lineno}: blank line inside the label list")
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{path}:{lineno}: {text!r} is not an integer label") from None
        if value == INVALID:
            n_invalid += 1
            continue
        if not 0 <= value < len(EXPR_HEADER):
            raise ValueError(f"{path}:{lineno}: label {value} outside -1..{len(EXPR_HEADER) - 1}")
        frames.append(lineno - 1)
        labels.append(value)
    return ExprVideo(path.stem, np.asarray(frames, dtype=np.int64), np.asarray(labels, dtype=np.int64), n_invalid)


def frame_path(frames_root: str | Path, video: str, frame: int) -> Path:
    """``<frames_root>/<video>/%05d.jpg`` for a 1-indexed frame number."""
    return Path(frames_root) / video / f"{frame:05d}.jpg"


@dataclass(frozen=True)
class ExprIndex:
    """All valid frames of a split. paths: [N] str; labels, frames: int64 [N]; videos: [N] str."""

    paths: np.ndarray
    labels: np.ndarray
    videos: np.ndarray
    frames: np.ndarray
    n_invalid: int
    n_missing: int
    classes: tuple[str, ...] = AFFWILD2_8


def load_expr_split(annotation_dir: str | Path, frames_root: str | Path,
                    skip_missing_frames: bool = False) -> ExprIndex:
    """Index every ``*.txt`` in ``annotation_dir`` (sorted by video name) against ``frames_root``."""
    annotation_dir, frames_root = Path(annotation_dir), Path(frames_root)
    files = sorted(p for p in annotation_dir.glob("*.txt") if not p.name.startswith("."))  # not macOS ._ files
    if not files:
        raise FileNotFoundError(f"{annotation_dir}: no EXPR annotation files (*.txt)")
    paths, labels, videos, frames = [], [], [], []
    n_invalid = n_missing = 0
    for file in files:
        ann = read_expr_file(file)
        n_invalid += ann.n_invalid
        for frame, label in zip(ann.frames.tolist(), ann.labels.tolist()):
            image = frame_path(frames_root, ann.video, frame)
            if not image.exists():
                if not skip_missing_frames:
                    raise FileNotFoundError(f"{file}:{frame + 1}: frame image {image} does not exist "
                                            "(pass skip_missing_frames=True to skip such frames)")
                n_missing += 1
                continue
            paths.append(str(image)); labels.append(label); videos.append(ann.video); frames.append(frame)
    return ExprIndex(np.asarray(paths), np.asarray(labels, dtype=np.int64), np.asarray(videos),
                     np.asarray(frames, dtype=np.int64), n_invalid, n_missing)


class ExprFrames(torch.utils.data.Dataset):
    """Frames of an :class:`ExprIndex`: dict(image uint8 [3, S, S], expression, video, frame).

    A truncated or corrupt frame is an error naming it; with ``skip_corrupt=True`` the next readable frame
    is returned instead and the skip counted in ``skips.count``.
    """

    def __init__(self, index: ExprIndex, size: int = 112, skip_corrupt: bool = False):
        self.index, self.size = index, size
        self.skips = CorruptSkips() if skip_corrupt else None

    def __len__(self) -> int:
        return len(self.index.labels)

    def __getitem__(self, i: int) -> dict:
        return first_readable(i, len(self.index.labels), self.read_item, self.skips)

    def read_item(self, i: int) -> dict:
        image = read_rgb(self.index.paths[i], self.size)
        return {"image": torch.from_numpy(image).permute(2, 0, 1).contiguous(),
                "expression": int(self.index.labels[i]), "video": str(self.index.videos[i]),
                "frame": int(self.index.frames[i])}
