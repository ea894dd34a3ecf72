"""Weak and strong augmentation of the ABAW6 semi-supervised phase (paper section 3.2.2), batched and seeded.

weak   = horizontal flip + colour jitter (the paper's "WA": flipping, colour jittering);
strong = horizontal flip + torchvision RandAugment (the paper's "SA", Cubuk et al. 2020).

Images are uint8 tensors [B, 3, H, W] on any device; every random choice comes from the
``torch.Generator`` passed in, so the same generator state gives the same batch. Each image gets its
own random parameters: torchvision's v2 transforms draw one set per call, so they are called per image
inside a CPU-RNG fork seeded from the generator (the global RNG is left untouched).
Paper vs code: the paper gives no RandAugment setting; torchvision's defaults (2 ops, magnitude 9 of 31
bins) are used; MPL-pytorch/Face2Exp use their own RandAugment with (2 ops, magnitude 16 on a 0..30 scale)
and weak = resize 256 + random crop 224 + flip (pass ``magnitude=16`` to get closer to them).
"""

from __future__ import annotations

import torch
from torchvision.transforms import v2


def _check_images(images: torch.Tensor) -> None:
    if images.ndim != 4 or images.shape[1] != 3 or images.dtype != torch.uint8:
        raise ValueError(f"expected uint8 images [B, 3, H, W], got {images.dtype} {tuple(images.shape)}")


def _per_image(images: torch.Tensor, transform, generator: torch.Generator) -> torch.Tensor:
    """Apply ``transform`` to each image [3, H, W] with its own seed drawn from ``generator``."""
    seeds = torch.randint(0, 2**62, (images.shape[0],), generator=generator).tolist()
    out = []
    for image, seed in zip(images, seeds):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            out.append(transform(image))
    return torch.stack(out)  # [B, 3, H, W]


def random_flip(images: torch.Tensor, generator: torch.Generator, p: float = 0.5) -> torch.Tensor:
    """Flip each image left-right with probability ``p``: [B, 3, H, W] -> [B, 3, H, W]."""
    _check_images(images)
    flip = torch.rand(images.shape[0], generator=generator) < p  # [B] on CPU
    flip = flip.to(images.device)[:, None, None, None]
    return torch.where(flip, images.flip(-1), images)


def weak_augment(images: torch.Tensor, generator: torch.Generator, flip_p: float = 0.5, brightness: float = 0.4,
                 contrast: float = 0.4, saturation: float = 0.4, hue: float = 0.0) -> torch.Tensor:
    """Weak view: random flip, then torchvision ColorJitter with the given strengths. uint8 [B,3,H,W] -> same.

    The paper gives no strengths; hue is off by default (its RGB->HSV round trip makes the jitter ~3x slower
    on a CPU); pass e.g. ``hue=0.1`` to add it.
    """
    jitter = v2.ColorJitter(brightness=brightness, contrast=contrast, saturation=saturation, hue=hue)
    return _per_image(random_flip(images, generator, flip_p), jitter, generator)


def strong_augment(images: torch.Tensor, generator: torch.Generator, flip_p: float = 0.5, num_ops: int = 2,
                   magnitude: int = 9) -> torch.Tensor:
    """Strong view: random flip, then torchvision RandAugment(num_ops, magnitude). uint8 [B,3,H,W] -> same."""
    randaugment = v2.RandAugment(num_ops=num_ops, magnitude=magnitude)
    return _per_image(random_flip(images, generator, flip_p), randaugment, generator)
