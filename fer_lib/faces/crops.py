"""Crops of a face image: SSL-FER's mouth-eye descriptor crops, and the detector-box crop a FER2013 model expects.

Mouth-eye crops (MaskFN's false-negative descriptor input, methods.md 1.2): the eye box is the
bounding box of landmarks 36-47 widened by ``eye_margin`` pixels vertically, the mouth box that of
landmarks 48-67; each crop is zero-padded to a square (torchvision-style SquarePad with fill 0,
centred) and resized to ``size x size``. The authors cut them from the un-augmented frame.
"""

from __future__ import annotations

import cv2
import numpy as np

from fer_lib.faces.landmarks import EYES, REGIONS


def _box(points: np.ndarray, margin_x: float, margin_y: float, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """Integer box (x0, y0, x1, y1), end-exclusive, of points widened by the margins and clipped to the image."""
    h, w = shape
    x0 = int(np.floor(points[:, 0].min() - margin_x))
    y0 = int(np.floor(points[:, 1].min() - margin_y))
    x1 = int(np.ceil(points[:, 0].max() + margin_x)) + 1
    y1 = int(np.ceil(points[:, 1].max() + margin_y)) + 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"landmark box ({x0}, {y0}, {x1}, {y1}) lies outside the {w}x{h} image")
    return x0, y0, x1, y1


def square_pad(crop: np.ndarray, fill: int = 0) -> np.ndarray:
    """Pad ``[h, w, C]`` with ``fill`` to ``[m, m, C]``, m = max(h, w), the crop centred (extra pixel right/bottom)."""
    h, w = crop.shape[:2]
    m = max(h, w)
    top, left = (m - h) // 2, (m - w) // 2
    out = np.full((m, m) + crop.shape[2:], fill, dtype=crop.dtype)
    out[top:top + h, left:left + w] = crop
    return out


def region_crop(image: np.ndarray, landmarks: np.ndarray, indices, size: int = 64,
                margin_x: float = 0.0, margin_y: float = 0.0) -> np.ndarray:
    """Square-padded, resized crop ``uint8 [size, size, 3]`` of the landmarks ``indices``' box in ``image [H, W, 3]``."""
    points = np.asarray(landmarks, dtype=np.float64)[list(indices)]
    x0, y0, x1, y1 = _box(points, margin_x, margin_y, image.shape[:2])
    crop = square_pad(np.ascontiguousarray(image[y0:y1, x0:x1]))
    interp = cv2.INTER_AREA if crop.shape[0] > size else cv2.INTER_LINEAR
    return cv2.resize(crop, (size, size), interpolation=interp)


def mouth_eye_crops(image: np.ndarray, landmarks: np.ndarray, size: int = 64,
                    eye_margin: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """(eye crop, mouth crop), each ``uint8 [size, size, 3]``, from ``image [H, W, 3]`` and ``landmarks [68, 2]``.

    eye_margin: vertical margin (pixels) around the eye landmarks' box, SSL-FER's 10 px at ~224 px faces;
        scale it with the face size for smaller frames.
    """
    eye = region_crop(image, landmarks, EYES, size, margin_y=eye_margin)
    mouth = region_crop(image, landmarks, REGIONS["mouth"], size)
    return eye, mouth


def box_crop(image: np.ndarray, box: np.ndarray, size: int | None = None) -> np.ndarray:
    """The detector box ``(x0, y0, x1, y1)`` cut from ``image [H, W, 3]``, clipped to the image, optionally resized.

    This is the crop a FER2013 model saw in training (a face detector's box, no alignment).
    """
    h, w = image.shape[:2]
    x0, y0 = max(int(round(box[0])), 0), max(int(round(box[1])), 0)
    x1, y1 = min(int(round(box[2])), w), min(int(round(box[3])), h)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"box {tuple(box)} lies outside the {w}x{h} image")
    crop = np.ascontiguousarray(image[y0:y1, x0:x1])
    return crop if size is None else cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
