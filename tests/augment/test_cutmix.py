import torch

from fer_lib.augment.cutmix import box_masks, cutmix, cutmix_boxes


def test_boxes_area_matches_lam_and_bounds():
    g = torch.Generator().manual_seed(0)
    boxes, kept = cutmix_boxes(400, 32, 24, g)
    y0, x0, y1, x1 = boxes.unbind(1)
    assert (y0 >= 0).all() and (y1 <= 32).all() and (x0 >= 0).all() and (x1 <= 24).all()
    area = box_masks(boxes, 32, 24).sum(dim=(1, 2, 3)).float()
    torch.testing.assert_close(kept, 1 - area / (32 * 24))
    assert kept.min() < 0.5 < kept.max()


def test_cutmix_pastes_partner_pixels_per_sample():
    g = torch.Generator().manual_seed(1)
    imgs = torch.stack([torch.full((3, 16, 16), float(i)) for i in range(6)])
    partner = torch.roll(torch.arange(6), 1)
    mixed, kept = cutmix(imgs, partner, g, p=1.0)
    for i in range(6):
        own = (mixed[i, 0] == i).float().mean()
        other = (mixed[i, 0] == int(partner[i])).float().mean()
        assert own + other == 1
        torch.testing.assert_close(own, kept[i])
    none, kept0 = cutmix(imgs, partner, g, p=0.0)
    assert torch.equal(none, imgs) and (kept0 == 1).all()
    # Reproducible from the seed.
    a, _ = cutmix(imgs, partner, torch.Generator().manual_seed(3), p=0.5)
    b, _ = cutmix(imgs, partner, torch.Generator().manual_seed(3), p=0.5)
    assert torch.equal(a, b)
