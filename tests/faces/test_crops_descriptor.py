"""Mouth-eye crops (hand-made geometry) and the HOG descriptor (against scikit-image)."""

import av
import numpy as np
import pytest
import torch
from skimage.feature import hog as skimage_hog

from fer_lib.data.media import feat_media
from fer_lib.faces.crops import box_crop, mouth_eye_crops, square_pad
from fer_lib.faces.descriptor import describe, hog
from fer_lib.faces.detect import detect_one
from fer_lib.faces.landmarks import predict


def test_square_pad_centres_the_crop_with_zeros():
    crop = np.full((2, 6, 3), 7, np.uint8)
    out = square_pad(crop)
    assert out.shape == (6, 6, 3)
    assert (out[2:4] == 7).all() and (out[:2] == 0).all() and (out[4:] == 0).all()


def test_crops_cut_the_landmark_boxes():
    image = np.zeros((200, 200, 3), np.uint8)
    image[40:61, 50:151] = (255, 0, 0)        # eye band: x 50..150, y 40..60
    image[120:161, 80:121] = (0, 255, 0)      # mouth: x 80..120, y 120..160 (square)
    lm = np.zeros((68, 2), np.float32)
    lm[36:48] = np.linspace([50, 50], [150, 50], 12)          # eyes on y = 50, x 50..150
    lm[48:68] = np.linspace([80, 120], [120, 160], 20)        # mouth diagonal of its box
    eye, mouth = mouth_eye_crops(image, lm, size=32, eye_margin=10)
    assert eye.shape == mouth.shape == (32, 32, 3)
    assert (mouth == (0, 255, 0)).all()                        # the mouth box is exactly the green square
    # the eye box is 101 x 21 px -> zero-padded to 101 x 101: a red band in the middle, black above and below
    assert (eye[14:18, :, 0] == 255).all() and (eye[:8] == 0).all() and (eye[-8:] == 0).all()


def test_box_crop_clips_to_the_image():
    image = np.arange(20 * 30 * 3, dtype=np.uint8).reshape(20, 30, 3)
    np.testing.assert_array_equal(box_crop(image, np.array([-5, 2, 10, 40])), image[2:20, 0:10])
    with pytest.raises(ValueError, match="outside"):
        box_crop(image, np.array([40, 0, 50, 10]))


def test_hog_equals_scikit_image():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 64, 48)).astype(np.float64)
    images[1] = np.tile(np.arange(48) * 4.0, (64, 1))                  # pure horizontal ramp
    ours = hog(torch.from_numpy(images)[:, None], orientations=9, cell=8, block=2).numpy()
    ref = np.stack([skimage_hog(im, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2),
                                block_norm="L2-Hys") for im in images])
    np.testing.assert_allclose(ours, ref, atol=1e-6)


def test_describe_is_normalised_contrast_invariant_and_groups_expressions():
    with av.open(str(feat_media("single_face.mp4"))) as container:
        frames = [f.to_ndarray(format="rgb24") for i, f in enumerate(container.decode(video=0)) if i in (0, 8, 40, 60)]
    crops = [mouth_eye_crops(f, predict(f, detect_one(f))) for f in frames]
    eyes = torch.from_numpy(np.stack([c[0] for c in crops])).permute(0, 3, 1, 2)   # [B, 3, 64, 64]
    mouths = torch.from_numpy(np.stack([c[1] for c in crops])).permute(0, 3, 1, 2)
    g = describe(eyes, mouths)
    assert g.shape == (4, 2 * 7 * 7 * 4 * 9) and g.dtype == torch.float32
    torch.testing.assert_close(g.norm(dim=1), torch.ones(4))
    torch.testing.assert_close(describe(eyes.float() * 0.5, mouths.float() * 0.5), g, atol=1e-3, rtol=0)
    sim = g @ g.T   # frames 0, 8 neutral; 40, 60 smiling (same man): each frame's nearest other frame shares its expression
    nearest = (sim - 2 * torch.eye(4)).argmax(1).tolist()
    assert nearest[0] in (1,) and nearest[1] in (0,) and nearest[2] in (3,) and nearest[3] in (2,), sim
    with pytest.raises(ValueError, match="differ"):
        describe(eyes, mouths[:2])
