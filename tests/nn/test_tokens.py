import math

import torch

from fer_lib.losses.reconstruction import patchify
from fer_lib.nn.patch_embed import TubeletEmbed
from fer_lib.nn.pos_embed import sincos_1d, sincos_1d_table, sincos_3d


def test_tubelet_embed_is_a_linear_map_of_patchify_tokens():
    torch.manual_seed(0)
    emb = TubeletEmbed(frames=4, image_size=8, tubelet=2, patch=4, in_chans=3, dim=6)
    video = torch.randn(2, 3, 4, 8, 8)
    tokens = emb(video)  # [2, 8, 6]
    assert emb.grid == (2, 2, 2) and tokens.shape == (2, 8, 6)
    # conv weight [D, C, t, p, p] laid out like patchify's (t, p·p, C) order
    w = emb.proj.weight.permute(0, 2, 3, 4, 1).reshape(6, -1)
    ref = patchify(video, 2, 4).reshape(2, 8, -1) @ w.T + emb.proj.bias
    torch.testing.assert_close(tokens, ref, atol=1e-5, rtol=1e-5)


def test_sincos_1d_hand_values():
    pe = sincos_1d(torch.tensor([0.0, 1.0, 2.0]), 4)  # omega = [1, 1/100]
    expected = torch.tensor([[0, 0, 1, 1],
                             [math.sin(1), math.sin(0.01), math.cos(1), math.cos(0.01)],
                             [math.sin(2), math.sin(0.02), math.cos(2), math.cos(0.02)]], dtype=torch.float32)
    torch.testing.assert_close(pe, expected)


def test_sincos_3d_splits_axes_and_rows_are_distinct():
    pe = sincos_3d((2, 3, 4), 24)  # 8 channels per axis
    assert pe.shape == (24, 24)
    grid = pe.reshape(2, 3, 4, 24)
    # the t channels depend only on t, the w channels only on w
    torch.testing.assert_close(grid[:, 0, 0, :8], grid[:, 2, 3, :8])
    torch.testing.assert_close(grid[0, 0, :, 16:], grid[1, 2, :, 16:])
    assert torch.cdist(pe, pe).add(torch.eye(24)).min() > 0


def test_sincos_1d_table_matches_the_formula_loop():
    table = sincos_1d_table(5, 6)
    for n in range(5):
        for j in range(6):
            angle = n / 10000 ** (2 * (j // 2) / 6)
            ref = math.sin(angle) if j % 2 == 0 else math.cos(angle)
            assert abs(table[n, j].item() - ref) < 1e-6
