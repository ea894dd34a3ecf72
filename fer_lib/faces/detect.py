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

    def areas(self) -> np.ndarray:
        """float32 [F] box areas in pixels."""
        wh = self.boxes[:, 2:] - self.boxes[:, :2]
        return wh[:, 0] * wh[:, 1]

    def best(self) -> int:
        """Index of the most confident detection (highest score); equal scores go to the larger box.

        Not the largest box: on scikit-image's ``astronaut()`` scaled 1.2x with one upsampling step, the
        round mission patch on her shoulder (score 0.02) has a larger box than her face (score 1.21).
        """
        if len(self) == 0:
            raise FaceCountError(0)
        return int(np.lexsort((self.areas(), self.scores))[-1])  # last key sorts first: score, then area

    def largest(self) -> int:
        """Index of the largest box by area (what a crop by size wants; to pick *the* face use :meth:`best`)."""
        if len(self) == 0:
            raise FaceCountError(0)
        return int(np.argmax(self.areas()))


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


def detect(image: np.ndarray, upsample: int = 0, cnn: bool = False, min_score: float = 0.0) -> Detections:
    """Detect faces in an RGB uint8 image ``[H, W, 3]``.

    upsample: dlib's pyramid upsampling count (1 finds smaller faces, ~4x slower; SSL-FER's FaceSwap used 1).
    cnn: use the MMOD CNN detector (more robust to pose, ~1.7 s per image on one CPU core) instead of HOG.
    min_score: detections scoring below it are dropped (0, the default, is dlib's own threshold for both
        detectors; a negative value lets the HOG detector report weaker candidates).
    """
    image = _check_image(image)
    if cnn:
        found = _mmod()(image, upsample)
        rects = [d.rect for d in found]
        scores = [d.confidence for d in found]
    else:
        rects, scores, _ = _hog().run(image, upsample, min(min_score, 0.0))
    boxes = np.array([[r.left(), r.top(), r.right(), r.bottom()] for r in rects], dtype=np.float32).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float32).reshape(-1)
    keep = scores >= min_score
    return Detections(boxes=boxes[keep], scores=scores[keep])


def detect_one(image: np.ndarray, upsample: int = 0, cnn: bool = False, where: str = "image") -> np.ndarray:
    """The single face box ``float32 [4]`` of an image; :class:`FaceCountError` if there are 0 or >= 2 faces."""
    found = detect(image, upsample=upsample, cnn=cnn)
    if len(found) != 1:
        raise FaceCountError(len(found), where)
    return found.boxes[0]
