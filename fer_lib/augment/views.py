"""Batched, on-device SimCLR/BYOL views with per-sample randomness from a ``torch.Generator``.

torchvision's v2 transforms accept a batch but draw ONE set of parameters for the whole batch. Here
every sample gets its own crop box, flip, jitter factors, blur sigma and grey-scale coin; all
parameters are drawn on the CPU from the given generator (so a seed gives the same views on any
device) and the pixel work runs on the images' device in a few batched ops. Colour maths follows
torchvision's functional ops (tested per image against them), with one documented difference:
the four jitter operations run in the fixed order brightness, contrast, saturation, hue (torchvision
shuffles the order per call).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor
from torchvision.transforms.v2 import functional as TF

from fer_lib.augment.color import IMAGENET_MEAN, IMAGENET_STD, color_jitter


@dataclass(frozen=True)
class ViewConfig:
    """One view pipeline. Defaults: the SSL-FER authors' view 1 scaled to ``size`` (they Resize(128) then
    RandomCrop(112): a fixed-size crop of (112/128)^2 of the area at a random place, aspect 1)."""

    size: int = 112
    crop_scale: tuple[float, float] = ((112 / 128) ** 2, (112 / 128) ** 2)
    crop_ratio: tuple[float, float] = (1.0, 1.0)
    flip_p: float = 0.5
    jitter: tuple[float, float, float, float] = (0.4, 0.4, 0.4, 0.2)   # brightness, contrast, saturation, hue
    jitter_p: float = 1.0                                              # authors: view 1 always, view 2 p = 0.8
    blur_p: float = 0.5
    blur_kernel: int = 3
    blur_sigma: tuple[float, float] = (0.1, 2.0)
    gray_p: float = 0.2
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD


def simclr_view_config(size: int) -> ViewConfig:
    """SimCLR's standard view: RandomResizedCrop(scale 0.08-1, ratio 3/4-4/3), jitter (0.4, 0.4, 0.4, 0.1) p=0.8."""
    return ViewConfig(size=size, crop_scale=(0.08, 1.0), crop_ratio=(3 / 4, 4 / 3), jitter=(0.4, 0.4, 0.4, 0.1),
                      jitter_p=0.8)


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> Tensor:
    return low + (high - low) * torch.rand(n, generator=generator, dtype=torch.float64)


def resized_crop_boxes(n: int, height: int, width: int, scale: tuple[float, float], ratio: tuple[float, float],
                       generator: torch.Generator, attempts: int = 10) -> Tensor:
    """torchvision's RandomResizedCrop box sampling, per sample: float64 [n, 4] (top, left, h, w) in pixels.

    Up to ``attempts`` (area, log-ratio) draws per sample; the first that fits is kept, otherwise the
    central crop with the ratio clamped to ``ratio`` (torchvision's fallback).
    """
    area = height * width
    target = area * _uniform(n * attempts, *scale, generator).view(n, attempts)
    log_r = _uniform(n * attempts, math.log(ratio[0]), math.log(ratio[1]), generator).view(n, attempts)
    aspect = torch.exp(log_r)
    w = torch.round(torch.sqrt(target * aspect))
    h = torch.round(torch.sqrt(target / aspect))
    ok = (w > 0) & (h > 0) & (w <= width) & (h <= height)
    first = torch.where(ok.any(1), ok.float().argmax(1), torch.zeros(n, dtype=torch.long))
    h, w = h.gather(1, first[:, None])[:, 0], w.gather(1, first[:, None])[:, 0]
    in_ratio = width / height
    fb_w, fb_h = float(width), float(height)
    if in_ratio < min(ratio):
        fb_h = float(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        fb_w = float(round(height * max(ratio)))
    found = ok.any(1)
    h = torch.where(found, h, torch.full_like(h, fb_h))
    w = torch.where(found, w, torch.full_like(w, fb_w))
    u = torch.rand(n, 2, generator=generator, dtype=torch.float64)
    top = torch.where(found, torch.floor(u[:, 0] * (height - h + 1)), torch.floor((height - h) / 2))
    left = torch.where(found, torch.floor(u[:, 1] * (width - w + 1)), torch.floor((width - w) / 2))
    return torch.stack([top, left, h, w], dim=1)


def crop_resize_flip(images: Tensor, boxes: Tensor, size: int, flip: Tensor) -> Tensor:
    """Crop each box, resize it to ``size`` x ``size`` (bilinear) and mirror where ``flip``, in one grid_sample.

    images: float [B, C, H, W]; boxes: [B, 4] (top, left, h, w) pixels; flip: bool [B]. Returns [B, C, size, size].
    No antialiasing when shrinking (unlike torchvision's default ``antialias=True``); at the box's edge the
    bilinear taps read the image just outside the box (torchvision repeats the box's own edge pixels).
    """
    b, _, height, width = images.shape
    boxes = boxes.to(device=images.device, dtype=torch.float32)
    top, left, h, w = boxes.unbind(1)
    # Affine map from output coords in [-1, 1] to input coords in [-1, 1] (align_corners=False).
    sx, sy = w / width, h / height
    cx = (2 * left + w) / width - 1
    cy = (2 * top + h) / height - 1
    sign = 1.0 - 2.0 * flip.to(device=images.device, dtype=torch.float32)
    theta = torch.zeros(b, 2, 3, device=images.device)
    theta[:, 0, 0], theta[:, 0, 2] = sx * sign, cx
    theta[:, 1, 1], theta[:, 1, 2] = sy, cy
    grid = F.affine_grid(theta, [b, images.shape[1], size, size], align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)


def gaussian_blur(images: Tensor, sigma: Tensor, kernel_size: int) -> Tensor:
    """Per-sample Gaussian blur (torchvision's kernel and reflect padding), sigma [B] -> [B, C, H, W]."""
    b, c, height, width = images.shape
    half = (kernel_size - 1) * 0.5
    xs = torch.linspace(-half, half, kernel_size, device=images.device)
    k1d = torch.exp(-0.5 * (xs[None] / sigma.view(-1, 1)) ** 2)
    k1d = k1d / k1d.sum(1, keepdim=True)                                        # [B, k]
    k1d = k1d.repeat_interleave(c, dim=0)                                       # [B*C, k]
    pad = kernel_size // 2
    x = F.pad(images.reshape(1, b * c, height, width), [pad, pad, pad, pad], mode="reflect")
    x = F.conv2d(x, k1d[:, None, None, :], groups=b * c)                        # horizontal
    x = F.conv2d(x, k1d[:, None, :, None], groups=b * c)                        # vertical
    return x.reshape(b, c, height, width)


def make_views(images: Tensor, cfg: ViewConfig, generator: torch.Generator) -> Tensor:
    """One random view per image: crop+resize+flip, colour jitter, blur, grey-scale, normalise.

    images: uint8 [B, 3, H, W] (or float in [0, 1]) on any device; generator: a CPU generator.
    Returns float [B, 3, size, size], normalised with ``cfg.mean``/``cfg.std``.
    """
    if images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"images must be [B, 3, H, W], got {tuple(images.shape)}")
    x = images.float() / 255.0 if images.dtype == torch.uint8 else images.float()
    b, _, height, width = x.shape
    dev = x.device

    def coin(p: float) -> Tensor:
        return (torch.rand(b, generator=generator) < p).to(dev)

    boxes = resized_crop_boxes(b, height, width, cfg.crop_scale, cfg.crop_ratio, generator)
    x = crop_resize_flip(x, boxes, cfg.size, coin(cfg.flip_p))
    bri, con, sat, hue = cfg.jitter
    factors = [_uniform(b, max(0.0, 1 - j), 1 + j, generator) for j in (bri, con, sat)]
    shift = _uniform(b, -hue, hue, generator)
    apply = coin(cfg.jitter_p)
    ident = torch.ones(b, dtype=torch.float64)
    factors = [torch.where(apply.cpu(), f, ident).float().to(dev) for f in factors]
    shift = torch.where(apply.cpu(), shift, torch.zeros_like(shift)).float().to(dev)
    x = color_jitter(x, torch.stack([*factors, shift], dim=1))                 # fixed order: b, c, s, h
    sigma = _uniform(b, *cfg.blur_sigma, generator).float().to(dev)
    x = torch.where(coin(cfg.blur_p).view(-1, 1, 1, 1), gaussian_blur(x, sigma, cfg.blur_kernel), x)
    x = torch.where(coin(cfg.gray_p).view(-1, 1, 1, 1), TF.rgb_to_grayscale(x).expand_as(x), x)
    return TF.normalize(x, list(cfg.mean), list(cfg.std))


def two_views(images: Tensor, views: tuple[ViewConfig, ViewConfig], generator: torch.Generator) -> Tensor:
    """SimCLR/BYOL's two views of each image: uint8 [B, 3, H, W] -> [2B, 3, S, S] (all first views, then all second)."""
    return torch.cat([make_views(images, views[0], generator), make_views(images, views[1], generator)])


def plain_view(images: Tensor, size: int, mean: tuple[float, float, float] = IMAGENET_MEAN,
               std: tuple[float, float, float] = IMAGENET_STD) -> Tensor:
    """The evaluation view: resize to ``size`` (bilinear, antialiased) and normalise. uint8/float [B, 3, H, W] -> [B, 3, size, size]."""
    x = images.float() / 255.0 if images.dtype == torch.uint8 else images.float()
    if x.shape[-2:] != (size, size):
        x = TF.resize(x, [size, size], antialias=True)
    return TF.normalize(x, list(mean), list(std))
