"""Weak and strong augmentation of the ABAW6 semi-supervised phase (paper section 3.2.2), batched and seeded.

weak   = horizontal flip + random crop + colour jitter (the paper's "WA": flipping, colour jittering; its
         faces are resized to 256 and randomly cropped to 224: ``crop_fraction=224/256`` at any image size);
strong = horizontal flip + random crop + torchvision RandAugment + cutout (the paper's "SA", Cubuk et al.
         2020; its consistency augmentation is "rotation, removal and pixel-level manipulation": RandAugment
         rotates and changes pixels, cutout removes a square, as in FixMatch's RandAugment).
Evaluation takes :func:`centre_crop`. The crop and the cutout are off by default (``crop_fraction=1``, ``cutout_fraction=0``: nothing drawn).

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


def _crop_size(images: torch.Tensor, crop_fraction: float) -> tuple[int, int]:
    _check_images(images)
    if not 0 < crop_fraction <= 1:
        raise ValueError(f"crop_fraction must be in (0, 1], got {crop_fraction}")
    h, w = images.shape[-2:]
    return max(1, round(crop_fraction * h)), max(1, round(crop_fraction * w))


def random_crop(images: torch.Tensor, generator: torch.Generator, crop_fraction: float) -> torch.Tensor:
    """A random crop of each image: uint8 [B, 3, H, W] -> uint8 [B, 3, h, w], h = round(crop_fraction * H).

    The paper's random 224 crop of a 256 face is ``crop_fraction=224/256``: the crop keeps the pixels' scale
    (no resize), so evaluation takes the :func:`centre_crop` of the same size, as Resize 256 + CenterCrop 224.
    ``crop_fraction=1`` returns the input and draws nothing.
    """
    ch, cw = _crop_size(images, crop_fraction)
    b, _, h, w = images.shape
    if (ch, cw) == (h, w):
        return images
    top = torch.randint(0, h - ch + 1, (b,), generator=generator).tolist()
    left = torch.randint(0, w - cw + 1, (b,), generator=generator).tolist()
    return torch.stack([img[:, t:t + ch, l:l + cw] for img, t, l in zip(images, top, left)])  # [B, 3, ch, cw]


def centre_crop(images: torch.Tensor, crop_fraction: float) -> torch.Tensor:
    """The evaluation view of :func:`random_crop`: the centred crop, uint8 [B, 3, H, W] -> [B, 3, h, w]."""
    ch, cw = _crop_size(images, crop_fraction)
    top, left = (images.shape[-2] - ch) // 2, (images.shape[-1] - cw) // 2
    return images[..., top:top + ch, left:left + cw]


def cutout(images: torch.Tensor, generator: torch.Generator, size_fraction: float, fill: int = 127) -> torch.Tensor:
    """Removes a square of side round(size_fraction * H) centred at a uniform random pixel of each image
    (clipped at the edges), filled with grey ``fill``: uint8 [B, 3, H, W] -> same. 0 returns the input."""
    _check_images(images)
    if not 0 <= size_fraction <= 1:
        raise ValueError(f"size_fraction must be in [0, 1], got {size_fraction}")
    b, _, h, w = images.shape
    side = round(size_fraction * h)
    if side == 0:
        return images
    cy = torch.randint(0, h, (b, 1), generator=generator).to(images.device)
    cx = torch.randint(0, w, (b, 1), generator=generator).to(images.device)
    ys, xs = torch.arange(h, device=images.device), torch.arange(w, device=images.device)
    inside_y = (ys >= cy - side // 2) & (ys < cy - side // 2 + side)  # [B, H]
    inside_x = (xs >= cx - side // 2) & (xs < cx - side // 2 + side)  # [B, W]
    mask = (inside_y[:, :, None] & inside_x[:, None, :])[:, None]     # [B, 1, H, W]
    return images.masked_fill(mask, fill)


def weak_augment(images: torch.Tensor, generator: torch.Generator, flip_p: float = 0.5, brightness: float = 0.4,
                 contrast: float = 0.4, saturation: float = 0.4, hue: float = 0.0,
                 crop_fraction: float = 1.0) -> torch.Tensor:
    """Weak view: random flip, random crop (:func:`random_crop`), then torchvision ColorJitter with the given
    strengths. uint8 [B,3,H,W] -> uint8 [B,3,h,w] (h = H without the crop).

    The paper gives no strengths; hue is off by default (its RGB->HSV round trip makes the jitter ~3x slower
    on a CPU); pass e.g. ``hue=0.1`` to add it.
    """
    jitter = v2.ColorJitter(brightness=brightness, contrast=contrast, saturation=saturation, hue=hue)
    return _per_image(random_crop(random_flip(images, generator, flip_p), generator, crop_fraction), jitter, generator)


def strong_augment(images: torch.Tensor, generator: torch.Generator, flip_p: float = 0.5, num_ops: int = 2,
                   magnitude: int = 9, crop_fraction: float = 1.0, cutout_fraction: float = 0.0) -> torch.Tensor:
    """Strong view: random flip, random crop, torchvision RandAugment(num_ops, magnitude), then
    :func:`cutout` of side ``cutout_fraction``. uint8 [B,3,H,W] -> uint8 [B,3,h,w]."""
    randaugment = v2.RandAugment(num_ops=num_ops, magnitude=magnitude)
    cropped = random_crop(random_flip(images, generator, flip_p), generator, crop_fraction)
    return cutout(_per_image(cropped, randaugment, generator), generator, cutout_fraction)
