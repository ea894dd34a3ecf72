"""Per-sample batched views against torchvision's per-image functional ops."""

import pytest
import torch
from torchvision.transforms.v2 import functional as TF

from fer_lib.augment.views import (
    ViewConfig, crop_resize_flip, gaussian_blur, make_views, resized_crop_boxes, simclr_view_config,
)


def rand_images(b=4, h=20, w=20, seed=0):
    return torch.rand(b, 3, h, w, generator=torch.Generator().manual_seed(seed))


def test_crop_identity_flip_and_exact_crop():
    x = rand_images()
    full = torch.tensor([[0, 0, 20, 20]] * 4, dtype=torch.float64)
    no = torch.zeros(4, dtype=torch.bool)
    torch.testing.assert_close(crop_resize_flip(x, full, 20, no), x, atol=1e-5, rtol=0)
    yes = torch.tensor([True, False, True, False])
    out = crop_resize_flip(x, full, 20, yes)
    torch.testing.assert_close(out[0], x[0].flip(-1), atol=1e-5, rtol=0)
    torch.testing.assert_close(out[1], x[1], atol=1e-5, rtol=0)
    # Integer boxes resized to their own size are exact crops; each sample its own box.
    boxes = torch.tensor([[2, 3, 10, 10], [0, 0, 10, 10], [10, 10, 10, 10], [5, 1, 10, 10]], dtype=torch.float64)
    out = crop_resize_flip(x, boxes, 10, no)
    for i, (t, l, h, w) in enumerate(boxes.long().tolist()):
        torch.testing.assert_close(out[i], x[i, :, t:t + h, l:l + w], atol=1e-5, rtol=0)
    # Upscaling matches torchvision's bilinear resized_crop away from the crop's edge (there grid_sample
    # reads the neighbouring pixels outside the box, torchvision repeats the box's edge).
    out = crop_resize_flip(x, boxes, 16, no)
    for i, (t, l, h, w) in enumerate(boxes.long().tolist()):
        ref = TF.resized_crop(x[i], t, l, h, w, [16, 16], antialias=False)
        torch.testing.assert_close(out[i, :, 1:-1, 1:-1], ref[:, 1:-1, 1:-1], atol=1e-4, rtol=0)


def test_boxes_follow_scale_and_ratio_bounds():
    g = torch.Generator().manual_seed(0)
    boxes = resized_crop_boxes(500, 64, 64, (0.08, 1.0), (3 / 4, 4 / 3), g)
    t, l, h, w = boxes.unbind(1)
    assert (t >= 0).all() and (l >= 0).all() and (t + h <= 64).all() and (l + w <= 64).all()
    area = h * w / 64 ** 2
    assert area.min() >= 0.06 and area.max() <= 1.0 and area.std() > 0.1
    fixed = resized_crop_boxes(50, 128, 128, ((112 / 128) ** 2,) * 2, (1.0, 1.0), g)
    assert (fixed[:, 2] == 112).all() and (fixed[:, 3] == 112).all() and fixed[:, 0].unique().numel() > 5


def test_gaussian_blur_matches_torchvision_per_image():
    x = rand_images(3)
    sigma = torch.tensor([0.3, 1.0, 2.0])
    out = gaussian_blur(x, sigma, 5)
    for i in range(3):
        ref = TF.gaussian_blur(x[i], [5, 5], [float(sigma[i])] * 2)
        torch.testing.assert_close(out[i], ref, atol=1e-5, rtol=0)


def test_make_views_per_sample_randomness_and_seed():
    imgs = (rand_images(8, 32, 32) * 255).to(torch.uint8)
    same = imgs[:1].expand(8, -1, -1, -1).contiguous()
    cfg = simclr_view_config(24)
    a = make_views(same, cfg, torch.Generator().manual_seed(1))
    b = make_views(same, cfg, torch.Generator().manual_seed(1))
    assert a.shape == (8, 3, 24, 24)
    torch.testing.assert_close(a, b)
    # The same image gives different views across the batch (per-sample parameters).
    diffs = (a[1:] - a[:1]).abs().flatten(1).mean(1)
    assert (diffs > 1e-3).all()
    # No augmentation at all: a plain resize + normalise.
    plain = ViewConfig(size=32, crop_scale=(1.0, 1.0), flip_p=0, jitter=(0, 0, 0, 0), blur_p=0, gray_p=0,
                       mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))
    torch.testing.assert_close(make_views(imgs, plain, torch.Generator()), imgs.float() / 255, atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="\\[B, 3, H, W\\]"):
        make_views(imgs[:, :1], cfg, torch.Generator())
