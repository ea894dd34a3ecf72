"""Frame-level <-> per-video annotation CSVs (the seed text's tooling for sequence models and the combined
classification + gaze variant). Space-separated, no header:

- video level:  ``<video_dir> <label> [v_1 ... v_R]``          (R regression values, e.g. gaze pitch yaw)
- frame level:  ``<video_dir>/<frame stem> <label> [v_1 ... v_R]``, one line per frame
- per video:    :func:`split_by_video` writes one frame-level CSV per video (and per ``chunk`` frames):
  ``<prefix>_<video index:05d>_<part>.csv``, e.g. ``test_00000_0.csv`` with frames 1..100, ``test_00000_1.csv``
  with frames 101..200 (the seed text's layout).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from fer_lib.data.images import list_frames
from fer_lib.data.text import read_lines


@dataclass(frozen=True)
class Row:
    path: str
    label: int
    values: tuple[float, ...] = ()
    source: str = ""


def read_rows(csv_path: str | Path, num_values: int = 0) -> list[Row]:
    """Parse ``<path> <label> [values]`` lines; exactly ``num_values`` regression values per line."""
    csv_path = Path(csv_path)
    if not csv_path.exists():
        raise FileNotFoundError(f"annotation file {csv_path} does not exist")
    rows = []
    for number, line in enumerate(read_lines(csv_path), 1):
        if not line.strip():
            continue
        where, parts = f"{csv_path}:{number}", line.split()
        if len(parts) != 2 + num_values:
            raise ValueError(f"{where}: expected '<path> <label>' + {num_values} values, got {line!r}")
        try:
            label, values = int(parts[1]), tuple(float(v) for v in parts[2:])
        except ValueError:
            raise ValueError(f"{where}: label or values are not numbers in {line!r}") from None
        rows.append(Row(parts[0], label, values, where))
    if not rows:
        raise ValueError(f"{csv_path}: no rows")
    return rows


def write_rows(rows: list[Row], csv_path: str | Path) -> Path:
    lines = [" ".join([r.path, str(r.label), *(f"{v:.6g}" for v in r.values)]) for r in rows]
    Path(csv_path).parent.mkdir(parents=True, exist_ok=True)
    Path(csv_path).write_text("\n".join(lines) + "\n")
    return Path(csv_path)


def video_rows_to_frame_rows(rows: list[Row], root: str | Path) -> list[Row]:
    """One row per frame of each video folder (frames in natural name order, listed from disk under ``root``)."""
    out = []
    for row in rows:
        for frame in list_frames(Path(root) / row.path, row.source):
            out.append(Row(f"{row.path}/{frame.stem}", row.label, row.values, row.source))
    return out


def frame_rows_to_video_rows(rows: list[Row]) -> list[Row]:
    """Group frame rows by their video folder (order of first appearance); the label must be constant within a
    video (an error names both lines otherwise); regression values are averaged over the frames."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(str(PurePosixPath(row.path).parent), []).append(row)
    out = []
    for video, members in groups.items():
        bad = [m for m in members if m.label != members[0].label]
        if bad:
            raise ValueError(f"video {video}: label {members[0].label} at {members[0].source} but {bad[0].label} "
                             f"at {bad[0].source}")
        values = tuple(np.mean([m.values for m in members], axis=0).tolist()) if members[0].values else ()
        out.append(Row(video, members[0].label, values, members[0].source))
    return out


def split_by_video(rows: list[Row], out_dir: str | Path, prefix: str, chunk: int = 100) -> list[Path]:
    """Write one CSV per video and per ``chunk`` consecutive frames; returns the paths in order."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(str(PurePosixPath(row.path).parent), []).append(row)
    paths = []
    for index, members in enumerate(groups.values()):
        for part, start in enumerate(range(0, len(members), chunk)):
            paths.append(write_rows(members[start:start + chunk], Path(out_dir) / f"{prefix}_{index:05d}_{part}.csv"))
    return paths


def relabel_with_values(rows: list[Row], values: dict[str, tuple[float, ...]]) -> list[Row]:
    """Attach regression values (e.g. gaze pitch, yaw) to each row by its path; a path without values is an
    error naming the line (never a silently dropped row)."""
    out = []
    for row in rows:
        if row.path not in values:
            raise KeyError(f"{row.source}: no regression values for {row.path}")
        out.append(Row(row.path, row.label, tuple(float(v) for v in values[row.path]), row.source))
    return out


def write_annotation(pairs: list[tuple[str, int]], root: str | Path, csv_path: str | Path) -> Path:
    """MAE-DFER annotation file ``<root>/<frame_dir> <label>`` from (frame_dir, label) pairs of a format reader."""
    return write_rows([Row(str(Path(root) / d), label) for d, label in pairs], csv_path)
