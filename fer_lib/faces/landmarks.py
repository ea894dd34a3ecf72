"""dlib's 68-point face landmarks (iBUG 300-W convention) and their named regions.

Landmarks are ``float32 [68, 2]`` pixel ``(x, y)``. Index ranges (0-based, as dlib numbers them;
"right"/"left" are the subject's, so the right eye appears on the image's left):

=============  =======
jaw            0-16
right_brow     17-21
left_brow      22-26
nose           27-35
right_eye      36-41
left_eye       42-47
mouth          48-67 (outer lip 48-59, inner lip 60-67)
=============  =======

The shape predictor was trained on iBUG 300-W, whose terms forbid commercial use.
"""

from __future__ import annotations

import functools

import numpy as np

from fer_lib.faces.models import model_path

REGIONS: dict[str, tuple[int, ...]] = {
    "jaw": tuple(range(0, 17)),
    "right_brow": tuple(range(17, 22)),
    "left_brow": tuple(range(22, 27)),
    "nose": tuple(range(27, 36)),
    "right_eye": tuple(range(36, 42)),
    "left_eye": tuple(range(42, 48)),
    "mouth": tuple(range(48, 68)),
    "outer_lip": tuple(range(48, 60)),
    "inner_lip": tuple(range(60, 68)),
}
EYES = REGIONS["right_eye"] + REGIONS["left_eye"]            # 36..47
BROWS = REGIONS["right_brow"] + REGIONS["left_brow"]         # 17..26
#: the "inner face" FaceSwap aligns on: brows, eyes, nose (27-34) and mouth (48-60), as in Matthew Earl's switching eds
INNER_FACE = BROWS + EYES + tuple(range(27, 35)) + tuple(range(48, 61))
#: the landmark groups whose convex hulls form FaceSwap's mask: {brows + eyes} and {nose 27-34 + outer lip 48-60}
MASK_GROUPS = (BROWS + EYES, tuple(range(27, 35)) + tuple(range(48, 61)))


def eye_centres(landmarks: np.ndarray) -> np.ndarray:
    """``[..., 68, 2]`` -> ``[..., 2, 2]``: centres of the right eye (image left) and the left eye (image right)."""
    landmarks = np.asarray(landmarks)
    return np.stack([landmarks[..., 36:42, :].mean(-2), landmarks[..., 42:48, :].mean(-2)], axis=-2)


def five_points(landmarks: np.ndarray) -> np.ndarray:
    """``[..., 68, 2]`` -> ``[..., 5, 2]``: right eye centre, left eye centre, nose tip (30), mouth corners (48, 54)."""
    landmarks = np.asarray(landmarks)
    eyes = eye_centres(landmarks)
    return np.concatenate([eyes, landmarks[..., [30, 48, 54], :]], axis=-2)


@functools.lru_cache(maxsize=None)
def _predictor():
    import dlib

    return dlib.shape_predictor(str(model_path("landmarks68")))


def predict(image: np.ndarray, box: np.ndarray) -> np.ndarray:
    """68 landmarks ``float32 [68, 2]`` of the face in ``box`` (x0, y0, x1, y1) of an RGB uint8 image ``[H, W, 3]``."""
    import dlib

    image = np.ascontiguousarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    x0, y0, x1, y1 = (int(round(float(v))) for v in box)
    shape = _predictor()(image, dlib.rectangle(x0, y0, x1, y1))
    return np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float32)
