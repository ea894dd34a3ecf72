"""Per-sample CutMix between images of a batch (a box of a partner image pasted into each image).

torchvision's ``v2.CutMix`` draws one box for the whole batch and mixes labels; contrastive tuples need
a box per sample and no label mixing, so the box sampling of torchvision's CutMix (centre uniform over
the image, side ``sqrt(1 - lam)`` of the image's, clipped at the border, ``lam`` re-computed from the
clipped area) is done here per sample, with ``lam ~ U(0, 1)`` = torchvision's default ``Beta(1, 1)``.
"""

from __future__ import annotations

import torch
from torch import Tensor


def cutmix_boxes(n: int, height: int, width: int, generator: torch.Generator,
                 lam_range: tuple[float, float] = (0.0, 1.0)) -> tuple[Tensor, Tensor]:
    """Boxes long [n, 4] (y0, x0, y1, x1), end-exclusive, and the kept fraction ``lam`` float [n]
    (1 - box area / image area, after clipping)."""
    lam = lam_range[0] + (lam_range[1] - lam_range[0]) * torch.rand(n, generator=generator)
    cy = torch.randint(height, (n,), generator=generator)
    cx = torch.randint(width, (n,), generator=generator)
    half_h = (0.5 * height * torch.sqrt(1.0 - lam)).long()
    half_w = (0.5 * width * torch.sqrt(1.0 - lam)).long()
    y0, y1 = (cy - half_h).clamp(0, height), (cy + half_h).clamp(0, height)
    x0, x1 = (cx - half_w).clamp(0, width), (cx + half_w).clamp(0, width)
    boxes = torch.stack([y0, x0, y1, x1], dim=1)
    kept = 1.0 - ((y1 - y0) * (x1 - x0)).float() / (height * width)
    return boxes, kept


def box_masks(boxes: Tensor, height: int, width: int, device: torch.device | None = None) -> Tensor:
    """bool [n, 1, H, W], True inside each box (y0, x0, y1, x1)."""
    boxes = boxes.to(device)
    ys = torch.arange(height, device=device).view(1, height, 1)
    xs = torch.arange(width, device=device).view(1, 1, width)
    y0, x0, y1, x1 = (boxes[:, i].view(-1, 1, 1) for i in range(4))
    return ((ys >= y0) & (ys < y1) & (xs >= x0) & (xs < x1))[:, None]


def cutmix(images: Tensor, partner: Tensor, generator: torch.Generator, p: float = 1.0,
           lam_range: tuple[float, float] = (0.0, 1.0)) -> tuple[Tensor, Tensor]:
    """Paste, with probability ``p`` per sample, a random box of ``images[partner[i]]`` into ``images[i]``.

    images: [B, C, H, W] (any dtype); partner: long [B] index of each sample's donor; generator: CPU.
    Returns (mixed [B, C, H, W], kept float [B]: the fraction of each image that is its own, 1 where not applied).
    """
    b, _, height, width = images.shape
    if partner.shape != (b,):
        raise ValueError(f"partner must be [B] = [{b}], got {tuple(partner.shape)}")
    boxes, kept = cutmix_boxes(b, height, width, generator, lam_range)
    apply = torch.rand(b, generator=generator) < p
    mask = box_masks(boxes, height, width, images.device) & apply.to(images.device).view(-1, 1, 1, 1)
    mixed = torch.where(mask, images[partner.to(images.device)], images)
    return mixed, torch.where(apply, kept, torch.ones_like(kept))
