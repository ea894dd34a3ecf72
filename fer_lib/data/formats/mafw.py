"""MAFW (10,045 clips, 11 single-label classes, 5 folds) as MAE-DFER prepares it.

Split files ``split/single/no_caption/set_<k>/{train,test}.txt``: ``<clip file> <label>`` per line, the label
a class name (anger, disgust, fear, happiness, neutral, sadness, surprise, contempt, anxiety, helplessness,
disappointment) or its 0-based index in that order. Frames are png folders ``frames/<clip stem>/``.
Labels land in the MAFW_11 order of :mod:`fer_lib.data.labels`.
"""

from __future__ import annotations

from pathlib import Path

from fer_lib.data.labels import MAFW_11
from fer_lib.data.text import read_lines

CLASSES = MAFW_11
FOLDS = (1, 2, 3, 4, 5)
FRAMES_DIR = "frames"
_ALIASES = {"happiness": "happy", "sadness": "sad"}


def split_file(root: str | Path, fold: int, split: str) -> Path:
    if fold not in FOLDS or split not in ("train", "test"):
        raise ValueError(f"MAFW has folds {FOLDS} and splits train/test, got fold={fold}, split={split!r}")
    return Path(root) / "split" / "single" / "no_caption" / f"set_{fold}" / f"{split}.txt"


def parse_label(token: str, where: str) -> int:
    name = _ALIASES.get(token.lower(), token.lower())
    if name in CLASSES:
        return CLASSES.index(name)
    if token.isdigit() and int(token) < len(CLASSES):
        return int(token)
    raise ValueError(f"{where}: label {token!r} is neither a MAFW class name nor an index 0..{len(CLASSES) - 1}")


def read_split(txt_path: str | Path) -> list[tuple[str, int]]:
    """[(frame_dir relative to the dataset root, label in MAFW_11 order)]."""
    txt_path = Path(txt_path)
    if not txt_path.exists():
        raise FileNotFoundError(f"MAFW split file {txt_path} does not exist")
    out = []
    for number, line in enumerate(read_lines(txt_path), 1):
        if not line.strip():
            continue
        where, parts = f"{txt_path}:{number}", line.split()
        if len(parts) != 2:
            raise ValueError(f"{where}: expected '<clip file> <label>', got {line!r}")
        out.append((f"{FRAMES_DIR}/{Path(parts[0]).stem}", parse_label(parts[1], where)))
    return out
