"""Labelled + unlabelled pairing for teacher-student training, and label remapping between class orders.

:class:`LabelledUnlabelled` item i = one labelled item (drawn by a labelled sampler, e.g. the class-balanced
one of ``fer_lib.data.samplers``, or a seeded permutation) with ``unlabelled_per_item`` unlabelled images
drawn uniformly from the pool (with replacement, reshuffled each epoch). The engine's collate turns items
into the batch ``fer_lib.methods.mpl.TeacherStudent`` reads: image [B, 3, H, W], expression [B],
unlabelled [B, U, 3, H, W], unlabelled_expression [B, U] (hidden truth: logged, never trained on).
"""

from __future__ import annotations

import numpy as np
import torch

from fer_lib.data.labels import remap


class Frames(torch.utils.data.Dataset):
    """images uint8 [N, H, W, 3] (array or memmap) + labels [N] -> items dict(image uint8 [3, H, W], expression)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray):
        if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
            raise ValueError(f"Frames: images must be uint8 [N, H, W, 3], got {images.dtype} {images.shape}")
        if len(labels) != len(images):
            raise ValueError(f"Frames: {len(images)} images but {len(labels)} labels")
        self.images, self.labels = images, np.asarray(labels, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict:
        image = torch.from_numpy(np.ascontiguousarray(self.images[i])).permute(2, 0, 1)  # [3, H, W]
        return {"image": image, "expression": int(self.labels[i])}


class Relabelled(torch.utils.data.Dataset):
    """A dataset whose ``expression`` is mapped from class order ``src`` to ``dst`` by name.

    Classes of ``src`` absent from ``dst`` map to ``dst.index(missing_as)`` if given, else are an error.
    """

    def __init__(self, dataset, src: tuple[str, ...], dst: tuple[str, ...], missing_as: str | None = None):
        self.dataset = dataset
        missing = None if missing_as is None else dst.index(missing_as)
        self.table = remap(np.arange(len(src)), src, dst, missing=missing)

    @property
    def labels(self) -> np.ndarray:
        """Mapped labels [N] (needs the wrapped dataset's ``labels``)."""
        return self.table[np.asarray(self.dataset.labels)]

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> dict:
        item = dict(self.dataset[i])
        item["expression"] = int(self.table[int(item["expression"])])
        return item


class Concat(torch.utils.data.Dataset):
    """Items of several datasets, one after the other, keeping only ``keys`` (so their dicts collate)."""

    def __init__(self, datasets: list, keys: tuple[str, ...] = ("image", "expression")):
        self.datasets, self.keys = datasets, keys
        self.offsets = np.cumsum([0] + [len(d) for d in datasets])

    @property
    def labels(self) -> np.ndarray:
        """Concatenated labels [N] (needs each dataset's ``labels``)."""
        return np.concatenate([np.asarray(d.labels) for d in self.datasets])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def __getitem__(self, i: int) -> dict:
        if not 0 <= i < len(self):
            raise IndexError(f"index {i} outside 0..{len(self) - 1}")
        d = int(np.searchsorted(self.offsets, i, side="right") - 1)
        item = self.datasets[d][i - int(self.offsets[d])]
        return {k: item[k] for k in self.keys}


class LabelledUnlabelled(torch.utils.data.Dataset):
    """Pairs labelled items with unlabelled images; ``len`` = number of labelled draws per epoch.

    labelled: dataset of dict(image, expression); unlabelled: dataset of dict(image, expression = hidden truth);
    labelled_sampler: a sampler yielding labelled keys with ``set_epoch`` (e.g. class-balanced) or None for a
    seeded permutation of all labelled items. ``set_epoch`` (called by the engine) re-draws both.
    """

    def __init__(self, labelled, unlabelled, unlabelled_per_item: int = 1, labelled_sampler=None, seed: int = 0):
        if len(unlabelled) == 0 or len(labelled) == 0:
            raise ValueError("LabelledUnlabelled needs non-empty labelled and unlabelled datasets")
        self.labelled, self.unlabelled, self.u = labelled, unlabelled, unlabelled_per_item
        self.sampler, self.seed = labelled_sampler, seed
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        rng = np.random.default_rng([self.seed, epoch])
        if self.sampler is None:
            self.keys = rng.permutation(len(self.labelled))
        else:
            if hasattr(self.sampler, "set_epoch"):
                self.sampler.set_epoch(epoch)
            self.keys = np.fromiter(iter(self.sampler), dtype=np.int64)
        self.unlabelled_keys = rng.integers(0, len(self.unlabelled), size=(len(self.keys), self.u))

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, i: int) -> dict:
        item = self.labelled[int(self.keys[i])]
        pool = [self.unlabelled[int(k)] for k in self.unlabelled_keys[i]]
        return {"image": torch.as_tensor(item["image"]), "expression": int(item["expression"]),
                "unlabelled": torch.stack([torch.as_tensor(p["image"]) for p in pool]),  # [U, 3, H, W]
                "unlabelled_expression": torch.tensor([int(p["expression"]) for p in pool])}  # [U]
