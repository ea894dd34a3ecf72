"""An occluded view of a face dataset (the book's FED-RO analogue): each item's mouth or one eye hidden.

Item i gets region ``i``-seeded uniformly from mouth / right eye / left eye and the ellipse of that region's
landmark box (widened by ``margin`` x the image side) filled with the image's mean colour
(:func:`fer_lib.augment.landmark_mask.landmark_mask`): the same occluder for an item in every run.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from fer_lib.augment.landmark_mask import MASK_REGIONS, landmark_mask


class Occluded(Dataset):
    """dataset items dict(image uint8 [3, H, W], landmarks float [68, 2] pixel (x, y), ...) -> the same items
    with one face region occluded; ``region`` (int) is added. ``classes`` and ``targets`` pass through."""

    def __init__(self, dataset: Dataset, margin: float = 0.1, seed: int = 0):
        if margin < 0:
            raise ValueError(f"occluder margin must be >= 0 (a fraction of the image side), got {margin}")
        self.dataset, self.margin = dataset, margin
        self.regions = np.random.default_rng(seed).integers(0, len(MASK_REGIONS), size=len(dataset))
        self.classes = tuple(getattr(dataset, "classes", ()))

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> dict:
        item = self.dataset[i]
        if "landmarks" not in item:
            raise KeyError(f"Occluded: items need 'landmarks' [68, 2] to place the occluder (have {sorted(item)})")
        region = int(self.regions[i])
        image = landmark_mask(item["image"], item["landmarks"], region, margin=self.margin * item["image"].shape[-1])
        return {**item, "image": image, "region": torch.tensor(region)}
