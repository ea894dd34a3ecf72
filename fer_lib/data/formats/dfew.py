"""DFEW (16,372 clips, 7 classes, 5 folds) as MAE-DFER prepares it.

Release split files ``EmoLabel_DataSplit/{train,test}(single-labeled)/set_<k>.csv``: comma-separated with a
header line, ``<video number>,<label 1..7>``. Frames live in ``Clip/jpg_256/<number:05d>/`` (the folder the
release calls ``jpg_224`` holds 256² images, MAE-DFER issue #17). Labels minus one give the DFEW_7 order
happy, sad, neutral, anger, surprise, disgust, fear. :func:`write_fold` writes MAE-DFER's annotation files
(``<frame_dir> <label>``), read by :class:`fer_lib.data.formats.frame_folder.FrameFolderClips`.
"""

from __future__ import annotations

from pathlib import Path

from fer_lib.data.formats.frame_csv import write_annotation
from fer_lib.data.labels import DFEW_7
from fer_lib.data.text import read_lines

CLASSES = DFEW_7
FOLDS = (1, 2, 3, 4, 5)
FRAMES_DIR = "Clip/jpg_256"


def split_file(root: str | Path, fold: int, split: str) -> Path:
    """Path of the release's split file for ``fold`` (1..5) and ``split`` ('train' or 'test')."""
    if fold not in FOLDS or split not in ("train", "test"):
        raise ValueError(f"DFEW has folds {FOLDS} and splits train/test, got fold={fold}, split={split!r}")
    return Path(root) / "EmoLabel_DataSplit" / f"{split}(single-labeled)" / f"set_{fold}.csv"


def read_split(csv_path: str | Path) -> list[tuple[str, int]]:
    """[(frame_dir relative to the dataset root, 0-based label)] from a release split file."""
    csv_path = Path(csv_path)
    if not csv_path.exists():
        raise FileNotFoundError(f"DFEW split file {csv_path} does not exist")
    out = []
    for number, line in enumerate(read_lines(csv_path), 1):
        if number == 1 and not line.split(",")[0].strip().isdigit():
            continue  # header
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 2 or not parts[0].isdigit() or not parts[1].isdigit():
            raise ValueError(f"{csv_path}:{number}: expected '<video number>,<label 1..7>', got {line!r}")
        label = int(parts[1]) - 1
        if not 0 <= label < len(CLASSES):
            raise ValueError(f"{csv_path}:{number}: label {parts[1]} is outside 1..{len(CLASSES)}")
        out.append((f"{FRAMES_DIR}/{int(parts[0]):05d}", label))
    return out


def write_fold(root: str | Path, fold: int, out_dir: str | Path) -> dict[str, Path]:
    """Write ``train.csv`` and ``test.csv`` annotation files of one fold (frame dirs absolute under ``root``)."""
    return {split: write_annotation(read_split(split_file(root, fold, split)), root,
                                    Path(out_dir) / f"fold{fold}" / f"{split}.csv") for split in ("train", "test")}
