"""The shared colour ops against torchvision's public per-image functional ops."""

import torch
from torchvision.transforms.v2 import functional as TF

from fer_lib.augment.color import color_jitter, hsv_to_rgb, rgb_to_hsv

OPS = [TF.adjust_brightness, TF.adjust_contrast, TF.adjust_saturation, TF.adjust_hue]


def rand_images(b=4, h=20, w=20, seed=0):
    x = torch.rand(b, 3, h, w, generator=torch.Generator().manual_seed(seed))
    x[0, :, :4, :4] = 0.5            # grey pixels (max = min): hue and saturation 0, no division by zero
    x[1, 1, :3] = x[1, 0, :3]        # ties between the max channels
    return x


def test_hsv_round_trip_is_torchvision_adjust_hue_bit_for_bit():
    """adjust_hue(x, f) converts to HSV, rotates H by f and converts back: ours does the same operations."""
    x = rand_images(3)
    for shift in (0.0, 0.13, -0.4):
        hsv = rgb_to_hsv(x)
        ours = hsv_to_rgb(torch.stack([(hsv[:, 0] + shift) % 1.0, hsv[:, 1], hsv[:, 2]], dim=1))
        assert torch.equal(ours, TF.adjust_hue(x, shift)), shift


def test_rgb_to_hsv_hand_computed():
    """Pure red, green, blue, grey and (1, 0.5, 0): hue in turns, saturation (max - min) / max, value max."""
    px = torch.tensor([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [0.5, 0.5, 0.5], [1.0, 0.5, 0]]).T[:, :, None]  # [3, 5, 1]
    hsv = rgb_to_hsv(px)[:, :, 0].T
    torch.testing.assert_close(hsv, torch.tensor([[0.0, 1, 1], [1 / 3, 1, 1], [2 / 3, 1, 1], [0, 0, 0.5], [1 / 12, 1, 1]]))
    torch.testing.assert_close(hsv_to_rgb(rgb_to_hsv(px)), px)


def test_color_jitter_fixed_order_matches_torchvision_per_image():
    x = rand_images(3)
    factors = torch.tensor([[0.7, 1.2, 0.8, 0.1], [1.0, 0.6, 1.4, -0.2], [1.3, 1.0, 1.0, 0.0]])
    out = color_jitter(x, factors)
    for i in range(3):
        ref = x[i]
        for op in range(4):
            ref = OPS[op](ref, float(factors[i, op]))
        torch.testing.assert_close(out[i], ref, atol=1e-5, rtol=0)


def test_color_jitter_per_sample_order_matches_torchvision_per_image():
    x = torch.randint(0, 256, (5, 3, 24, 20), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)).float() / 255
    g = torch.Generator().manual_seed(3)
    factors = torch.stack([torch.empty(5).uniform_(0.6, 1.4, generator=g) for _ in range(3)]
                          + [torch.empty(5).uniform_(-0.1, 0.1, generator=g)], dim=1)
    order = torch.rand(5, 4, generator=g).argsort(dim=1)
    out = color_jitter(x, factors, order)
    for i in range(5):
        ref = x[i]
        for op in order[i].tolist():
            ref = OPS[op](ref, float(factors[i, op]))
        torch.testing.assert_close(out[i], ref, atol=1e-5, rtol=0)
    assert len({tuple(o) for o in order.tolist()}) > 1
    # the fixed order is the per-sample order (0, 1, 2, 3) for everyone, exactly
    assert torch.equal(color_jitter(x, factors), color_jitter(x, factors, torch.arange(4).repeat(5, 1)))
