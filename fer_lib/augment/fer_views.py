"""CRS-CONT's FER-specific two-view augmentation, batched on the device with per-sample randomness.

Per view and per image, as the authors' ``TwoCropTransform`` of torchvision transforms:
RandomResizedCrop(S, scale=(0.5, 1), ratio=(3/4, 4/3)) -> HorizontalFlip(p=.5) ->
ColorJitter(0.4, 0.4, 0.4, 0.1) with p=.8 -> Grayscale(3 channels) with p=.2 -> ImageNet normalisation.

torchvision's transforms draw one set of parameters per call, i.e. per image inside a Dataset; here every
parameter is drawn per sample from a seeded ``torch.Generator`` (on the CPU, then moved) and applied to the
whole batch at once on its device. The crop uses ``torchvision.ops.roi_align`` (bilinear, one sample per
output pixel), the colour ops the same blends and HSV maths as ``torchvision.transforms.v2.functional``
(tested equal per image). Unlike a fixed order, the four jitter ops run in a random order per sample,
as torchvision's ColorJitter does per call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torchvision.transforms.v2.functional as TF
from torch import Tensor
from torchvision.ops import roi_align

from fer_lib.augment.color import IMAGENET_MEAN, IMAGENET_STD, color_jitter


@dataclass(frozen=True)
class FerViewConfig:
    """The augmentation's parameters (defaults = the CRS-CONT code)."""

    size: int = 224
    scale: tuple[float, float] = (0.5, 1.0)
    ratio: tuple[float, float] = (3 / 4, 4 / 3)
    flip_p: float = 0.5
    jitter: tuple[float, float, float, float] = (0.4, 0.4, 0.4, 0.1)  # brightness, contrast, saturation, hue
    jitter_p: float = 0.8
    grey_p: float = 0.2
    normalize: bool = True


def random_resized_boxes(batch: int, height: int, width: int, scale: tuple[float, float],
                         ratio: tuple[float, float], generator: torch.Generator, attempts: int = 10) -> Tensor:
    """Per-sample crop boxes, torchvision's RandomResizedCrop.get_params vectorised -> float [B, 4] (x0, y0, x1, y1).

    For each sample, up to ``attempts`` (area, log-uniform aspect) draws; the first that fits is used;
    if none fits, the central crop clamped to ``ratio`` (torchvision's fallback).
    """
    area = height * width
    target = area * torch.empty(batch, attempts).uniform_(*scale, generator=generator)            # [B, A]
    log_r = torch.empty(batch, attempts).uniform_(math.log(ratio[0]), math.log(ratio[1]), generator=generator)
    aspect = torch.exp(log_r)
    w = torch.round(torch.sqrt(target * aspect))
    h = torch.round(torch.sqrt(target / aspect))
    fits = (w > 0) & (h > 0) & (w <= width) & (h <= height)                                      # [B, A]
    first = torch.where(fits.any(1), fits.float().argmax(1), torch.full((batch,), -1))          # [B]
    u = torch.rand(batch, attempts, 2, generator=generator)
    pick = first.clamp(min=0)[:, None]
    w, h = w.gather(1, pick)[:, 0], h.gather(1, pick)[:, 0]                                       # [B]
    x0 = torch.floor(u[:, :, 0].gather(1, pick)[:, 0] * (width - w + 1))
    y0 = torch.floor(u[:, :, 1].gather(1, pick)[:, 0] * (height - h + 1))
    # fallback: whole image cropped to the allowed aspect range, centred
    in_ratio = width / height
    fw, fh = (float(width), float(height))
    if in_ratio < ratio[0]:
        fh = float(round(width / ratio[0]))
    elif in_ratio > ratio[1]:
        fw = float(round(height * ratio[1]))
    fallback = first < 0
    w, h = torch.where(fallback, fw, w), torch.where(fallback, fh, h)
    x0 = torch.where(fallback, float((width - fw) // 2), x0)
    y0 = torch.where(fallback, float((height - fh) // 2), y0)
    return torch.stack([x0, y0, x0 + w, y0 + h], dim=1)


def crop_resize(images: Tensor, boxes: Tensor, size: int) -> Tensor:
    """Crop each image to its box and resize to ``size`` x ``size`` (bilinear).

    images: float [B, C, H, W]; boxes: [B, 4] (x0, y0, x1, y1) in pixel-edge coordinates. Returns [B, C, S, S].
    """
    rois = torch.cat([torch.arange(len(boxes), dtype=boxes.dtype)[:, None], boxes], dim=1)       # [B, 5]
    rois = rois.to(device=images.device, dtype=images.dtype)
    return roi_align(images, rois, output_size=(size, size), spatial_scale=1.0, sampling_ratio=1, aligned=True)


def fer_view(images: Tensor, cfg: FerViewConfig, generator: torch.Generator) -> Tensor:
    """One augmented view of a batch.

    images: uint8 [B, 3, H, W] (RGB) on any device; generator: a CPU ``torch.Generator`` (all parameters
    are drawn from it, so a seed fixes the views on every device). Returns float [B, 3, S, S], normalised
    with the ImageNet mean/std when ``cfg.normalize``.
    """
    if images.dtype != torch.uint8 or images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"fer_view expects uint8 [B, 3, H, W] images, got {images.dtype} {tuple(images.shape)}")
    b, _, h, w = images.shape
    x = images.float() / 255.0
    boxes = random_resized_boxes(b, h, w, cfg.scale, cfg.ratio, generator)
    x = crop_resize(x, boxes, cfg.size)                                                           # [B, 3, S, S]
    flip = (torch.rand(b, generator=generator) < cfg.flip_p).to(x.device)
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    bri, con, sat, hue = cfg.jitter
    lo = torch.tensor([1 - bri, 1 - con, 1 - sat, -hue]).clamp(min=torch.tensor([0.0, 0.0, 0.0, -0.5]))
    hi = torch.tensor([1 + bri, 1 + con, 1 + sat, hue])
    factors = lo + (hi - lo) * torch.rand(b, 4, generator=generator)                              # [B, 4]
    order = torch.rand(b, 4, generator=generator).argsort(dim=1)                                   # [B, 4]
    jitter = torch.rand(b, generator=generator) < cfg.jitter_p
    if bool(jitter.any()):
        rows = torch.nonzero(jitter)[:, 0]
        x = x.index_copy(0, rows.to(x.device), color_jitter(x[rows.to(x.device)], factors[rows], order[rows]))
    grey = (torch.rand(b, generator=generator) < cfg.grey_p).to(x.device)
    x = torch.where(grey[:, None, None, None], TF.rgb_to_grayscale(x, num_output_channels=3), x)
    if cfg.normalize:
        x = TF.normalize(x, list(IMAGENET_MEAN), list(IMAGENET_STD))
    return x


def fer_two_views(images: Tensor, cfg: FerViewConfig, generator: torch.Generator) -> Tensor:
    """Two independent views, stacked as SupCon expects: uint8 [B, 3, H, W] -> float [2B, 3, S, S] (view 1 then 2)."""
    return torch.cat([fer_view(images, cfg, generator), fer_view(images, cfg, generator)], dim=0)


def fer_eval_view(images: Tensor, size: int, normalize: bool = True) -> Tensor:
    """The deterministic evaluation view: uint8 [B, 3, H, W] -> float [B, 3, S, S] (antialiased resize,
    ImageNet normalisation), the code's test transform Resize(S) for square faces."""
    if images.dtype != torch.uint8 or images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"fer_eval_view expects uint8 [B, 3, H, W] images, got {images.dtype} {tuple(images.shape)}")
    x = images.float() / 255.0
    if x.shape[-2:] != (size, size):
        x = TF.resize(x, [size, size], antialias=True)
    return TF.normalize(x, list(IMAGENET_MEAN), list(IMAGENET_STD)) if normalize else x
