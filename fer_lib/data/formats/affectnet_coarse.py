"""AffectNet CSV with the CRS-CONT coarse column: ``path, ..., label, coarse``.

The CRS-CONT code reads each row as ``row[0]`` = image path (relative to the image root, e.g.
``689/737db2483489148d783ef278f43f486c0a97e140fc4b6b61b84363ca.jpg``), ``row[-2]`` = fine expression in
``fer_lib.data.labels.AFFECTNET_8`` order (0 neutral ... 7 contempt) and ``row[-1]`` = coarse group in
``COARSE_4`` order; the columns in between (face box, landmarks, valence, arousal in the official release)
are ignored unless named in ``va_columns``.

>>> images = read_affectnet_coarse("training_coarse.csv", "Manually_Annotated_Images", num_classes=7,
...                                drop_labels=(7, 8, 9, 10))
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fer_lib.data.formats.image_list import ImageList, ImageListDataset, check_label
from fer_lib.data.labels import AFFECTNET_8, COARSE_4
from fer_lib.data.text import csv_rows

__all__ = ["read_affectnet_coarse", "affectnet_coarse_dataset"]


def read_affectnet_coarse(csv_file: Path | str, image_root: Path | str, num_classes: int = 8,
                          drop_labels: tuple[int, ...] = (), header: bool = True,
                          va_columns: tuple[str, str] | None = None, check_files: bool = True) -> ImageList:
    """Parse the CSV -> :class:`ImageList` (expression in AFFECTNET_8[:num_classes], coarse in COARSE_4).

    num_classes: 8 (with contempt) or 7 (the basic seven).
    drop_labels: fine label values whose rows are skipped on purpose (the release also has 8 none,
        9 uncertain, 10 no-face; CRS-CONT's 7-class AffectNet drops 7 too). Their counts are kept in
        ``ImageList.dropped``. Any other label outside ``0..num_classes-1`` is an error naming the line.
    header: the first row is a header (the official AffectNet CSVs have one).
    va_columns: header names of the valence and arousal columns to keep as float labels
        ``"valence"``/``"arousal"`` (the official release calls them ``valence`` and ``arousal``).
    """
    csv_file, image_root = Path(csv_file), Path(image_root)
    if num_classes not in (7, 8):
        raise ValueError(f"num_classes must be 7 or 8, got {num_classes}")
    if not csv_file.is_file():
        raise FileNotFoundError(f"AffectNet CSV {csv_file} does not exist")
    if va_columns is not None and not header:
        raise ValueError("va_columns are looked up by header name: they need header=True")
    paths, sources, fine, coarse, va = [], [], [], [], []
    dropped: dict[int, int] = {}
    va_index = None
    for lineno, row in enumerate(csv_rows(csv_file), start=1):
        source = f"{csv_file}:{lineno}"
        if header and lineno == 1:
            if va_columns is not None:
                missing = [c for c in va_columns if c not in row]
                if missing:
                    raise ValueError(f"{source}: header has no column(s) {missing}; it has {row}")
                va_index = [row.index(c) for c in va_columns]
            continue
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < 3:
            raise ValueError(f"{source}: expected at least 3 fields 'path, ..., label, coarse', got {row}")
        try:
            raw = int(row[-2])
        except ValueError:
            raise ValueError(f"{source}: expression label {row[-2]!r} is not an integer") from None
        if raw in drop_labels:
            dropped[raw] = dropped.get(raw, 0) + 1
            continue
        fine.append(check_label(row[-2], num_classes, "expression label", source))
        coarse.append(check_label(row[-1], len(COARSE_4), "coarse label", source))
        if va_index is not None:
            try:
                va.append([float(row[i]) for i in va_index])
            except (ValueError, IndexError):
                raise ValueError(f"{source}: cannot read valence/arousal from columns {va_columns}") from None
        path = image_root / row[0].strip()
        if check_files and not path.is_file():
            raise FileNotFoundError(f"{source}: image {path} does not exist")
        paths.append(path)
        sources.append(source)
    if not paths:
        raise ValueError(f"AffectNet CSV {csv_file} lists no images (dropped: {dropped})")
    labels = {"expression": np.array(fine, dtype=np.int64), "coarse": np.array(coarse, dtype=np.int64)}
    if va_index is not None:
        arr = np.array(va, dtype=np.float32)  # [N, 2]
        labels["valence"], labels["arousal"] = arr[:, 0], arr[:, 1]
    return ImageList(tuple(paths), tuple(sources), labels, AFFECTNET_8[:num_classes], dropped)


def affectnet_coarse_dataset(csv_file: Path | str, image_root: Path | str, size: int | None = None,
                             bgr: bool = False, skip_corrupt: bool = False, **kwargs) -> ImageListDataset:
    """The CSV as a dataset of raw uint8 images; ``bgr=False`` reads RGB (the authors kept BGR);
    ``skip_corrupt``: see :class:`ImageListDataset`.

    kwargs go to :func:`read_affectnet_coarse` (num_classes, drop_labels, header, va_columns).
    """
    return ImageListDataset(read_affectnet_coarse(csv_file, image_root, **kwargs), bgr=bgr, size=size,
                            skip_corrupt=skip_corrupt)
