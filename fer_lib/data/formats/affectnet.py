"""AffectNet as the SSL-FER evaluation code reads it: a CSV ``image_id,labels_aro,labels_val,labels_exp``.

The authors' ``AffectNet_prep.py`` builds that CSV from the release's per-image annotation files
(``<set>/annotations/<id>_{aro,val,exp}.npy``, images ``<set>/images/<id>.jpg``); :func:`write_affectnet_csv`
does the same from such a folder. Expressions are AffectNet's 8 classes in its order (``labels.AFFECTNET_8``:
neutral, happy, sad, surprise, fear, disgust, anger, contempt); valence and arousal lie in [-1, 1]
(the release marks unusable values as -2: rejected here, not silently kept). Errors name file and line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from fer_lib.data.images import CorruptSkips, first_readable, read_rgb
from fer_lib.data.labels import AFFECTNET_8
from fer_lib.data.text import csv_rows

HEADER = ("image_id", "labels_aro", "labels_val", "labels_exp")


@dataclass(frozen=True)
class AffectNetEntry:
    image: Path
    arousal: float
    valence: float
    expression: int
    source: str  # "<csv>:<line>"


def read_affectnet_csv(csv_path: str | Path, image_dir: str | Path, num_classes: int = 8,
                       suffix: str = ".jpg", check_images: bool = True) -> list[AffectNetEntry]:
    """Parse the CSV; image of row ``image_id`` = ``image_dir/<image_id><suffix>``.

    num_classes: 8 (all) or 7 (contempt rows are an error: filter the CSV first, so nothing is dropped silently).
    """
    csv_path, image_dir = Path(csv_path), Path(image_dir)
    if num_classes not in (7, 8):
        raise ValueError(f"num_classes must be 7 or 8, got {num_classes}")
    if not csv_path.exists():
        raise FileNotFoundError(f"AffectNet CSV {csv_path} does not exist")
    entries = []
    reader = csv_rows(csv_path)
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != HEADER:
        raise ValueError(f"{csv_path}:1: expected the header {','.join(HEADER)}, got {header}")
    for number, row in enumerate(reader, 2):
        if not row:
            continue
        where = f"{csv_path}:{number}"
        if len(row) != 4:
            raise ValueError(f"{where}: expected 4 fields {HEADER}, got {len(row)}")
        try:
            aro, val = float(row[1]), float(row[2])
        except ValueError:
            raise ValueError(f"{where}: arousal/valence {row[1]!r}, {row[2]!r} are not numbers") from None
        for name, value in (("arousal", aro), ("valence", val)):
            if not -1.0 <= value <= 1.0:
                raise ValueError(f"{where}: {name} {value} is outside [-1, 1] (the release's -2 marks no label)")
        try:
            expr = int(float(row[3]))
        except ValueError:
            raise ValueError(f"{where}: expression {row[3]!r} is not an integer") from None
        if float(row[3]) != expr or not 0 <= expr < num_classes:
            raise ValueError(f"{where}: expression {row[3]} is outside 0..{num_classes - 1} {AFFECTNET_8[:num_classes]}")
        image = image_dir / f"{row[0]}{suffix}"
        if check_images and not image.is_file():
            raise FileNotFoundError(f"{where}: image {image} does not exist")
        entries.append(AffectNetEntry(image, aro, val, expr, where))
    if not entries:
        raise ValueError(f"{csv_path}: no rows")
    return entries


def write_affectnet_csv(set_dir: str | Path, csv_path: str | Path) -> Path:
    """Build the authors' CSV from a release folder ``<set>/annotations/<id>_{aro,val,exp}.npy`` (ids sorted)."""
    ann = Path(set_dir) / "annotations"
    ids = sorted(p.name[: -len("_exp.npy")] for p in ann.glob("*_exp.npy") if not p.name.startswith("."))
    if not ids:
        raise FileNotFoundError(f"no *_exp.npy annotation files in {ann}")
    rows = []
    for image_id in ids:
        values = []
        for key in ("aro", "val", "exp"):
            path = ann / f"{image_id}_{key}.npy"
            if not path.exists():
                raise FileNotFoundError(f"{path} is missing (image {image_id} has an _exp.npy)")
            values.append(np.load(path).item())
        rows.append([image_id, float(values[0]), float(values[1]), int(values[2])])
    csv_path = Path(csv_path)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with csv_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return csv_path


class AffectNetImages(Dataset):
    """Items dict(image uint8 [3, H, W], expression int64, valence, arousal float32) from the CSV.

    A truncated or corrupt image is an error naming it and its CSV line; with ``skip_corrupt=True`` the next
    readable row is returned instead and the skip counted in ``skips.count``.
    """

    def __init__(self, csv_path: str | Path, image_dir: str | Path, size: int | None = 112, num_classes: int = 8,
                 skip_corrupt: bool = False):
        self.entries = read_affectnet_csv(csv_path, image_dir, num_classes)
        self.size, self.classes = size, AFFECTNET_8[:num_classes]
        self.skips = CorruptSkips() if skip_corrupt else None

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def targets(self) -> np.ndarray:
        return np.array([e.expression for e in self.entries], dtype=np.int64)

    def __getitem__(self, i: int) -> dict:
        return first_readable(i, len(self.entries), self.read_item, self.skips)

    def read_item(self, i: int) -> dict:
        e = self.entries[i]
        image = read_rgb(e.image, self.size, e.source)
        return {"image": torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))),
                "expression": torch.tensor(e.expression), "valence": torch.tensor(e.valence, dtype=torch.float32),
                "arousal": torch.tensor(e.arousal, dtype=torch.float32)}
