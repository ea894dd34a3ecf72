"""LandmarkMask (SSL-FER): hide one eye or the mouth under an ellipse filled with the image's mean colour.

For each image a region is drawn (mouth 48-67, right eye 36-41, left eye 42-47, uniformly) and, with
probability ``p``, the ellipse inscribed in that region's landmark box widened by ``margin`` pixels on
every side is filled with the image's per-channel mean colour. Pure function: tensors in, tensors out,
randomness only from the generator passed in; works batched on any device.

Authors' code: the region is drawn **once per transform instance** (at construction) and reused for
every image; pass ``regions=`` to :func:`landmark_mask` with a constant to reproduce that. Here the
region is drawn per call and per image (the paper's intent: a random region).
"""

from __future__ import annotations

import numpy as np
import torch

#: region id -> landmark indices
MASK_REGIONS: tuple[tuple[int, ...], ...] = (
    tuple(range(48, 68)),   # 0: mouth
    tuple(range(36, 42)),   # 1: right eye (image left)
    tuple(range(42, 48)),   # 2: left eye (image right)
)
REGION_NAMES = ("mouth", "right_eye", "left_eye")


def ellipse_masks(landmarks: torch.Tensor, regions: torch.Tensor, height: int, width: int,
                  margin: float = 10.0) -> torch.Tensor:
    """Boolean ``[B, H, W]``: the ellipse of each image's region; a region id of -1 gives an empty mask.

    landmarks: float ``[B, 68, 2]`` pixel (x, y); regions: long ``[B]`` in {-1, 0, 1, 2}.
    """
    b = landmarks.shape[0]
    boxes = torch.zeros(b, 4, dtype=torch.float32, device=landmarks.device)
    for rid, idx in enumerate(MASK_REGIONS):
        pts = landmarks[:, list(idx)].float()                                     # [B, n, 2]
        box = torch.cat([pts.amin(1) - margin, pts.amax(1) + margin], dim=1)      # [B, 4] x0, y0, x1, y1
        boxes = torch.where((regions == rid)[:, None], box, boxes)
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2                                     # [B, 2]
    half = ((boxes[:, 2:] - boxes[:, :2]) / 2).clamp(min=1e-6)                     # [B, 2] semi-axes
    ys = torch.arange(height, device=landmarks.device, dtype=torch.float32).view(1, height, 1)
    xs = torch.arange(width, device=landmarks.device, dtype=torch.float32).view(1, 1, width)
    inside = ((xs - centre[:, 0, None, None]) / half[:, 0, None, None]) ** 2 \
        + ((ys - centre[:, 1, None, None]) / half[:, 1, None, None]) ** 2 <= 1.0  # [B, H, W]
    return inside & (regions >= 0)[:, None, None]


def landmark_mask(images: torch.Tensor, landmarks: torch.Tensor, regions: torch.Tensor | int,
                  margin: float = 10.0) -> torch.Tensor:
    """Fill each image's region ellipse with the image's mean colour.

    images: ``[B, C, H, W]`` (uint8 or float) or one image ``[C, H, W]``; landmarks: ``[B, 68, 2]`` (or ``[68, 2]``);
    regions: long ``[B]`` (or an int for all) in {-1 = leave unchanged, 0 = mouth, 1 = right eye, 2 = left eye}.
    Returns a new tensor of the same shape and dtype (uint8 means are rounded).
    """
    single = images.ndim == 3
    if single:
        images, landmarks = images[None], landmarks[None]
    if images.ndim != 4 or landmarks.shape[1:] != (68, 2) or landmarks.shape[0] != images.shape[0]:
        raise ValueError(f"expected images [B, C, H, W] and landmarks [B, 68, 2], got {tuple(images.shape)} "
                         f"and {tuple(landmarks.shape)}")
    regions = torch.as_tensor(regions, dtype=torch.long, device=images.device).expand(images.shape[0])
    if ((regions < -1) | (regions >= len(MASK_REGIONS))).any():
        raise ValueError(f"region ids must be in -1..{len(MASK_REGIONS) - 1}, got {regions.tolist()}")
    mask = ellipse_masks(landmarks.to(images.device), regions, images.shape[2], images.shape[3], margin)
    mean = images.float().mean(dim=(2, 3), keepdim=True)                                # [B, C, 1, 1]
    if not images.dtype.is_floating_point:
        mean = mean.round()
    out = torch.where(mask[:, None], mean.to(images.dtype), images)
    return out[0] if single else out


def draw_regions(batch: int, p: float, generator: torch.Generator | np.random.Generator,
                 device: torch.device | str = "cpu") -> torch.Tensor:
    """Region ids ``long [B]``: uniform over the three regions, replaced by -1 (no mask) with probability 1 - p."""
    if isinstance(generator, np.random.Generator):
        region = torch.from_numpy(generator.integers(0, len(MASK_REGIONS), size=batch))
        apply = torch.from_numpy(generator.random(batch) < p)
    else:
        region = torch.randint(0, len(MASK_REGIONS), (batch,), generator=generator)
        apply = torch.rand(batch, generator=generator) < p
    return torch.where(apply, region, torch.full_like(region, -1)).to(device)


def random_landmark_mask(images: torch.Tensor, landmarks: torch.Tensor,
                         generator: torch.Generator | np.random.Generator, p: float = 0.8,
                         margin: float = 10.0) -> tuple[torch.Tensor, torch.Tensor]:
    """LandmarkMask with a region drawn per call and per image; returns (masked images, region ids ``[B]``).

    p: probability of masking an image (SSL-FER: 0.8). The generator lives on the CPU; ids move to the images' device.
    """
    batch = images.shape[0] if images.ndim == 4 else 1
    regions = draw_regions(batch, p, generator, images.device)
    return landmark_mask(images, landmarks, regions if images.ndim == 4 else regions[0], margin), regions
