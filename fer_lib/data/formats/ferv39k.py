"""FERV39k (38,935 clips, 22 scenes, 7 classes; one train/test split) as MAE-DFER prepares it.

Split files ``4_setups/All_scenes/{train,test}_All.csv``: one clip per line, ``<scene>/<Class>/<clip id>``
optionally followed by a label; the class is the path's second component (Angry, Disgust, Fear, Happy,
Neutral, Sad, Surprise), mapped to the DFEW_7 order MAE-DFER uses. Frames: ``2_ClipsforFaceCrop/<path>/``.
A label that disagrees with the folder name is an error naming the line. Sampling rate 1 in the paper.
"""

from __future__ import annotations

from pathlib import Path

from fer_lib.data.labels import FERV39K_7
from fer_lib.data.text import read_lines

CLASSES = FERV39K_7
FRAMES_DIR = "2_ClipsforFaceCrop"
_NAMES = {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "happy", "neutral": "neutral",
          "sad": "sad", "surprise": "surprise"}


def split_file(root: str | Path, split: str) -> Path:
    if split not in ("train", "test"):
        raise ValueError(f"FERV39k has splits train/test, got {split!r}")
    return Path(root) / "4_setups" / "All_scenes" / f"{split}_All.csv"


def read_split(csv_path: str | Path) -> list[tuple[str, int]]:
    """[(frame_dir relative to the dataset root, label in FERV39K_7 order)]."""
    csv_path = Path(csv_path)
    if not csv_path.exists():
        raise FileNotFoundError(f"FERV39k split file {csv_path} does not exist")
    out = []
    for number, line in enumerate(read_lines(csv_path), 1):
        if not line.strip():
            continue
        where, parts = f"{csv_path}:{number}", line.replace(",", " ").split()
        rel = parts[0].strip("/").split("/")
        if len(rel) < 3 or rel[1].lower() not in _NAMES:
            raise ValueError(f"{where}: expected '<scene>/<Class>/<clip>' with a class in {sorted(_NAMES)}, "
                             f"got {parts[0]!r}")
        label = CLASSES.index(_NAMES[rel[1].lower()])
        if len(parts) > 1 and parts[1].lstrip("-").isdigit() and int(parts[1]) != label:
            raise ValueError(f"{where}: label {parts[1]} disagrees with the folder class {rel[1]} (= {label})")
        out.append((f"{FRAMES_DIR}/{'/'.join(rel)}", label))
    return out
