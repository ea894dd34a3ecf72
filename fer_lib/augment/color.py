"""Colour operations shared by every view pipeline: per-sample ColorJitter, RGB <-> HSV, and ImageNet statistics.

The four jitter operations use torchvision's formulas (``adjust_brightness``, ``adjust_contrast``,
``adjust_saturation``, ``adjust_hue``) with one factor per sample instead of one per call. The HSV
conversion is written here from the same algorithm torchvision and Pillow use (Pillow's ``Convert.c``:
hue from the max channel, no NaN where max = min), operation for operation, so it gives torchvision's
values bit for bit without importing its private helpers (tested against ``TF.adjust_hue``).
"""

from __future__ import annotations

import torch
import torchvision.transforms.v2.functional as TF
from torch import Tensor

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: for hsv_to_rgb: which of (v, p, q, t) is r, g, b in each of the six hue sectors
_SECTORS = ((0, 2, 1, 1, 3, 0), (3, 0, 0, 2, 1, 1), (1, 1, 3, 0, 0, 2))


def rgb_to_hsv(image: Tensor) -> Tensor:
    """float [..., 3, H, W] RGB in [0, 1] -> [..., 3, H, W] (hue in turns [0, 1), saturation, value)."""
    r, g, _ = image.unbind(dim=-3)
    minc, maxc = torch.aminmax(image, dim=-3)
    eqc = maxc == minc                                   # grey pixels: hue and saturation 0, no division by 0
    channels_range = maxc - minc
    ones = torch.ones_like(maxc)
    s = channels_range / torch.where(eqc, ones, maxc)
    divisor = torch.where(eqc, ones, channels_range).unsqueeze(dim=-3)
    rc, gc, bc = ((maxc.unsqueeze(dim=-3) - image) / divisor).unbind(dim=-3)
    max_not_r = maxc != r
    max_is_g = maxc == g
    hg = rc.add(2.0).sub_(bc).mul_(max_is_g & max_not_r)
    hr = bc.sub(gc).mul_(~max_not_r)
    hb = gc.add(4.0).sub_(rc).mul_(max_not_r & ~max_is_g)
    h = hr.add_(hg).add_(hb).mul_(1.0 / 6.0).add_(1.0).fmod_(1.0)
    return torch.stack((h, s, maxc), dim=-3)


def hsv_to_rgb(image: Tensor) -> Tensor:
    """float [..., 3, H, W] HSV (hue in turns) -> RGB in [0, 1]."""
    h, s, v = image.unbind(dim=-3)
    h6 = h.mul(6)
    i = torch.floor(h6)
    f = h6.sub_(i)
    i = i.to(dtype=torch.int32).remainder_(6)
    sxf = s * f
    one_minus_s = 1.0 - s
    q = (1.0 - sxf).mul_(v).clamp_(0.0, 1.0)
    t = sxf.add_(one_minus_s).mul_(v).clamp_(0.0, 1.0)
    p = one_minus_s.mul_(v).clamp_(0.0, 1.0)
    vpqt = torch.stack((v, p, q, t), dim=-3)                                   # [..., 4, H, W]
    select = torch.tensor(_SECTORS, dtype=torch.long, device=image.device)[:, i]  # [3, ..., H, W]
    return vpqt.gather(-3, select.moveaxis(0, -3) if select.ndim > 3 else select)


def blend(image: Tensor, other: Tensor, ratio: Tensor) -> Tensor:
    """torchvision's blend per sample: clamp(ratio * image + (1 - ratio) * other, 0, 1); ratio [B] over [B, C, H, W]."""
    r = ratio.to(image)[:, None, None, None]
    return (r * image + (1 - r) * other).clamp(0, 1)


def _jitter_op(x: Tensor, factor: Tensor, op: int) -> Tensor:
    """One of the four ops on x [b, 3, H, W] with factor [b]: 0 brightness, 1 contrast, 2 saturation, 3 hue."""
    if op == 0:
        return blend(x, torch.zeros_like(x), factor)
    if op == 1:
        return blend(x, TF.rgb_to_grayscale(x).mean(dim=(-3, -2, -1), keepdim=True), factor)
    if op == 2:
        return blend(x, TF.rgb_to_grayscale(x), factor)
    hsv = rgb_to_hsv(x)                                  # hue: rotate H by the shift, in turns
    hue = (hsv[:, 0] + factor.to(x)[:, None, None]) % 1.0
    return hsv_to_rgb(torch.stack([hue, hsv[:, 1], hsv[:, 2]], dim=1))


def color_jitter(images: Tensor, factors: Tensor, order: Tensor | None = None) -> Tensor:
    """Per-sample ColorJitter: images float [B, 3, H, W] in [0, 1]; factors [B, 4] (brightness, contrast,
    saturation multipliers (1 = unchanged), hue shift in turns in [-0.5, 0.5] (0 = unchanged)).

    order: int [B, 4], a permutation of 0..3 per sample (0 brightness, 1 contrast, 2 saturation, 3 hue), as
    torchvision's ColorJitter draws per call; None applies the fixed order brightness, contrast, saturation,
    hue to every sample. Returns [B, 3, H, W].
    """
    if order is None:
        out = images
        for op in range(4):
            out = _jitter_op(out, factors[:, op], op)
        return out
    out = images
    for step in range(4):
        for op in range(4):
            rows = torch.nonzero(order[:, step] == op)[:, 0].to(images.device)
            if rows.numel():
                out = out.index_copy(0, rows, _jitter_op(out[rows], factors[rows.cpu(), op], op))
    return out
