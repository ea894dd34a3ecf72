"""FaceSwap measured against an exact oracle: render(identity B, expression A, pose B).

On synthetic faces the generator can render the frame a perfect swap of A's expression onto B's
head would give (``fer_lib.data.synth.oracle.swap_frame``). Given the source frame A, the target
frame B (each with its ground-truth landmarks, so dlib is not involved: it does not detect cartoon
faces) and the oracle frame with its landmarks, :func:`swap_errors` runs :func:`swap_faces` and reports

- ``landmark_px``: mean distance over the inner-face landmarks (brows, eyes, nose, mouth) between where
  FaceSwap puts A's landmarks and the oracle's; ``landmark_nme``: the same divided by B's inter-ocular distance;
  ``mouth_px`` (all 20 mouth points, inner lip included) and ``brows_eyes_px``: the same per region;
- ``pixel_mae_mask``: mean absolute RGB error (0-255) between the swap and the oracle inside the swap mask;
  ``pixel_mae``: over the whole image;
- the same numbers for *no swap at all* (B unchanged, pixel error inside the same mask), the baseline a
  useful swap must beat.
"""

from __future__ import annotations

import numpy as np

from fer_lib.faces.landmarks import BROWS, EYES, INNER_FACE, REGIONS, eye_centres
from fer_lib.faces.swap import FEATHER, SwapResult, swap_faces


def swap_errors(source: np.ndarray, source_landmarks: np.ndarray, target: np.ndarray, target_landmarks: np.ndarray,
                oracle: np.ndarray, oracle_landmarks: np.ndarray, feather: int = FEATHER) -> tuple[dict, SwapResult]:
    """Errors of one swap against its oracle (see the module docstring) and the swap itself.

    Images uint8 ``[H, W, 3]``, landmarks ``[68, 2]``; all three frames share one size.
    """
    if not source.shape == target.shape == oracle.shape:
        raise ValueError(f"source, target and oracle differ in shape: {source.shape}, {target.shape}, {oracle.shape}")
    result = swap_faces(source, target, source_landmarks, target_landmarks, feather=feather)
    inner = list(INNER_FACE)
    oracle_lm = np.asarray(oracle_landmarks, dtype=np.float64)
    iod = float(np.linalg.norm(np.diff(eye_centres(np.asarray(target_landmarks, dtype=np.float64)), axis=0)))
    inside = result.mask > 0.5

    def landmark(points: np.ndarray, where: list[int] = inner) -> float:
        return float(np.linalg.norm(np.asarray(points, dtype=np.float64)[where] - oracle_lm[where], axis=1).mean())

    mouth, upper = list(REGIONS["mouth"]), list(BROWS + EYES)

    def mae(image: np.ndarray, where: np.ndarray | None = None) -> float:
        diff = np.abs(image.astype(np.float64) - oracle.astype(np.float64))
        return float(diff[where].mean()) if where is not None else float(diff.mean())

    errors = {
        "landmark_px": landmark(result.source_landmarks),
        "landmark_nme": landmark(result.source_landmarks) / iod,
        "mouth_px": landmark(result.source_landmarks, mouth),
        "brows_eyes_px": landmark(result.source_landmarks, upper),
        "pixel_mae_mask": mae(result.image, inside),
        "pixel_mae": mae(result.image),
        "no_swap_landmark_px": landmark(target_landmarks),
        "no_swap_landmark_nme": landmark(target_landmarks) / iod,
        "no_swap_mouth_px": landmark(target_landmarks, mouth),
        "no_swap_brows_eyes_px": landmark(target_landmarks, upper),
        "no_swap_pixel_mae_mask": mae(target, inside),
        "no_swap_pixel_mae": mae(target),
        "mask_fraction": float(inside.mean()),
    }
    return errors, result


def mean_errors(rows: list[dict]) -> dict:
    """Per-key mean of several :func:`swap_errors` dicts (plus ``n`` pairs)."""
    if not rows:
        raise ValueError("no swap measured")
    return {"n": len(rows), **{key: float(np.mean([r[key] for r in rows])) for key in rows[0]}}
