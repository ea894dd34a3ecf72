"""A list of still face images with per-image labels: the common shape of the RAF-DB and AffectNet label files.

A format module (``rafdb.py``, ``affectnet_coarse.py``) parses its label file into an :class:`ImageList`
(paths + integer label arrays, each entry remembering the file and line it came from); the
:class:`ImageListDataset` then reads the images, as raw uint8 tensors, no random augmentation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from fer_lib.data.images import CorruptSkips, first_readable, read_rgb


@dataclass(frozen=True)
class ImageList:
    """Parsed label file.

    paths: [N] image paths (absolute or relative to the process), ``sources``: [N] ``"file:line"`` strings
    naming where each entry was read (used in error messages), ``labels``: name -> int64/float32 array [N]
    (always ``"expression"`` in ``classes`` order, and ``"coarse"`` in ``fer_lib.data.labels.COARSE_4`` order).
    """

    paths: tuple[Path, ...]
    sources: tuple[str, ...]
    labels: dict[str, np.ndarray]
    classes: tuple[str, ...]
    dropped: dict[int, int] = field(default_factory=dict)  # label value -> count of rows dropped on request

    def __post_init__(self):
        n = len(self.paths)
        if len(self.sources) != n:
            raise ValueError(f"ImageList: {len(self.sources)} sources for {n} paths")
        for name, arr in self.labels.items():
            if len(arr) != n:
                raise ValueError(f"ImageList: label {name!r} has {len(arr)} entries for {n} paths")

    def __len__(self) -> int:
        return len(self.paths)


def read_image(path: Path | str, bgr: bool = False, size: int | None = None, source: str | None = None) -> np.ndarray:
    """Read one image file strictly (:func:`fer_lib.data.images.read_rgb`) -> uint8 [H, W, 3].

    bgr: False (default) returns RGB, the channel order torchvision's ImageNet normalisation and every other
        loader of this book assume. True returns BGR, what the CRS-CONT code does
        (``cv2.imread`` handed to PIL without a colour conversion, so its encoder saw swapped red/blue).
    size: if given, resize to ``size`` x ``size`` with area interpolation (INTER_AREA).
    source: ``"file:line"`` that listed the image, named in the error if it is missing, truncated or corrupt.
    """
    image = read_rgb(path, size, source or "")
    return np.ascontiguousarray(image[:, :, ::-1]) if bgr else image


def check_label(value: str, num_values: int, what: str, source: str, base: int = 0) -> int:
    """Parse an integer label in ``base..base+num_values-1`` and return it 0-based.

    Anything else (not an integer, out of range) is an error naming ``source`` (``"file:line"``).
    """
    try:
        label = int(value)
    except ValueError:
        raise ValueError(f"{source}: {what} {value!r} is not an integer") from None
    if not base <= label < base + num_values:
        raise ValueError(f"{source}: unknown {what} {label} (expected {base}..{base + num_values - 1})")
    return label - base


class ImageListDataset(Dataset):
    """Images of an :class:`ImageList` as raw tensors (augmentation happens later, batched on the device).

    Item: dict(image uint8 [3, H, W], one int/float tensor per label of the list, index int).
    bgr: see :func:`read_image` (default False = RGB; the authors' code kept BGR).
    size: resize every image to ``size`` x ``size`` so batches collate (None keeps the stored size).
    skip_corrupt: False (default): a truncated or corrupt image is an error naming it; True: the next
        readable item is returned instead and the skip counted in ``skips.count``.
    """

    def __init__(self, images: ImageList, bgr: bool = False, size: int | None = None, skip_corrupt: bool = False):
        self.images, self.bgr, self.size = images, bgr, size
        self.classes = images.classes
        self.skips = CorruptSkips() if skip_corrupt else None

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> dict:
        return first_readable(index, len(self.images), self.read_item, self.skips)

    def read_item(self, index: int) -> dict:
        image = read_image(self.images.paths[index], self.bgr, self.size, self.images.sources[index])
        item = {"image": torch.from_numpy(image).permute(2, 0, 1).contiguous(), "index": index}  # [3, H, W]
        for name, arr in self.images.labels.items():
            item[name] = torch.as_tensor(arr[index])
        return item
