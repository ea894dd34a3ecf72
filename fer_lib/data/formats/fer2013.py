"""FER2013 as released on Kaggle: one CSV, header ``emotion,pixels,Usage``.

``emotion``: 0..6 in FER2013's order (``labels.FER2013_7``: angry, disgust, fear, happy, sad, surprise,
neutral); ``pixels``: 2304 space-separated grey values (48 x 48, row-major); ``Usage``: Training,
PublicTest or PrivateTest. Every bad row is an error naming the file and line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fer_lib.data.labels import FER2013_7
from fer_lib.data.text import csv_rows

HEADER = ("emotion", "pixels", "Usage")
USAGES = ("Training", "PublicTest", "PrivateTest")
SIDE = 48


@dataclass(frozen=True)
class FER2013:
    """images uint8 [N, 48, 48] grey; expression int64 [N] (FER2013_7 order); usage str [N]."""

    images: np.ndarray
    expression: np.ndarray
    usage: np.ndarray
    classes: tuple[str, ...] = FER2013_7

    def subset(self, usage: str) -> "FER2013":
        if usage not in USAGES:
            raise ValueError(f"usage must be one of {USAGES}, got {usage!r}")
        keep = self.usage == usage
        return FER2013(self.images[keep], self.expression[keep], self.usage[keep], self.classes)


def read_fer2013(csv_path: str | Path) -> FER2013:
    """Parse the FER2013 CSV; raise naming ``<file>:<line>`` for a bad header, label, pixel row or usage."""
    csv_path = Path(csv_path)
    if not csv_path.exists():
        raise FileNotFoundError(f"FER2013 file {csv_path} does not exist")
    images, labels, usage = [], [], []
    reader = csv_rows(csv_path)
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != HEADER:
        raise ValueError(f"{csv_path}:1: expected the header {','.join(HEADER)}, got {header}")
    for number, row in enumerate(reader, 2):
        where = f"{csv_path}:{number}"
        if not row:
            continue
        if len(row) != 3:
            raise ValueError(f"{where}: expected 3 fields (emotion, pixels, Usage), got {len(row)}")
        try:
            label = int(row[0])
        except ValueError:
            raise ValueError(f"{where}: emotion {row[0]!r} is not an integer") from None
        if not 0 <= label < len(FER2013_7):
            raise ValueError(f"{where}: emotion {label} is outside 0..{len(FER2013_7) - 1} {FER2013_7}")
        try:
            pixels = np.array(row[1].split(), dtype=np.int64)
        except ValueError:
            raise ValueError(f"{where}: pixels hold a non-integer value") from None
        if pixels.size != SIDE * SIDE:
            raise ValueError(f"{where}: {pixels.size} pixel values, expected {SIDE * SIDE} (48 x 48)")
        if pixels.min() < 0 or pixels.max() > 255:
            raise ValueError(f"{where}: pixel values outside 0..255")
        if row[2] not in USAGES:
            raise ValueError(f"{where}: Usage {row[2]!r} is not one of {USAGES}")
        images.append(pixels.astype(np.uint8).reshape(SIDE, SIDE))
        labels.append(label)
        usage.append(row[2])
    if not images:
        raise ValueError(f"{csv_path}: no rows")
    return FER2013(np.stack(images), np.asarray(labels, np.int64), np.asarray(usage))


def write_fer2013(csv_path: str | Path, images: np.ndarray, expression: np.ndarray, usage) -> Path:
    """Write images uint8 [N, 48, 48] (grey) with FER2013_7 labels and Usage strings in the release format."""
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE) or images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 [N, 48, 48], got {images.dtype} {images.shape}")
    csv_path = Path(csv_path)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with csv_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for img, label, use in zip(images, expression, usage, strict=True):
            writer.writerow([int(label), " ".join(str(int(v)) for v in img.ravel()), use])
    return csv_path
