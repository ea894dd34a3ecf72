import pytest
import torch

from fer_lib.augment.masking import part_window_tube_mask, tube_mask
from fer_lib.models.lgi_former import region_index


def gen(seed):
    return torch.Generator().manual_seed(seed)


def test_tube_mask_ratio_and_same_mask_on_every_slice():
    m = tube_mask(4, (8, 10, 10), 0.9, gen(0))
    assert m.shape == (4, 800) and m.dtype == torch.bool
    assert (m.sum(1) == 8 * 90).all()
    per_slice = m.reshape(4, 8, 100)
    assert (per_slice == per_slice[:, :1]).all()
    assert not (m[0] == m[1]).all()  # clips get different masks


def test_part_window_mask_paper_config_equal_visible_per_window_and_region():
    m = part_window_tube_mask(3, (8, 10, 10), (5, 10), 0.9, gen(1))
    assert (m.sum(1) == 720).all()  # 800 tokens, 90 % masked
    windows = (~m).reshape(3, 8, 2, 5, 10).sum(dim=(3, 4))  # visible per (slice, window)
    assert (windows == 5).all()
    rid = region_index((8, 10, 10), (2, 5, 10))  # the paper's 8 regions
    per_region = torch.stack([(~m)[:, rid == r].sum(1) for r in range(8)], 1)
    assert (per_region == 10).all()


def test_part_window_small_grid_and_seeding():
    a = part_window_tube_mask(2, (4, 4, 4), (2, 4), 0.75, gen(5))
    b = part_window_tube_mask(2, (4, 4, 4), (2, 4), 0.75, gen(5))
    c = part_window_tube_mask(2, (4, 4, 4), (2, 4), 0.75, gen(6))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert ((~a).reshape(2, 4, 2, 2, 4).sum(dim=(3, 4)) == 2).all()


def test_plain_tube_mask_generally_breaks_region_balance():
    m = tube_mask(16, (8, 10, 10), 0.9, gen(2))
    rid = region_index((8, 10, 10), (2, 5, 10))
    per_region = torch.stack([(~m)[:, rid == r].sum(1) for r in range(8)], 1)
    assert (per_region != 10).any()


def test_bad_window_and_ratio():
    with pytest.raises(ValueError, match="tile"):
        part_window_tube_mask(1, (8, 10, 10), (3, 10), 0.9, gen(0))
    with pytest.raises(ValueError, match="ratio"):
        tube_mask(1, (8, 10, 10), 1.0, gen(0))
