"""Weak/strong augmentation: seeded, per-image, and equal to torchvision's transforms under the same seeds."""

import pytest
import torch
from torchvision.transforms import v2

from fer_lib.augment.weak_strong import random_flip, strong_augment, weak_augment


def _images(b=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (b, 3, 16, 16), generator=g, dtype=torch.uint8)


def test_flip_probability_extremes():
    x = _images()
    g = torch.Generator().manual_seed(0)
    assert torch.equal(random_flip(x, g, p=1.0), x.flip(-1))
    assert torch.equal(random_flip(x, g, p=0.0), x)


def test_identity_settings_return_input():
    x = _images()
    g = torch.Generator().manual_seed(0)
    assert torch.equal(weak_augment(x, g, flip_p=0.0, brightness=0, contrast=0, saturation=0, hue=0), x)
    assert torch.equal(strong_augment(x, g, flip_p=0.0, num_ops=0), x)


@pytest.mark.parametrize("fn", [weak_augment, strong_augment])
def test_seeded_and_leaves_global_rng_alone(fn):
    x = _images()
    torch.manual_seed(123)
    state = torch.get_rng_state()
    a = fn(x, torch.Generator().manual_seed(5))
    assert torch.equal(torch.get_rng_state(), state)
    b = fn(x, torch.Generator().manual_seed(5))
    c = fn(x, torch.Generator().manual_seed(6))
    assert a.dtype == torch.uint8 and a.shape == x.shape
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_strong_equals_torchvision_randaugment_under_the_same_seeds():
    x = _images(3)
    g = torch.Generator().manual_seed(9)
    got = strong_augment(x, g, flip_p=0.0, num_ops=2, magnitude=9)
    # reference: replay the generator -> one flip draw per image, then one seed per image
    ref_g = torch.Generator().manual_seed(9)
    torch.rand(3, generator=ref_g)
    seeds = torch.randint(0, 2**62, (3,), generator=ref_g).tolist()
    ra = v2.RandAugment(num_ops=2, magnitude=9)
    expected = []
    for img, s in zip(x, seeds):
        torch.manual_seed(s)
        expected.append(ra(img))
    assert torch.equal(got, torch.stack(expected))


def test_each_image_gets_its_own_parameters():
    x = _images(1).repeat(8, 1, 1, 1)
    out = strong_augment(x, torch.Generator().manual_seed(0), flip_p=0.0)
    distinct = {tuple(img.flatten().tolist()) for img in out}
    assert len(distinct) > 1


def test_rejects_float_images():
    with pytest.raises(ValueError, match="uint8"):
        weak_augment(torch.zeros(2, 3, 8, 8), torch.Generator())


def test_random_crop_is_a_window_of_the_image_and_centre_crop_the_middle_one():
    from fer_lib.augment.weak_strong import centre_crop, random_crop
    x = torch.arange(2 * 3 * 8 * 8, dtype=torch.int64).reshape(2, 3, 8, 8).remainder(256).to(torch.uint8)
    x = x[:, :, :, :]  # values differ inside each 8x8 plane: a window is identified by its top-left value
    out = random_crop(x, torch.Generator().manual_seed(0), 0.75)            # 8 * 0.75 = 6
    assert out.shape == (2, 3, 6, 6)
    for img, crop in zip(x, out):
        hits = [(t, l) for t in range(3) for l in range(3) if torch.equal(img[:, t:t + 6, l:l + 6], crop)]
        assert len(hits) == 1
    assert torch.equal(centre_crop(x, 0.75), x[..., 1:7, 1:7])
    assert random_crop(x, torch.Generator(), 1.0) is x
    with pytest.raises(ValueError, match="crop_fraction"):
        centre_crop(x, 0.0)


def test_cutout_greys_one_square_clipped_at_the_edges():
    from fer_lib.augment.weak_strong import cutout
    x = torch.full((64, 3, 10, 10), 5, dtype=torch.uint8)
    out = cutout(x, torch.Generator().manual_seed(1), 0.4, fill=127)          # side 4
    grey = (out == 127).all(1)                                              # [B, H, W]
    assert ((out == 127) | (out == 5)).all() and (grey.sum((1, 2)) <= 16).all() and (grey.sum((1, 2)) >= 4).all()
    assert (grey.sum((1, 2)) == 16).any()                                   # a square away from the edges
    rows, cols = grey.any(2), grey.any(1)                                   # a square: rows x cols exactly
    assert torch.equal(grey, rows[:, :, None] & cols[:, None, :])
    assert torch.equal(cutout(x, torch.Generator(), 0.0), x)


def test_strong_view_with_crop_and_cutout_has_the_crop_size():
    x = _images(4)
    out = strong_augment(x, torch.Generator().manual_seed(0), crop_fraction=0.75, cutout_fraction=0.5)
    assert out.shape == (4, 3, 12, 12) and out.dtype == torch.uint8
