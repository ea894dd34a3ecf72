"""VoxCeleb1 face-track frames as the SSL-FER pretraining code reads them, and time tuples over them.

Layout: ``<root>/<identity>/<video>/<clip>/*.jpg`` (the ``unzippedIntervalFaces/data/<celeb>/1.6/...``
release, frames every 6th of 25 fps). Index file (the authors' ``vox1_frames.txt``), no header, one
clip per line::

    idx,<path>,start_frame,end_frame,n_frames

``path`` is relative to ``root``; the authors' paths carry a ``faces/wav/`` or ``faces/test_wav/`` prefix
that :func:`read_vox_index` strips (``strip_prefixes``). ``start_frame = 0``, ``end_frame = n_frames - 1``
and the folder must hold exactly ``n_frames`` images. Frames are sorted by *name* (natural order): the
authors indexed an unsorted ``glob`` list by temporal offset. Every bad line is an error naming file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from fer_lib.data.images import CorruptSkips, first_readable, list_frames, read_rgb
from fer_lib.data.text import read_lines
from fer_lib.data.tuples import PAPER_OFFSETS, PAPER_WEIGHTS, sample_time_tuples

AUTHOR_PREFIXES = ("faces/wav/", "faces/test_wav/")


@dataclass(frozen=True)
class VoxClip:
    folder: Path
    identity: str          # first path component, e.g. "id10001"
    frames: tuple[Path, ...]
    source: str            # "<index>:<line>"


def read_vox_index(index_path: str | Path, root: str | Path, strip_prefixes=AUTHOR_PREFIXES) -> list[VoxClip]:
    """Parse the index; check each clip folder and its frame count."""
    index_path, root = Path(index_path), Path(root)
    if not index_path.exists():
        raise FileNotFoundError(f"VoxCeleb index {index_path} does not exist")
    clips = []
    for number, line in enumerate(read_lines(index_path), 1):
        if not line.strip():
            continue
        where = f"{index_path}:{number}"
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 5:
            raise ValueError(f"{where}: expected 'idx,path,start_frame,end_frame,n_frames', got {line!r}")
        try:
            _, start, end, n = int(parts[0]), int(parts[2]), int(parts[3]), int(parts[4])
        except ValueError:
            raise ValueError(f"{where}: idx, start_frame, end_frame and n_frames must be integers: {line!r}") from None
        if start != 0 or end != n - 1 or n < 1:
            raise ValueError(f"{where}: frames {start}..{end} do not match n_frames={n} (expected 0..n-1)")
        rel = parts[1]
        for prefix in strip_prefixes:
            if rel.startswith(prefix):
                rel = rel[len(prefix):]
                break
        folder = root / rel
        if not folder.is_dir():
            raise FileNotFoundError(f"{where}: clip folder {folder} does not exist")
        frames = tuple(list_frames(folder, where))
        if len(frames) != n:
            raise ValueError(f"{where}: {folder} holds {len(frames)} images, the index says n_frames={n}")
        clips.append(VoxClip(folder, Path(rel).parts[0], frames, where))
    if not clips:
        raise ValueError(f"{index_path}: no clips listed")
    return clips


def clip_identities(clips: list[VoxClip]) -> np.ndarray:
    """int64 [n] identity index of each clip (sorted identity names)."""
    names = sorted({c.identity for c in clips})
    return np.array([names.index(c.identity) for c in clips], dtype=np.int64)


class VoxTupleDataset(Dataset):
    """TimeAug (+HardNeg) tuples over VoxCeleb clips, redrawn per epoch from (seed, epoch).

    Item (the format of ``fer_lib.data.tuples.TimeTupleDataset``): dict(images uint8 [K, 3, H, W],
    t int64 [K], clip int64, identity int64); K = 2 or 4 (with ``hard_negative_gap``). No expression
    labels: VoxCeleb has none. clips: :func:`read_vox_index`'s list (:meth:`from_index` reads it);
    per_clip: tuples per clip and epoch; fixed_tuples: every epoch reuses epoch 0's (the authors' code).
    skip_corrupt: a tuple with a truncated or corrupt frame is replaced by the next one and counted in
    ``skips.count`` (default: an error naming the frame).
    """

    def __init__(self, clips: list[VoxClip], size: int = 112, offsets=PAPER_OFFSETS, weights=PAPER_WEIGHTS,
                 hard_negative_gap: int | None = None, per_clip: int = 1, seed: int = 0, fixed_tuples: bool = False,
                 skip_corrupt: bool = False):
        self.clips = clips
        self.skips = CorruptSkips() if skip_corrupt else None
        self.identity = clip_identities(clips)
        self.lengths = np.array([len(c.frames) for c in self.clips], dtype=np.int64)
        self.size, self.seed, self.fixed_tuples = size, seed, fixed_tuples
        self.kw = dict(offsets=offsets, weights=weights, hard_negative_gap=hard_negative_gap, per_clip=per_clip)
        self.set_epoch(0)

    @classmethod
    def from_index(cls, index_path: str | Path, root: str | Path, **kwargs) -> "VoxTupleDataset":
        return cls(read_vox_index(index_path, root), **kwargs)

    def set_epoch(self, epoch: int) -> None:
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 0 if self.fixed_tuples else epoch]))
        self.clip_of, self.t = sample_time_tuples(self.lengths, rng, **self.kw)

    def __len__(self) -> int:
        return len(self.clip_of)

    def __getitem__(self, i: int) -> dict:
        return first_readable(i, len(self.clip_of), self.read_item, self.skips)

    def read_item(self, i: int) -> dict:
        c, ts = int(self.clip_of[i]), self.t[i]
        images = np.stack([read_rgb(self.clips[c].frames[t], self.size) for t in ts]).transpose(0, 3, 1, 2)
        return {"images": torch.from_numpy(np.ascontiguousarray(images)), "t": torch.from_numpy(ts.copy()),
                "clip": torch.tensor(c), "identity": torch.tensor(int(self.identity[c]))}


class VoxFrames(Dataset):
    """Every ``frame_step``-th frame of the clips, for single-image methods (BYOL, MoCo) and embeddings.

    Item: dict(image uint8 [3, size, size], clip int64, t int64, identity int64). skip_corrupt: a truncated
    or corrupt frame is replaced by the next one and counted in ``skips.count`` (default: an error naming it).
    """

    def __init__(self, clips: list[VoxClip], size: int = 112, frame_step: int = 1, skip_corrupt: bool = False):
        if frame_step < 1:
            raise ValueError(f"frame_step must be >= 1, got {frame_step}")
        self.clips, self.size, self.identity = clips, size, clip_identities(clips)
        self.skips = CorruptSkips() if skip_corrupt else None
        self.index = np.array([(c, t) for c, clip in enumerate(clips) for t in range(0, len(clip.frames), frame_step)],
                              dtype=np.int64).reshape(-1, 2)

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int) -> dict:
        return first_readable(i, len(self.index), self.read_item, self.skips)

    def read_item(self, i: int) -> dict:
        c, t = (int(v) for v in self.index[i])
        image = read_rgb(self.clips[c].frames[t], self.size).transpose(2, 0, 1)
        return {"image": torch.from_numpy(np.ascontiguousarray(image)), "clip": torch.tensor(c), "t": torch.tensor(t),
                "identity": torch.tensor(int(self.identity[c]))}
