"""CRS-CONT FER views: per-sample batched ops agree with torchvision's per-image functional ops."""

from __future__ import annotations

import pytest
import torch
import torchvision.transforms.v2.functional as TF

from fer_lib.augment.fer_views import (FerViewConfig, crop_resize, fer_two_views, fer_view,
                                       random_resized_boxes)


def _images(b=6, h=24, w=20, seed=0):
    return torch.randint(0, 256, (b, 3, h, w), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


def test_boxes_respect_scale_ratio_and_bounds():
    g = torch.Generator().manual_seed(0)
    boxes = random_resized_boxes(2000, 48, 40, (0.5, 1.0), (3 / 4, 4 / 3), g)
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    assert (boxes[:, 0] >= 0).all() and (boxes[:, 1] >= 0).all()
    assert (boxes[:, 2] <= 40).all() and (boxes[:, 3] <= 48).all()
    area = w * h / (48 * 40)
    fell_back = (w == 40) & (h == 48)  # the fallback crop of a 40x48 image is the whole image (ratio 5/6 allowed)
    ok = ~fell_back
    assert ok.float().mean() > 0.8
    # rounding of w and h moves area and aspect a little outside the drawn range
    assert (area[ok] > 0.5 - 0.06).all() and (area[ok] <= 1.0).all()
    assert ((w / h)[ok] > 0.75 - 0.05).all() and ((w / h)[ok] < 4 / 3 + 0.05).all()
    assert area.std() > 0.1  # per-sample draws, not one box for the batch


def test_crop_resize_identity_and_matches_torchvision_bilinear():
    x = _images(2, 16, 16).float() / 255
    full = torch.tensor([[0.0, 0.0, 16.0, 16.0]] * 2)
    torch.testing.assert_close(crop_resize(x, full, 16), x)
    box = torch.tensor([[4.0, 2.0, 12.0, 10.0], [0.0, 0.0, 8.0, 8.0]])  # 8x8 crops upsampled x2
    out = crop_resize(x, box, 16)
    for i, (x0, y0, x1, y1) in enumerate(box.int().tolist()):
        ref = TF.resized_crop(x[i], y0, x0, y1 - y0, x1 - x0, [16, 16], antialias=False)
        # inside the crop torchvision and roi_align interpolate the same points; at the border roi_align
        # reads pixels outside the crop where torchvision clamps to the crop edge
        torch.testing.assert_close(out[i, :, 1:-1, 1:-1], ref[:, 1:-1, 1:-1], atol=1e-5, rtol=0)


def test_view_deterministic_per_sample_and_shaped():
    imgs = _images(4)
    imgs[1] = imgs[0]
    cfg = FerViewConfig(size=12)
    a = fer_two_views(imgs, cfg, torch.Generator().manual_seed(7))
    b = fer_two_views(imgs, cfg, torch.Generator().manual_seed(7))
    assert a.shape == (8, 3, 12, 12) and a.dtype == torch.float32
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a[0], a[1])  # same image, independent parameters
    assert not torch.allclose(a[0], a[4])  # two views of one image differ


def test_view_flip_and_grey_probabilities():
    imgs = _images(3, 10, 10)
    exact = FerViewConfig(size=10, scale=(1.0, 1.0), ratio=(1.0, 1.0), flip_p=1.0, jitter_p=0.0, grey_p=0.0,
                          normalize=False)
    out = fer_view(imgs, exact, torch.Generator().manual_seed(0))
    torch.testing.assert_close(out, imgs.float().flip(-1) / 255)
    grey = fer_view(imgs, FerViewConfig(size=10, grey_p=1.0, normalize=False), torch.Generator().manual_seed(0))
    torch.testing.assert_close(grey[:, 0], grey[:, 1])
    torch.testing.assert_close(grey[:, 1], grey[:, 2])
    norm = fer_view(imgs, FerViewConfig(size=10, scale=(1.0, 1.0), ratio=(1.0, 1.0), flip_p=0.0, jitter_p=0.0,
                                        grey_p=0.0), torch.Generator().manual_seed(0))
    torch.testing.assert_close(norm, TF.normalize(imgs.float() / 255, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]))


def test_view_rejects_float_input():
    with pytest.raises(ValueError, match="uint8"):
        fer_view(torch.zeros(2, 3, 8, 8), FerViewConfig(size=8), torch.Generator())


def test_eval_view_resizes_and_normalises():
    from fer_lib.augment.fer_views import fer_eval_view

    imgs = _images(2, 10, 10)
    torch.testing.assert_close(fer_eval_view(imgs, 10, normalize=False), imgs.float() / 255)
    big = fer_eval_view(torch.full((1, 3, 8, 8), 128, dtype=torch.uint8), 16)
    torch.testing.assert_close(big[0, :, 0, 0], (torch.full((3,), 128 / 255) - torch.tensor([0.485, 0.456, 0.406]))
                               / torch.tensor([0.229, 0.224, 0.225]))
    assert big.shape == (1, 3, 16, 16)
