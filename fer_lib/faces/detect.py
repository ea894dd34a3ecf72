"""Face detection with dlib: the HOG + linear SVM frontal detector (default) or the MMOD CNN detector.

Images are RGB ``uint8`` arrays ``[H, W, 3]`` (or grey ``[H, W]``). Boxes are ``float32 [F, 4]``
as ``(x0, y0, x1, y1)`` pixel corners, exactly as dlib returns them (they may reach outside the image).
SSL-FER's FaceSwap used the HOG detector with one upsampling step and treated anything other than
exactly one face as a failure; :func:`detect_one` raises :class:`FaceCountError` in that case.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from fer_lib.faces.models import model_path


class FaceCountError(ValueError):
    """An image had no face or several faces where exactly one was required."""

    def __init__(self, n_faces: int, where: str = "image"):
        self.n_faces = n_faces
        kind = "no face" if n_faces == 0 else f"{n_faces} faces"
        super().__init__(f"{where}: expected exactly one face, found {kind}")


@dataclasses.dataclass(frozen=True)
class Detections:
    """boxes: float32 [F, 4] (x0, y0, x1, y1); scores: float32 [F] (HOG SVM margin or MMOD confidence)."""

    boxes: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.boxes)

    def largest(self) -> int:
        """Index of the largest box (by area)."""
        if len(self) == 0:
            raise FaceCountError(0)
        wh = self.boxes[:, 2:] - self.boxes[:, :2]
        return int(np.argmax(wh[:, 0] * wh[:, 1]))


@functools.lru_cache(maxsize=None)
def _hog():
    import dlib

    return dlib.get_frontal_face_detector()


@functools.lru_cache(maxsize=None)
def _mmod():
    import dlib

    return dlib.cnn_face_detection_model_v1(str(model_path("mmod")))


def _check_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"expected a uint8 image [H, W, 3] or [H, W], got {image.dtype} {image.shape}")
    return np.ascontiguousarray(image)


def detect(image: np.ndarray, upsample: int = 0, cnn: bool = False) -> Detections:
    """Detect faces in an RGB uint8 image ``[H, W, 3]``.

    upsample: dlib's pyramid upsampling count (1 finds smaller faces, ~4x slower; SSL-FER's FaceSwap used 1).
    cnn: use the MMOD CNN detector (more robust to pose, ~1.7 s per image on one CPU core) instead of HOG.
    """
    image = _check_image(image)
    if cnn:
        found = _mmod()(image, upsample)
        rects = [d.rect for d in found]
        scores = [d.confidence for d in found]
    else:
        rects, scores, _ = _hog().run(image, upsample, 0.0)
    boxes = np.array([[r.left(), r.top(), r.right(), r.bottom()] for r in rects], dtype=np.float32).reshape(-1, 4)
    return Detections(boxes=boxes, scores=np.asarray(scores, dtype=np.float32).reshape(-1))


def detect_one(image: np.ndarray, upsample: int = 0, cnn: bool = False, where: str = "image") -> np.ndarray:
    """The single face box ``float32 [4]`` of an image; :class:`FaceCountError` if there are 0 or >= 2 faces."""
    found = detect(image, upsample=upsample, cnn=cnn)
    if len(found) != 1:
        raise FaceCountError(len(found), where)
    return found.boxes[0]
