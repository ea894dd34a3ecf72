"""RAF-DB basic-expression label text with the CRS-CONT coarse column: one line ``path label coarse``.

Fields are separated by white space; ``path`` is relative to the image root (e.g. ``train_00001_aligned.jpg``),
``label`` is the fine expression in ``fer_lib.data.labels.RAFDB_7`` order (surprise, fear, disgust, happy,
sad, anger, neutral), 1-based as in the RAF-DB release (``label_base=1``), and ``coarse`` is the group
in ``COARSE_4`` order (0 neutral, 1 negative, 2 positive, 3 surprise), 0-based.

>>> images = read_rafdb_list("train_label.txt", "Image/aligned")
>>> ds = ImageListDataset(images, size=100)      # dict(image uint8 [3,100,100], expression, coarse, index)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fer_lib.data.formats.image_list import ImageList, ImageListDataset, check_label
from fer_lib.data.labels import COARSE_4, RAFDB_7
from fer_lib.data.text import read_lines

__all__ = ["read_rafdb_list", "rafdb_dataset"]


def read_rafdb_list(label_file: Path | str, image_root: Path | str, label_base: int = 1,
                    check_files: bool = True) -> ImageList:
    """Parse a RAF-DB ``path label coarse`` file -> :class:`ImageList` (expression in RAFDB_7, coarse in COARSE_4).

    label_base: the integer that means the first class of RAFDB_7 (1 in the RAF-DB release; the CRS-CONT
        label files are precomputed and not public, pass 0 if yours are 0-based).
    check_files: verify every listed image exists now (an error names the file and line), rather than
        at the first batch that needs it.
    Blank lines are skipped; any other line that is not three fields, an unknown label or a missing image
    is an error naming ``label_file:line``.
    """
    label_file, image_root = Path(label_file), Path(image_root)
    if not label_file.is_file():
        raise FileNotFoundError(f"RAF-DB label file {label_file} does not exist")
    paths, sources, fine, coarse = [], [], [], []
    for lineno, line in enumerate(read_lines(label_file), start=1):
        if not line.strip():
            continue
        source = f"{label_file}:{lineno}"
        fields = line.split()
        if len(fields) != 3:
            raise ValueError(f"{source}: expected 3 fields 'path label coarse', got {len(fields)}: {line!r}")
        fine.append(check_label(fields[1], len(RAFDB_7), "expression label", source, base=label_base))
        coarse.append(check_label(fields[2], len(COARSE_4), "coarse label", source))
        path = image_root / fields[0]
        if check_files and not path.is_file():
            raise FileNotFoundError(f"{source}: image {path} does not exist")
        paths.append(path)
        sources.append(source)
    if not paths:
        raise ValueError(f"RAF-DB label file {label_file} lists no images")
    labels = {"expression": np.array(fine, dtype=np.int64), "coarse": np.array(coarse, dtype=np.int64)}
    return ImageList(tuple(paths), tuple(sources), labels, RAFDB_7)


def rafdb_dataset(label_file: Path | str, image_root: Path | str, size: int | None = None, bgr: bool = False,
                  label_base: int = 1, skip_corrupt: bool = False) -> ImageListDataset:
    """The RAF-DB list as a dataset of raw uint8 images; ``bgr=False`` reads RGB (the authors kept BGR);
    ``skip_corrupt``: see :class:`ImageListDataset`."""
    return ImageListDataset(read_rafdb_list(label_file, image_root, label_base), bgr=bgr, size=size,
                            skip_corrupt=skip_corrupt)
