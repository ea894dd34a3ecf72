"""FaceSwap (SSL-FER's positive augmentation): the inner face of a source image on the head of a target image.

Matthew Earl's "switching eds" recipe, reimplemented from its description (methods.md 1.1 step 5):

1. Procrustes on the inner-face landmarks (brows, eyes, nose 27-34, mouth 48-60) gives ``M`` taking
   target pixels to source pixels; the source is warped into the target frame with it.
2. Mask = filled convex hulls of {brows + eyes} and {nose + mouth}, of the source (warped) and of the
   target, combined by a pixel-wise max; **feathered** (``feather`` > 0: Gaussian blur, threshold > 0,
   blur again: Earl's published code) or **hard** (``feather=0``: the SSL-FER authors commented the
   feathering out).
3. Colour correction by blurred ratio: ``warped * blur(target) / blur(warped)`` with a Gaussian of
   ``0.6 x`` the target's inter-ocular distance (odd kernel), so the pasted skin takes the target's tone.
4. ``out = target * (1 - mask) + corrected * mask``.

Images are RGB ``uint8 [H, W, 3]``; landmarks ``float [68, 2]``. The result keeps the target's identity
cues outside the mask (head, hair, jaw, background) and shows the source's expression inside it.
Failures reach the caller: :func:`face_swap` raises :class:`fer_lib.faces.detect.FaceCountError` when
either image does not have exactly one face (the authors' code silently returned the unswapped frame).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from fer_lib.faces.detect import detect_one
from fer_lib.faces.landmarks import INNER_FACE, MASK_GROUPS, eye_centres, predict
from fer_lib.faces.procrustes import apply_affine, invert_affine, similarity_procrustes

FEATHER = 11
COLOUR_BLUR_FRAC = 0.6


@dataclasses.dataclass(frozen=True)
class SwapResult:
    """image: uint8 [H, W, 3] target head + source inner face; mask: float32 [H, W] in [0, 1];
    matrix: float64 [2, 3] target pixels -> source pixels; source_landmarks: float32 [68, 2], the source's
    landmarks mapped into the target frame (where the swapped inner face's landmarks should be)."""

    image: np.ndarray
    mask: np.ndarray
    matrix: np.ndarray
    source_landmarks: np.ndarray


def face_mask(shape: tuple[int, int], landmarks: np.ndarray, feather: int = FEATHER) -> np.ndarray:
    """float32 ``[H, W]``: filled convex hulls of the mask groups; feathered if ``feather`` (odd) > 0."""
    mask = np.zeros(shape, dtype=np.float32)
    for group in MASK_GROUPS:
        hull = cv2.convexHull(np.round(np.asarray(landmarks)[list(group)]).astype(np.int32))
        cv2.fillConvexPoly(mask, hull, 1.0)
    if feather > 0:
        if feather % 2 == 0:
            raise ValueError(f"feather must be odd (a Gaussian kernel size), got {feather}")
        mask = (cv2.GaussianBlur(mask, (feather, feather), 0) > 0).astype(np.float32)
        mask = cv2.GaussianBlur(mask, (feather, feather), 0)
    return mask


def correct_colours(target: np.ndarray, warped: np.ndarray, target_landmarks: np.ndarray,
                    blur_frac: float = COLOUR_BLUR_FRAC) -> np.ndarray:
    """float32 ``[H, W, 3]``: ``warped * blur(target) / blur(warped)``, blur = Gaussian of ``blur_frac`` x inter-ocular distance."""
    eyes = eye_centres(target_landmarks)
    k = int(blur_frac * np.linalg.norm(eyes[0] - eyes[1]))
    k = max(k + (k % 2 == 0), 1)                                  # odd, >= 1
    blur_t = cv2.GaussianBlur(target.astype(np.float32), (k, k), 0)
    blur_w = cv2.GaussianBlur(warped.astype(np.float32), (k, k), 0)
    blur_w = blur_w + 128.0 * (blur_w <= 1.0)                     # no division by ~0 where the warp left black
    return warped.astype(np.float32) * blur_t / blur_w


def swap_faces(source: np.ndarray, target: np.ndarray, source_landmarks: np.ndarray, target_landmarks: np.ndarray,
               feather: int = FEATHER, colour_blur_frac: float = COLOUR_BLUR_FRAC,
               std_ratio_scale: bool = True) -> SwapResult:
    """Put the inner face of ``source`` on the head of ``target``, given both images' 68 landmarks.

    feather: Gaussian feathering of the mask (Earl: 11); 0 = the SSL-FER authors' hard mask.
    std_ratio_scale: Procrustes scale as std ratio (Earl's code, default) or least squares (False).
    """
    for name, image in (("source", source), ("target", target)):
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"{name} must be a uint8 [H, W, 3] image, got {image.dtype} {image.shape}")
    inner = list(INNER_FACE)
    matrix = similarity_procrustes(np.asarray(target_landmarks)[inner], np.asarray(source_landmarks)[inner],
                                   std_ratio_scale=std_ratio_scale)          # target px -> source px
    h, w = target.shape[:2]
    warp = dict(dsize=(w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT)
    warped = cv2.warpAffine(np.ascontiguousarray(source), matrix, **warp)
    warped_mask = cv2.warpAffine(face_mask(source.shape[:2], source_landmarks, feather), matrix, **warp)
    mask = np.maximum(face_mask((h, w), target_landmarks, feather), warped_mask)
    corrected = correct_colours(target, warped, target_landmarks, colour_blur_frac)
    out = target.astype(np.float32) * (1.0 - mask[..., None]) + corrected * mask[..., None]
    moved = apply_affine(invert_affine(matrix), source_landmarks).astype(np.float32)
    return SwapResult(image=np.clip(np.round(out), 0, 255).astype(np.uint8), mask=mask, matrix=matrix,
                      source_landmarks=moved)


def face_swap(source: np.ndarray, target: np.ndarray, upsample: int = 1, feather: int = FEATHER,
              colour_blur_frac: float = COLOUR_BLUR_FRAC, std_ratio_scale: bool = True) -> SwapResult:
    """Detect and landmark exactly one face in each image (HOG, ``upsample`` 1 as SSL-FER), then :func:`swap_faces`.

    Raises FaceCountError ("source image: expected exactly one face, found ...") instead of returning the input.
    """
    src_lm = predict(source, detect_one(source, upsample=upsample, where="source image"))
    tgt_lm = predict(target, detect_one(target, upsample=upsample, where="target image"))
    return swap_faces(source, target, src_lm, tgt_lm, feather, colour_blur_frac, std_ratio_scale)
