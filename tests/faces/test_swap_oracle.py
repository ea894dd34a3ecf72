"""The FaceSwap-vs-oracle measurement on cases whose answer is known."""

import cv2
import numpy as np
import pytest

from fer_lib.faces.swap_oracle import mean_errors, swap_errors


def scene(shift=(0.0, 0.0)):
    """A smooth random image with a bright 'face' blob, and 68 landmarks scattered over the blob, shifted by ``shift``."""
    rng = np.random.default_rng(0)
    image = cv2.GaussianBlur(rng.integers(0, 255, (120, 120, 3), dtype=np.uint8), (0, 0), 3)
    lm = rng.uniform(35, 85, (68, 2)).astype(np.float32)
    m = np.float32([[1, 0, shift[0]], [0, 1, shift[1]]])
    return cv2.warpAffine(image, m, (120, 120), borderMode=cv2.BORDER_REFLECT), lm + np.float32(shift)


def test_a_shifted_copy_of_the_target_swaps_back_to_the_target():
    target, target_lm = scene()
    source, source_lm = scene((6.0, -4.0))                 # same face, moved: the oracle is the target itself
    errors, result = swap_errors(source, source_lm, target, target_lm, target, target_lm, feather=0)
    np.testing.assert_allclose(result.matrix, [[1, 0, 6], [0, 1, -4]], atol=1e-6)
    assert errors["landmark_px"] == pytest.approx(0.0, abs=1e-4)
    assert errors["no_swap_landmark_px"] == 0.0 and errors["no_swap_pixel_mae"] == 0.0
    assert errors["pixel_mae_mask"] < 3.0 and 0.05 < errors["mask_fraction"] < 0.5


def test_errors_against_a_different_oracle_are_the_hand_computed_distances():
    target, target_lm = scene()
    oracle_lm = target_lm.copy()
    oracle_lm[17:] += np.float32([3.0, 4.0])               # inner face 5 px away from the swap's
    oracle = np.clip(target.astype(int) + 10, 0, 255).astype(np.uint8)
    errors, _ = swap_errors(target, target_lm, target, target_lm, oracle, oracle_lm, feather=0)
    assert errors["landmark_px"] == pytest.approx(5.0, abs=1e-4)
    assert errors["mouth_px"] == pytest.approx(5.0, abs=1e-4) and errors["brows_eyes_px"] == pytest.approx(5.0, abs=1e-4)
    assert errors["no_swap_mouth_px"] == pytest.approx(5.0, abs=1e-4)
    iod = np.linalg.norm(target_lm[36:42].mean(0) - target_lm[42:48].mean(0))
    assert errors["landmark_nme"] == pytest.approx(5.0 / iod, rel=1e-4)
    expected = np.abs(target.astype(float) - oracle).mean()
    assert errors["no_swap_pixel_mae"] == pytest.approx(expected)
    summary = mean_errors([errors, errors])
    assert summary["n"] == 2 and summary["landmark_px"] == pytest.approx(5.0, abs=1e-4)
    with pytest.raises(ValueError, match="differ in shape"):
        swap_errors(target, target_lm, target[:60], target_lm, oracle, oracle_lm)
