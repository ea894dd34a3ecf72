"""Similarity Procrustes against a known transform and against scikit-image; alignment on real stills."""

import cv2
import numpy as np
import pytest
from skimage.transform import SimilarityTransform

from fer_lib.data.media import feat_media
from fer_lib.faces.align import TEMPLATE_112, align_face, eye_error, template
from fer_lib.faces.detect import detect_one
from fer_lib.faces.landmarks import eye_centres, predict
from fer_lib.faces.procrustes import apply_affine, invert_affine, similarity_procrustes


def similarity(scale, angle_deg, tx, ty):
    a = np.deg2rad(angle_deg)
    return np.array([[scale * np.cos(a), -scale * np.sin(a), tx], [scale * np.sin(a), scale * np.cos(a), ty]])


@pytest.mark.parametrize("std_ratio", [False, True])
def test_exact_similarity_is_recovered(std_ratio):
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 100, (20, 2))
    m = similarity(1.7, 33.0, -12.0, 40.0)
    est = similarity_procrustes(src, apply_affine(m, src), std_ratio_scale=std_ratio)
    np.testing.assert_allclose(est, m, atol=1e-9)
    np.testing.assert_allclose(apply_affine(invert_affine(est), apply_affine(est, src)), src, atol=1e-9)


def test_least_squares_matches_scikit_image_and_std_ratio_differs_under_noise():
    rng = np.random.default_rng(1)
    src = rng.uniform(0, 100, (30, 2))
    dst = apply_affine(similarity(0.8, -70.0, 5.0, 9.0), src) + rng.normal(0, 3.0, src.shape)
    ref = SimilarityTransform.from_estimate(src, dst) if hasattr(SimilarityTransform, "from_estimate") else None
    if ref is None:
        ref = SimilarityTransform()
        ref.estimate(src, dst)
    np.testing.assert_allclose(similarity_procrustes(src, dst), ref.params[:2], atol=1e-8)
    std_scale = np.hypot(*similarity_procrustes(src, dst, std_ratio_scale=True)[:, 0])
    assert abs(std_scale - np.hypot(*ref.params[:2, 0])) > 1e-4      # the two scale rules are different estimators


def test_reflection_is_not_returned():
    src = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 5.0], [3.0, 7.0]])
    mirrored = src * np.array([-1.0, 1.0])
    m = similarity_procrustes(src, mirrored)
    assert np.linalg.det(m[:, :2]) > 0


def test_template_scales_with_crop_size():
    np.testing.assert_allclose(template(112), TEMPLATE_112)
    np.testing.assert_allclose(template(224), 2 * TEMPLATE_112)
    np.testing.assert_allclose(template(112, zoom=0.5).mean(0), (TEMPLATE_112 - 56).mean(0) * 0.5 + 56)


@pytest.mark.parametrize("name,size", [("single_face.jpg", 112), ("0-f15-hao-ph.jpg", 112), ("0-f1-su-ph.jpg", 64)])
def test_alignment_puts_the_eyes_on_the_template(name, size):
    image = cv2.cvtColor(cv2.imread(str(feat_media(name))), cv2.COLOR_BGR2RGB)
    lm = predict(image, detect_one(image))
    aligned = align_face(image, lm, size)
    assert aligned.image.shape == (size, size, 3) and aligned.image.dtype == np.uint8
    err = np.linalg.norm(eye_centres(aligned.landmarks) - template(size)[:2], axis=1)
    assert (err < 3.0 * size / 112).all(), err
    np.testing.assert_allclose(eye_error(aligned.landmarks, size), err)
    # the crop really contains the face the landmarks say: re-detecting in a 2x upscaled crop finds one face
    again = predict(cv2.resize(aligned.image, None, fx=2, fy=2), np.array([0, 0, 2 * size, 2 * size]))
    assert np.abs(eye_centres(again / 2) - template(size)[:2]).max() < 6.0 * size / 112
