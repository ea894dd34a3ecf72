"""Similarity alignment of a face to a canonical five-point template, and the aligned crop.

The template is the widely used 112 x 112 five-point layout of ArcFace/InsightFace (eye centres,
nose tip, mouth corners); for another crop size it is scaled by ``size / 112``, and ``zoom < 1``
shrinks the face about the crop centre to keep more context (hair, chin) in the crop.
The five points come from the 68 landmarks (:func:`fer_lib.faces.landmarks.five_points`), the
transform is the least-squares similarity (:func:`fer_lib.faces.procrustes.similarity_procrustes`).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from fer_lib.faces.landmarks import eye_centres, five_points
from fer_lib.faces.procrustes import apply_affine, similarity_procrustes

#: (x, y) in a 112 x 112 crop: right eye centre, left eye centre, nose tip, right and left mouth corner
TEMPLATE_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float64,
)


def template(size: int = 112, zoom: float = 1.0) -> np.ndarray:
    """The five template points ``[5, 2]`` for a ``size x size`` crop, the face scaled by ``zoom`` about the centre."""
    if size <= 0 or zoom <= 0:
        raise ValueError(f"size and zoom must be positive, got {size}, {zoom}")
    centre = 56.0
    return ((TEMPLATE_112 - centre) * zoom + centre) * (size / 112.0)


@dataclasses.dataclass(frozen=True)
class Aligned:
    """image: uint8 [S, S, 3]; landmarks: float32 [68, 2] in crop pixels; matrix: float64 [2, 3] image -> crop."""

    image: np.ndarray
    landmarks: np.ndarray
    matrix: np.ndarray


def alignment_matrix(landmarks: np.ndarray, size: int = 112, zoom: float = 1.0) -> np.ndarray:
    """The similarity ``M [2, 3]`` taking image pixels to crop pixels, from 68 landmarks ``[68, 2]``."""
    return similarity_procrustes(five_points(landmarks), template(size, zoom))


def align_face(image: np.ndarray, landmarks: np.ndarray, size: int = 112, zoom: float = 1.0) -> Aligned:
    """Warp the face of ``image [H, W, 3]`` with 68 ``landmarks [68, 2]`` into a ``size x size`` crop.

    Outside the source image the crop is filled by edge replication (no black borders for a CNN to key on).
    """
    matrix = alignment_matrix(landmarks, size, zoom)
    crop = cv2.warpAffine(np.ascontiguousarray(image), matrix, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    return Aligned(image=crop, landmarks=apply_affine(matrix, landmarks).astype(np.float32), matrix=matrix)


def eye_error(aligned_landmarks: np.ndarray, size: int = 112, zoom: float = 1.0) -> np.ndarray:
    """Distances ``[2]`` (px) of the aligned right/left eye centres from their template positions."""
    return np.linalg.norm(eye_centres(aligned_landmarks) - template(size, zoom)[:2], axis=1)
