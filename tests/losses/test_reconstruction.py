import numpy as np
import pytest
import torch
import torch.nn.functional as F

from fer_lib.losses.reconstruction import (masked_reconstruction_loss, motion_slot_weights, motion_target,
                                           normalize_patches, patchify, reconstruction_targets, unpatchify)


def one_token_video():
    """B=1, C=1, T=2, 2×2 pixels: exactly one 2×2×2 tubelet."""
    frame0 = [[0.0, 1.0], [2.0, 3.0]]
    frame1 = [[1.0, 1.0], [1.0, 5.0]]
    return torch.tensor([frame0, frame1]).reshape(1, 1, 2, 2, 2)


def test_targets_hand_computed():
    video = one_token_video()
    values = np.array([0, 1, 2, 3, 1, 1, 1, 5], dtype=float)  # frame 0 then frame 1, row-major
    mean = 14 / 8
    std = np.sqrt(((values - mean) ** 2).sum() / 7)  # unbiased
    norm = (values - mean) / (std + 1e-6)
    app = reconstruction_targets(video, 2, 2, motion=False)
    assert app.shape == (1, 1, 2, 4, 1)
    np.testing.assert_allclose(app.flatten().numpy(), norm, rtol=1e-6)
    mot = reconstruction_targets(video, 2, 2, motion=True).flatten().numpy()
    np.testing.assert_allclose(mot[:4], norm[:4], rtol=1e-6)
    np.testing.assert_allclose(mot[4:], norm[4:] - norm[:4], rtol=1e-6, atol=1e-7)
    # frame difference of normalised patches: (f1 - f0) / std
    np.testing.assert_allclose(mot[4:], (values[4:] - values[:4]) / (std + 1e-6), rtol=1e-6, atol=1e-7)


def test_per_channel_normalisation_and_patchify_roundtrip():
    video = torch.rand(2, 3, 4, 8, 8, generator=torch.Generator().manual_seed(0))
    p = patchify(video, 2, 4)
    assert p.shape == (2, 8, 2, 16, 3)
    torch.testing.assert_close(unpatchify(p, (2, 2, 2), 4), video)
    # token 5 of clip 1 is the box t∈[2,4), h∈[0,4), w∈[4,8) (tokens in (t, h, w) order)
    torch.testing.assert_close(p[1, 5].permute(2, 0, 1).reshape(3, 2, 4, 4), video[1, :, 2:4, 0:4, 4:8])
    n = normalize_patches(p).reshape(2, 8, 32, 3)
    torch.testing.assert_close(n.mean(2), torch.zeros(2, 8, 3), atol=1e-5, rtol=0)
    torch.testing.assert_close(n.std(2), torch.ones(2, 8, 3), atol=1e-4, rtol=0)
    assert torch.equal(motion_target(normalize_patches(p))[:, :, 0], normalize_patches(p)[:, :, 0])


def test_loss_on_masked_tokens_only_and_weights():
    g = torch.Generator().manual_seed(1)
    target = torch.randn(2, 6, 2, 4, 3, generator=g)
    mask = torch.tensor([[1, 0, 1, 0, 1, 0], [0, 1, 1, 0, 0, 1]], dtype=torch.bool)
    pred = torch.randn(2, 3, 24, generator=g)
    half = masked_reconstruction_loss(pred, target, mask, motion_slot_weights(2, 0.5))
    ref = F.mse_loss(pred, target[mask].reshape(2, 3, 24))
    torch.testing.assert_close(half, ref)  # λ = 0.5 with t = 2: the code's plain MSE
    # visible targets do not matter
    target2 = target.clone()
    target2[~mask] += 100
    torch.testing.assert_close(masked_reconstruction_loss(pred, target2, mask, motion_slot_weights(2, 0.5)), ref)
    # λ = 0: only frame slot 0 counts; λ = 1: only the difference slot
    m = target[mask].reshape(2, 3, 2, 12)
    p = pred.reshape(2, 3, 2, 12)
    slot0 = ((p[:, :, 0] - m[:, :, 0]) ** 2).mean()
    slot1 = ((p[:, :, 1] - m[:, :, 1]) ** 2).mean()
    torch.testing.assert_close(masked_reconstruction_loss(pred, target, mask, motion_slot_weights(2, 0.0)), slot0)
    torch.testing.assert_close(masked_reconstruction_loss(pred, target, mask, motion_slot_weights(2, 0.25)),
                               0.75 * slot0 + 0.25 * slot1)
    with pytest.raises(ValueError, match="does not match"):
        masked_reconstruction_loss(pred[:, :2], target, mask, motion_slot_weights(2, 0.5))
