"""CRS-CONT's FER-specific two-view augmentation, batched on the device with per-sample randomness.

Per view and per image, as the authors' ``TwoCropTransform`` of torchvision transforms:
RandomResizedCrop(S, scale=(0.5, 1), ratio=(3/4, 4/3)) -> HorizontalFlip(p=.5) ->
ColorJitter(0.4, 0.4, 0.4, 0.1) with p=.8 -> Grayscale(3 channels) with p=.2 -> ImageNet normalisation.

torchvision's transforms draw one set of parameters per call, i.e. per image inside a Dataset; here every
parameter is drawn per sample from a seeded ``torch.Generator`` (on the CPU, then moved) and applied to the
whole batch at once on its device. Crop boxes and the crop-resize-flip are the book's one sampler and
crop (:func:`fer_lib.augment.views.resized_crop_boxes`, :func:`~fer_lib.augment.views.crop_resize_flip`),
the colour ops the same blends and HSV maths as ``torchvision.transforms.v2.functional`` (tested equal per
image). Unlike a fixed order, the four jitter ops run in a random order per sample,
as torchvision's ColorJitter does per call.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torchvision.transforms.v2.functional as TF
from torch import Tensor

from fer_lib.augment.color import IMAGENET_MEAN, IMAGENET_STD, color_jitter
from fer_lib.augment.views import crop_resize_flip, resized_crop_boxes


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
    boxes = resized_crop_boxes(b, h, w, cfg.scale, cfg.ratio, generator)
    flip = torch.rand(b, generator=generator) < cfg.flip_p
    x = crop_resize_flip(x, boxes, cfg.size, flip)                                                # [B, 3, S, S]
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
