"""FERPlus as the CRS-CONT HDF5 file: datasets ``{Training,PublicTest,PrivateTest}_{pixel,label,coarse}``.

``<split>_pixel``: uint8 [N, 48, 48] (or flattened [N, 2304]) grey faces of FER2013;
``<split>_label``: int [N] majority-vote FERPlus class in ``fer_lib.data.labels.FERPLUS_8`` order;
``<split>_coarse``: int [N] group in ``COARSE_4`` order. Grey images are repeated to 3 channels, as the
authors' code does when it hands them to an ImageNet-style ResNet. CRS-CONT evaluates on ``PrivateTest``.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from fer_lib.data.labels import COARSE_4, FERPLUS_8

__all__ = ["FERPLUS_SPLITS", "read_ferplus_h5", "FerPlusDataset"]

FERPLUS_SPLITS = ("Training", "PublicTest", "PrivateTest")


def _check_range(values: np.ndarray, num_values: int, key: str, h5_file: Path) -> None:
    bad = np.flatnonzero((values < 0) | (values >= num_values))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{h5_file}: {key}[{i}] = {values[i]} is not a known label (expected 0..{num_values - 1}); "
                         f"{bad.size} such rows")


def read_ferplus_h5(h5_file: Path | str, split: str) -> dict[str, np.ndarray]:
    """One split of the HDF5 file -> dict(pixel uint8 [N, 48, 48], expression int64 [N], coarse int64 [N]).

    Errors name the file and the dataset key (and the first bad row) for: a missing file, an unknown
    split, a missing key, pixels that are not 48x48 per row, label arrays of another length, unknown labels.
    """
    h5_file = Path(h5_file)
    if split not in FERPLUS_SPLITS:
        raise ValueError(f"unknown FERPlus split {split!r}; expected one of {FERPLUS_SPLITS}")
    if not h5_file.is_file():
        raise FileNotFoundError(f"FERPlus HDF5 file {h5_file} does not exist")
    out: dict[str, np.ndarray] = {}
    with h5py.File(h5_file, "r") as handle:
        for part in ("pixel", "label", "coarse"):
            key = f"{split}_{part}"
            if key not in handle:
                raise KeyError(f"{h5_file}: no dataset {key!r}; the file has {sorted(handle.keys())}")
            out[part] = np.asarray(handle[key][()])
    pixel = out["pixel"]
    if pixel.ndim == 2 and pixel.shape[1] == 48 * 48:
        pixel = pixel.reshape(-1, 48, 48)  # [N, 2304] -> [N, 48, 48]
    if pixel.ndim != 3 or pixel.shape[1:] != (48, 48):
        raise ValueError(f"{h5_file}: {split}_pixel has shape {out['pixel'].shape}, expected [N, 48, 48] or [N, 2304]")
    if pixel.dtype != np.uint8:
        if pixel.min() < 0 or pixel.max() > 255 or not np.array_equal(pixel, np.round(pixel)):
            raise ValueError(f"{h5_file}: {split}_pixel ({pixel.dtype}) holds values that are not 0..255 integers")
        pixel = pixel.astype(np.uint8)
    n = len(pixel)
    labels = {}
    for part, classes in (("label", FERPLUS_8), ("coarse", COARSE_4)):
        values = out[part].reshape(-1)
        if len(values) != n:
            raise ValueError(f"{h5_file}: {split}_{part} has {len(values)} rows but {split}_pixel has {n}")
        if not np.array_equal(values, np.round(values)):
            raise ValueError(f"{h5_file}: {split}_{part} holds non-integer values")
        values = values.astype(np.int64)
        _check_range(values, len(classes), f"{split}_{part}", h5_file)
        labels[part] = values
    return {"pixel": pixel, "expression": labels["label"], "coarse": labels["coarse"]}


class FerPlusDataset(Dataset):
    """One split in memory. Item: dict(image uint8 [3, S, S], expression, coarse, index); S = 48 or ``size``.

    size: bilinear resize (e.g. 224 as in the paper's evaluation) done per item; None keeps 48x48.
    """

    classes = FERPLUS_8

    def __init__(self, h5_file: Path | str, split: str, size: int | None = None):
        data = read_ferplus_h5(h5_file, split)
        self.pixel = torch.from_numpy(data["pixel"])  # [N, 48, 48] uint8
        self.expression = torch.from_numpy(data["expression"])
        self.coarse = torch.from_numpy(data["coarse"])
        self.size = size

    def __len__(self) -> int:
        return len(self.pixel)

    def __getitem__(self, index: int) -> dict:
        grey = self.pixel[index]  # [48, 48]
        if self.size is not None and self.size != grey.shape[-1]:
            grey = F.interpolate(grey[None, None].float(), size=(self.size, self.size), mode="bilinear",
                                 align_corners=False, antialias=True)
            grey = grey.round().clamp(0, 255).to(torch.uint8)[0, 0]
        image = grey.expand(3, *grey.shape).contiguous()  # grey -> [3, S, S]
        return {"image": image, "expression": self.expression[index], "coarse": self.coarse[index], "index": index}
