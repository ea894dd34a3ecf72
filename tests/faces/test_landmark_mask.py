"""LandmarkMask: the ellipse, the fill colour, the per-call region draw."""

import numpy as np
import pytest
import torch

from fer_lib.augment.landmark_mask import MASK_REGIONS, draw_regions, landmark_mask, random_landmark_mask


def landmarks_with_boxes():
    """Mouth box x 40..60, y 70..80; right eye x 20..30, y 30..34; left eye x 60..70, y 30..34."""
    lm = torch.zeros(68, 2)
    lm[48:68] = torch.stack([torch.linspace(40, 60, 20), torch.linspace(70, 80, 20)], 1)
    lm[36:42] = torch.stack([torch.linspace(20, 30, 6), torch.linspace(30, 34, 6)], 1)
    lm[42:48] = torch.stack([torch.linspace(60, 70, 6), torch.linspace(30, 34, 6)], 1)
    return lm


def test_mouth_ellipse_is_filled_with_the_mean_colour_and_nothing_else_changes():
    g = torch.Generator().manual_seed(0)
    image = torch.randint(0, 256, (3, 100, 100), generator=g, dtype=torch.uint8)
    out = landmark_mask(image, landmarks_with_boxes(), regions=0, margin=5)
    mean = image.float().mean((1, 2)).round().to(torch.uint8)
    # slow reference: the ellipse inscribed in the box x 35..65, y 65..85 (centre 50, 75; semi-axes 15, 10)
    ys, xs = np.mgrid[:100, :100]
    inside = ((xs - 50) / 15) ** 2 + ((ys - 75) / 10) ** 2 <= 1
    inside = torch.from_numpy(inside)
    assert (out[:, inside] == mean[:, None]).all()
    assert torch.equal(out[:, ~inside], image[:, ~inside])
    assert inside.sum() == pytest.approx(np.pi * 15 * 10, rel=0.05)


def test_region_ids_select_eyes_and_minus_one_leaves_the_image():
    images = torch.rand(3, 3, 100, 100)
    lm = landmarks_with_boxes().expand(3, 68, 2)
    out = landmark_mask(images, lm, torch.tensor([1, 2, -1]), margin=2)
    changed = (out != images).any(1)                                     # [B, H, W]
    assert changed[0, 32, 25] and not changed[0, 32, 65] and not changed[0, 75, 50]
    assert changed[1, 32, 65] and not changed[1, 32, 25]
    assert not changed[2].any()
    with pytest.raises(ValueError, match="region ids"):
        landmark_mask(images, lm, torch.tensor([0, 3, 0]))


def test_regions_are_drawn_per_call_from_the_generator():
    a = draw_regions(2000, 0.8, torch.Generator().manual_seed(1))
    b = draw_regions(2000, 0.8, torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    counts = torch.bincount(a + 1, minlength=4).float() / 2000            # -1, 0, 1, 2
    np.testing.assert_allclose(counts.numpy(), [0.2, 0.8 / 3, 0.8 / 3, 0.8 / 3], atol=0.04)
    rng = np.random.default_rng(0)
    c = draw_regions(900, 1.0, rng)
    assert set(c.tolist()) == set(range(len(MASK_REGIONS)))
    images = torch.rand(4, 3, 100, 100)
    lm = landmarks_with_boxes().expand(4, 68, 2)
    out, regions = random_landmark_mask(images, lm, torch.Generator().manual_seed(5), p=0.0)
    assert torch.equal(out, images) and (regions == -1).all()
    gen = torch.Generator().manual_seed(2)
    first = random_landmark_mask(images, lm, gen)[1]
    second = random_landmark_mask(images, lm, gen)[1]
    assert not torch.equal(first, second) or torch.equal(first, torch.full((4,), -1))
