"""CRS-CONT FER views: per-sample batched ops agree with torchvision's per-image functional ops."""

from __future__ import annotations

import pytest
import torch
import torchvision.transforms.v2.functional as TF

from fer_lib.augment.fer_views import FerViewConfig, fer_two_views, fer_view


def _images(b=6, h=24, w=20, seed=0):
    return torch.randint(0, 256, (b, 3, h, w), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


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
