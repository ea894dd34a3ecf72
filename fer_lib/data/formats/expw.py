"""ExpW (Expression in-the-Wild, Zhang et al. IJCV 2018): the ``label.lst`` list and its face crops.

Published layout::

    <root>/label/label.lst        one face per line:
        image_name face_id_in_image face_box_top face_box_left face_box_right face_box_bottom face_box_cofidence expression_label
        e.g.  afraid_african_214.jpg 0 106 157 234 183 48.5462739458 2
    <root>/image/origin/<image_name>

expression_label: 0 angry, 1 disgust, 2 fear, 3 happy, 4 sad, 5 surprise, 6 neutral
(= ``fer_lib.data.labels.EXPW_7``). The face is ``image[top:bottom, left:right]``. An image can hold several
faces (one line each). Malformed lines are errors naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from fer_lib.data.images import CorruptSkips, first_readable, read_rgb
from fer_lib.data.labels import EXPW_7
from fer_lib.data.text import read_lines

N_FIELDS = 8


@dataclass(frozen=True)
class ExpwList:
    """Parsed label list. image_names: [N] str; face_ids, labels: int64 [N];
    boxes: int64 [N, 4] as (top, left, right, bottom); confidence: float64 [N]."""

    image_names: np.ndarray
    face_ids: np.ndarray
    boxes: np.ndarray
    confidence: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...] = EXPW_7


def read_label_list(path: str | Path) -> ExpwList:
    """Parse ``label.lst``; every bad field raises ``ValueError('<file>:<line>: ...')``."""
    path = Path(path)
    names, ids, boxes, conf, labels = [], [], [], [], []
    for lineno, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != N_FIELDS:
            raise ValueError(f"{path}:{lineno}: expected {N_FIELDS} fields (image_name face_id top left right "
                             f"bottom confidence label), got {len(fields)}")
        try:
            face_id, top, left, right, bottom = (int(v) for v in fields[1:6])
            confidence = float(fields[6])
            label = int(fields[7])
        except ValueError:
            raise ValueError(f"{path}:{lineno}: non-numeric field in {line.strip()!r}") from None
        if not 0 <= label < len(EXPW_7):
            raise ValueError(f"{path}:{lineno}: expression label {label} outside 0..{len(EXPW_7) - 1}")
        if right <= left or bottom <= top or min(top, left) < 0:
            raise ValueError(f"{path}:{lineno}: empty or negative face box top={top} left={left} "
                             f"right={right} bottom={bottom}")
        names.append(fields[0]); ids.append(face_id); boxes.append((top, left, right, bottom))
        conf.append(confidence); labels.append(label)
    if not names:
        raise ValueError(f"{path}: no entries")
    return ExpwList(np.asarray(names), np.asarray(ids, dtype=np.int64), np.asarray(boxes, dtype=np.int64),
                    np.asarray(conf, dtype=np.float64), np.asarray(labels, dtype=np.int64))


def crop_face(image: np.ndarray, box: np.ndarray, source: str = "image") -> np.ndarray:
    """image [H, W, 3] and box (top, left, right, bottom) -> the face crop; a box past the border is an error."""
    top, left, right, bottom = (int(v) for v in box)
    h, w = image.shape[:2]
    if bottom > h or right > w:
        raise ValueError(f"{source}: face box (top={top}, left={left}, right={right}, bottom={bottom}) "
                         f"exceeds the image size {w}x{h}")
    return image[top:bottom, left:right]


class ExpwFaces(torch.utils.data.Dataset):
    """Face crops of ExpW: dict(image uint8 [3, S, S], expression (EXPW_7 index), image_name).

    A missing, truncated or corrupt image is an error naming it; with ``skip_corrupt=True`` a truncated or
    corrupt one is replaced by the next readable entry and the skip counted in ``skips.count``.
    """

    def __init__(self, root: str | Path, size: int = 112, label_list: ExpwList | None = None,
                 skip_corrupt: bool = False):
        self.root = Path(root)
        self.list = label_list if label_list is not None else read_label_list(self.root / "label" / "label.lst")
        self.size = size
        self.skips = CorruptSkips() if skip_corrupt else None

    def __len__(self) -> int:
        return len(self.list.labels)

    def __getitem__(self, i: int) -> dict:
        return first_readable(i, len(self.list.labels), self.read_item, self.skips)

    def read_item(self, i: int) -> dict:
        path = self.root / "image" / "origin" / str(self.list.image_names[i])
        image = read_rgb(path, source=f"label.lst entry {i + 1}")
        face = crop_face(image, self.list.boxes[i], str(path))
        face = cv2.resize(face, (self.size, self.size), interpolation=cv2.INTER_AREA)
        return {"image": torch.from_numpy(np.ascontiguousarray(face)).permute(2, 0, 1).contiguous(),
                "expression": int(self.list.labels[i]), "image_name": str(self.list.image_names[i])}
