"""MAE-DFER's training augmentations of a clip, with one random draw shared by all its frames.

- :class:`MultiScaleCrop` (pretraining, the code's ``GroupMultiScaleCrop(size, [1, .875, .75, .66])``): crop
  sides drawn from ``scales`` × the short side, width and height at most one scale step apart
  (``max_distort=1``), at a random position, resized back to the frame size.
- :func:`finetune_transform` (fine-tuning, VideoMAE's ``rand-m7-n4-mstd0.5-inc1`` + random resized crop
  (0.08, 1) ratio (3/4, 4/3) + flip + random erasing 0.25) from torchvision's v2 transforms, which draw their
  parameters once per call and apply them to every frame of a ``[T, C, H, W]`` tensor. Differences from the
  code: torchvision's RandAugment has no magnitude noise (mstd) and erases with 0 (the code: per-pixel noise).
- :class:`Augmented`: a dataset wrapper applying a transform to each item's ``video``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset
from torchvision.transforms import v2


class MultiScaleCrop:
    """uint8 video [T, C, H, W] -> same shape: a multi-scale crop, resized back to H × W."""

    def __init__(self, scales: tuple[float, ...] = (1.0, 0.875, 0.75, 0.66), max_distort: int = 1):
        if not scales or min(scales) <= 0 or max(scales) > 1:
            raise ValueError(f"multi-scale crop scales must lie in (0, 1], got {scales}")
        self.scales, self.max_distort = tuple(scales), max_distort

    def sizes(self, short: int) -> list[tuple[int, int]]:
        """The allowed (crop height, crop width) pairs for frames with short side ``short``."""
        sides = [max(1, int(short * s)) for s in self.scales]
        return [(h, w) for i, h in enumerate(sides) for j, w in enumerate(sides) if abs(i - j) <= self.max_distort]

    def __call__(self, video: torch.Tensor) -> torch.Tensor:
        t, c, h, w = video.shape
        pairs = self.sizes(min(h, w))
        ch, cw = pairs[int(torch.randint(len(pairs), ()))]
        top, left = int(torch.randint(h - ch + 1, ())), int(torch.randint(w - cw + 1, ()))
        crop = video[:, :, top:top + ch, left:left + cw].float()
        out = F.interpolate(crop, size=(h, w), mode="bilinear", align_corners=False, antialias=True)
        return out.round().clamp(0, 255).to(video.dtype)


def finetune_transform(size: int, randaug_n: int = 4, randaug_m: int = 7, rrc_scale=(0.08, 1.0),
                       flip: float = 0.5, erasing: float = 0.25) -> v2.Compose:
    """The fine-tuning pipeline on uint8 video [T, C, H, W] -> uint8 [T, C, size, size]; a step at 0 is left out."""
    steps = [v2.RandAugment(num_ops=randaug_n, magnitude=randaug_m)] if randaug_n else []
    steps.append(v2.RandomResizedCrop(size, scale=tuple(rrc_scale), ratio=(3 / 4, 4 / 3), antialias=True))
    if flip:
        steps.append(v2.RandomHorizontalFlip(flip))
    if erasing:
        steps.append(v2.RandomErasing(p=erasing, value=0))
    return v2.Compose(steps)


class Augmented(Dataset):
    """``dataset`` whose items' ``video`` (uint8 [T, C, H, W]) goes through ``transform``; other keys unchanged."""

    def __init__(self, dataset, transform):
        self.dataset, self.transform = dataset, transform

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> dict:
        item = dict(self.dataset[i])
        item["video"] = self.transform(item["video"])
        return item
