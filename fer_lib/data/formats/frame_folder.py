"""Frame folders + an annotation CSV: the layout of DFEW, FERV39k and MAFW as MAE-DFER reads them.

The annotation file is space-separated with no header, one clip per line::

    <frame_dir> <label>

``frame_dir`` is relative to ``root`` (or absolute); it holds the clip's frames as image files
(``00001.jpg`` ...). Frames are ordered by their *names* in natural order (``2.jpg`` before
``10.jpg``), never in the file system's (``glob``) order. ``label`` is an integer index into the
dataset's class order (``fer_lib.data.labels``); ``label_offset`` handles 1-based release files.
Every problem names the file and line it comes from; frames are listed and decoded strictly by
:mod:`fer_lib.data.images` (hidden files skipped, a corrupt frame an error unless ``skip_corrupt``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fer_lib.data.images import CorruptSkips, first_readable, list_frames, read_rgb
from fer_lib.data.text import read_lines


@dataclass(frozen=True)
class ClipEntry:
    """One annotated clip: its frame folder, label index, and where it was declared."""

    frame_dir: Path
    label: int
    source: str  # "<csv>:<line>"


def read_path_label_lines(list_path: str | Path, what: str) -> list[tuple[str, str, int]]:
    """Parse a space-separated ``<path> <label>`` file without header into ``(where, path, label)``.

    ``where`` is ``"<file>:<line>"`` for error messages; ``what`` names the path column in them
    (e.g. "frame_dir", "video path"). Blank lines are skipped; an empty list is an error.
    """
    list_path = Path(list_path)
    if not list_path.exists():
        raise FileNotFoundError(f"list file {list_path} does not exist")
    rows = []
    for number, line in enumerate(read_lines(list_path), 1):
        if not line.strip():
            continue
        where = f"{list_path}:{number}"
        parts = line.split()
        if len(parts) != 2:
            raise ValueError(f"{where}: expected '<{what}> <label>', got {line!r}")
        try:
            rows.append((where, parts[0], int(parts[1])))
        except ValueError:
            raise ValueError(f"{where}: label {parts[1]!r} is not an integer") from None
    if not rows:
        raise ValueError(f"{list_path}: no entries listed")
    return rows


def read_annotations(csv_path: str | Path, classes: tuple[str, ...], root: str | Path | None = None,
                     label_offset: int = 0, check_folders: bool = True) -> list[ClipEntry]:
    """Parse ``<frame_dir> <label>`` lines; raise naming the file and line for any bad one.

    label_offset: subtracted from each label (1 for the 1-based DFEW release files).
    """
    root = Path(root) if root is not None else Path(csv_path).parent
    entries = []
    for where, path_text, raw_label in read_path_label_lines(csv_path, "frame_dir"):
        label = raw_label - label_offset
        if not 0 <= label < len(classes):
            raise ValueError(f"{where}: label {raw_label} is outside the {len(classes)} classes {classes}"
                             f" (label_offset={label_offset})")
        frame_dir = Path(path_text) if Path(path_text).is_absolute() else root / path_text
        if check_folders and not frame_dir.is_dir():
            raise FileNotFoundError(f"{where}: frame folder {frame_dir} does not exist")
        entries.append(ClipEntry(frame_dir, label, where))
    return entries


def sample_indices(n_frames: int, num_frames: int, stride: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """MAE-DFER's clip sampling: ``num_frames`` indices by linspace over a ``num_frames*stride`` window.

    The window starts at random with ``rng`` (training) or in the middle without (testing). A clip
    shorter than the window is covered by linspace over the whole clip; a clip shorter than
    ``num_frames`` repeats its last frame (the paper's padding rule). Returns int64 [num_frames].
    """
    if n_frames < 1:
        raise ValueError("a clip needs at least one frame")
    window = num_frames * stride
    if n_frames >= window:
        start = int(rng.integers(0, n_frames - window + 1)) if rng is not None else (n_frames - window) // 2
        return np.linspace(start, start + window - 1, num_frames).round().astype(np.int64)
    if n_frames >= num_frames:
        return np.linspace(0, n_frames - 1, num_frames).round().astype(np.int64)
    return np.concatenate([np.arange(n_frames), np.full(num_frames - n_frames, n_frames - 1)]).astype(np.int64)


class EpochSeeded:
    """Per-(epoch, index) random draws of a map-style dataset: epochs differ, runs repeat.

    ``seed = None`` means no randomness (``item_rng`` returns None); call ``set_epoch`` between epochs.
    """

    seed: int | None = None
    epoch: int = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def item_rng(self, index: int) -> np.random.Generator | None:
        return None if self.seed is None else np.random.default_rng([self.seed, self.epoch, index])


def stack_frames(frames: list[np.ndarray], source: str) -> np.ndarray:
    """Frames uint8 [H, W, 3] of one clip -> [T, H, W, 3]; frames of different sizes are an error naming
    ``source`` and the sizes found (pass a ``size`` to resize them)."""
    shapes = sorted({f.shape[:2] for f in frames})
    if len(shapes) > 1:
        raise ValueError(f"{source}: frames of different sizes {[f'{w}x{h}' for h, w in shapes]} in one clip; "
                         "pass size=... to resize every frame")
    return np.stack(frames)


class FrameFolderClips(EpochSeeded):
    """A map-style dataset over annotated frame folders -> dict(video uint8 [T, 3, H, W], label, path).

    No random augmentation here: with ``seed`` set, the temporal window is drawn per (epoch, index)
    so epochs differ yet runs repeat; call ``set_epoch`` between epochs. ``size=None`` keeps the stored
    size (frames of one clip must then agree). A corrupt frame is an error naming it; with
    ``skip_corrupt=True`` the clip is replaced by the next readable one and counted in ``skips.count``.
    """

    def __init__(self, csv_path: str | Path, classes: tuple[str, ...], root: str | Path | None = None,
                 num_frames: int = 16, stride: int = 4, size: int | None = 160, label_offset: int = 0,
                 seed: int | None = None, skip_corrupt: bool = False):
        self.entries = read_annotations(csv_path, classes, root, label_offset)
        self.classes, self.num_frames, self.stride, self.size, self.seed = classes, num_frames, stride, size, seed
        self.skips = CorruptSkips() if skip_corrupt else None

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> dict:
        return first_readable(index, len(self.entries), self.read_item, self.skips)

    def read_item(self, index: int) -> dict:
        import torch

        entry = self.entries[index]
        frames = list_frames(entry.frame_dir, entry.source)
        picks = sample_indices(len(frames), self.num_frames, self.stride, self.item_rng(index))
        video = stack_frames([read_rgb(frames[i], self.size, entry.source) for i in picks],
                             f"{entry.source}: {entry.frame_dir}")  # [T, H, W, 3]
        return {"video": torch.from_numpy(video).permute(0, 3, 1, 2).contiguous(), "label": entry.label,
                "path": str(entry.frame_dir)}
