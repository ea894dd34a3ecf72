"""SSL-FER (Shu et al., BMVC 2022): configuration, profiles and the table's rows. Data, no logic.

Defaults are the paper's / authors' values (methods.md 1.1-1.3) where they exist; values marked "ours"
fill gaps the paper leaves open. The embedded profiles shrink the model, the resolution and the
schedule to fit a 2-core CPU; the synthetic "talking" domain stands in for VoxCeleb1 (pretraining; the older,
neutral-heavy "vox" domain is kept as a second pool for the dose-response rows) and the class-balanced "balanced"
domain's apex frames for AffectNet's (balanced) validation set (linear evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fer_lib.experiments.ranges import Fraction, NonNegFloat, NonNegInt, OneOf, PosFloat, PosInt, Prob, Range, Seeds

from fer_lib.experiments.claim import Claim


@dataclass(frozen=True)
class Config:
    dataset: Annotated[str, OneOf("synthetic", "real")] = "synthetic"  # "real": the paths below (protocols/ssl_fer_real.py)
    # real data, dataset="real" (the published formats, data/formats/): VoxCeleb1 face tracks + the authors'
    # frame index to pretrain, AffectNet's CSVs to evaluate, scikit-learn's LFW folder for identity
    vox_index: str = ""                   # vox1_frames.txt: idx,path,start_frame,end_frame,n_frames
    vox_root: str = ""
    affectnet_train_csv: str = ""         # image_id,arousal,valence,expression
    affectnet_val_csv: str = ""
    affectnet_images: str = ""
    lfw_home: str = ""                    # data_home holding lfw_home/ (optional: no identity columns without)
    lfw_min_faces: PosInt = 200           # the authors' LFW.py: people with >= 200 images (two people)
    seeds: Seeds = (0, 1, 2)
    key_seeds: Seeds = (0, 1, 2, 3, 4)     # rows in a testable claim (CLAIMS) run these seeds
    isolating_seeds: Seeds = (0,)          # ours: the isolating rows (ISOLATING_ROWS, not in the paper)
    # data: pretraining pool (VoxCeleb1 stand-in) and evaluation set (AffectNet stand-in). "talking": talking-head
    # dynamics (several expressions a clip, speech); compare_domain: a second pool for the POOL_ROWS (ours)
    pretrain_domain: str = "talking"
    compare_domain: str = "vox"
    eval_domain: str = "balanced"         # AffectNet's validation set is class-balanced
    data_seed: NonNegInt = 0
    size: PosInt = 64                     # rendered frame size (VoxCeleb faces: 224 px)
    n_identities: PosInt = 60
    clips_per_identity: PosInt = 4
    frames_per_clip: PosInt = 32
    # evaluation set: stills (1-frame clips sit at the apex), as AffectNet is; one expression per still, so
    # the probe sees many people rather than many near-identical frames of a few (ours)
    eval_identities: PosInt = 1500
    eval_clips_per_identity: PosInt = 2
    eval_frames_per_clip: PosInt = 1
    eval_test_fraction: Fraction = 0.5    # identity-disjoint halves: probe train / probe test
    eval_frame_step: PosInt = 4           # video evaluation sets: neutral clips' every 4th frame (else apex frames)
    # identity leakage: a set of its own (ours), people of the pretraining domain outside the pool, rendered from
    # data_seed + 2 and split with data_seed, so it is the same for every training seed; 100 people x 4 clips put
    # about 133 clips on the probe's test side (one clip < 1 point of accuracy)
    identity_set_identities: PosInt = 100
    identity_set_clips: Annotated[int, Range(3, None)] = 4   # the clip-disjoint split needs >= 3 clips a person
    identity_set_frames: PosInt = 16
    identity_frame_step: PosInt = 4       # every 4th frame of each clip
    # scene index (ours): face states of the identity set, each rendered in its own and another person's scene, and
    # another person rendered in its scene (data/synth/scene_sets.py); percentile bootstrap over the face states
    scene_triplets: PosInt = 200
    scene_resamples: PosInt = 1000
    # model: ResNet-50 from scratch, MLP 2048-2048-128 (paper)
    depth: Annotated[int, OneOf(10, 18, 34, 50, 101)] = 50
    width: PosInt = 64
    stem_stride: PosInt = 4
    view_size: PosInt = 112               # Resize(128) -> RandomCrop(112)
    view_crop_scale: Annotated[float, Range(0, 1, lo_open=True)] = (112 / 128) ** 2
    proj_hidden: PosInt = 2048
    proj_dim: PosInt = 128
    temperature: PosFloat = 0.07
    # optimisation: Adam 3e-4, wd 1e-4, 128 tuples = 512 images per step, 300 epochs (maskclr)
    lr: PosFloat = 3e-4                   # the embedded profiles train ~100 steps: 1e-3 there (ours)
    weight_decay: NonNegFloat = 1e-4
    views_per_step: PosInt = 512          # every row sees the same number of images per step
    # ours: a step's items always come from distinct clips (HardNeg's 4-image item is one clip); True gives every row
    # views_per_step/4 clips a step, as HardNeg's, so that rows without HardNeg see half the images
    equal_clips_per_step: bool = False
    num_workers: NonNegInt = 0            # data-loading processes (real data: JPEG decoding, dlib)
    checkpoint_every: PosInt = 500        # steps between checkpoints (and one at the end of every row)
    epochs: PosInt = 300                  # counted in 4-image tuples per clip (the paper's epoch); same steps for all rows
    # strategies
    time_offsets: tuple[PosInt, ...] = (2, 3, 4, 5, 6)  # frames at 25/6 fps
    offset_weights: tuple[NonNegFloat, ...] = (5, 4, 3, 2, 1)  # distr_mode c
    hard_negative_gap: PosInt = 12
    fixed_tuples: bool = False            # authors: one tuple per clip fixed at start (True)
    face_swap_p: Prob = 0.8
    swap_feather: NonNegInt = 0           # authors commented Earl's feathering out: hard mask
    donor_other_identity: bool = True     # authors: any random clip (may be the same person)
    fn_weight: NonNegFloat = 0.8
    fn_threshold: float = -1.0            # < 0: top-1 per anchor (authors' active code); else G > threshold
    fn_exclude_same_clip: bool = False
    cutmix_p: Prob = 0.5                 # ours: the README's CutMix row has no code
    landmark_mask_p: Prob = 0.8          # authors' view pipeline: 0.8 on every image of every row; 0: off
    landmark_margin: NonNegFloat = 10.0   # px at 224-px faces (scaled to `size`)
    descriptor_crop: PosInt = 64
    eye_margin: NonNegFloat = 10.0        # px at 224-px faces (scaled to `size`)
    # baselines (the repository gives no settings: MoCo-v2's and BYOL's own)
    moco_queue: PosInt = 65536
    moco_temperature: PosFloat = 0.2
    moco_momentum: Prob = 0.999
    byol_hidden: PosInt = 4096
    byol_dim: PosInt = 256
    byol_momentum: Prob = 0.996
    # ours: > 0 scales both momenta to the run: EMA time constant = this fraction of the steps, never faster than the
    # papers' (nn.momentum.budget_momentum); 0: the papers' values (at 136 steps MoCo's keys stay 87 % their init)
    momentum_time_fraction: Prob = 0.0
    moco_bn_groups: PosInt = 8            # MoCo shuffle-BN groups on one device (MoCo: 8 GPUs x 32 images); 1: off
    # evaluation: "linear" = linear probe on frozen features (the paper's intent); "finetune" = the authors'
    # downstream code (whole encoder + MLP head, Adam 1e-4, wd 5e-4, batch 64, cosine, Balanced-Softmax CE)
    eval_protocol: Annotated[str, OneOf("linear", "finetune")] = "linear"
    probe_epochs: PosInt = 50
    probe_lr: PosFloat = 1e-2
    finetune_epochs: PosInt = 20
    mechanism_tuples: PosInt = 256
    swap_oracle_pairs: PosInt = 32
    tsne_points: PosInt = 600
    curve_points: PosInt = 4              # ours: the learning curve evaluates CURVE_ROWS at this many points
    # ours: > 1: the curve trains CURVE_ROWS again for this many times `epochs` (first seed): does a row below the
    # untrained control, or an ordering, change with more training? 1: snapshots of the table's rows
    curve_length: PosInt = 1


PROFILES = {
    "smoke": {
        "seeds": (0,), "key_seeds": (0,), "size": 32, "n_identities": 8, "clips_per_identity": 2, "frames_per_clip": 24,
        "eval_identities": 48, "identity_set_identities": 12, "identity_set_frames": 8,
        "depth": 10, "width": 4, "stem_stride": 2, "view_size": 32, "proj_hidden": 32, "proj_dim": 16,
        "views_per_step": 16, "epochs": 2, "moco_queue": 64, "byol_hidden": 32, "byol_dim": 16,
        "probe_epochs": 3, "descriptor_crop": 16, "mechanism_tuples": 16, "swap_oracle_pairs": 4, "tsne_points": 60,
        "momentum_time_fraction": 0.1, "moco_bn_groups": 2, "curve_points": 2, "curve_length": 2,
    },
    "default": {
        "seeds": (0, 1, 2), "size": 64, "n_identities": 48, "clips_per_identity": 4, "frames_per_clip": 32,
        # width 16 trains 1.5x the steps of width 32 in less time: at width 32 and 136 steps MoCo-v2 and BYOL
        # ended 7-8 F1 points below the untrained encoder (whose wider random features read expression well)
        "depth": 10, "width": 16, "stem_stride": 4, "view_size": 64, "proj_hidden": 256, "proj_dim": 64,
        "lr": 1e-3, "views_per_step": 128, "epochs": 48, "moco_queue": 1024, "byol_hidden": 256, "byol_dim": 64,
        "probe_epochs": 50, "descriptor_crop": 32, "mechanism_tuples": 128, "swap_oracle_pairs": 32, "tsne_points": 600,
        "momentum_time_fraction": 0.1, "moco_bn_groups": 4,
    },
    "full": {
        "seeds": (0, 1, 2), "size": 112, "n_identities": 400, "clips_per_identity": 8, "frames_per_clip": 48,
        "eval_identities": 4000,
        "view_size": 112, "epochs": 100, "moco_queue": 16384,
        "dataset": "real",   # the paper's experiment: set the paths, or -p dataset synthetic (paper size)
    },
}

#: per real dataset: the config keys holding its paths (checked before any work starts, fer_lib.config.missing_data)
REAL_PATHS = {"real": {"vox_index": "file", "vox_root": "folder", "affectnet_train_csv": "file",
                       "affectnet_val_csv": "file", "affectnet_images": "folder"}}
DATA_LABELS = {"real": "VoxCeleb1 -> AffectNet, LFW"}

@dataclass(frozen=True)
class Row:
    """One row of the README table. method: which class trains it ("ssl_fer", "moco", "byol"; "none" = the
    untrained control; None = not implemented here); the flags are SSLFER's strategies; rerun=False rows are
    shown as published only, for ``reason``.

    Ours (rows not in the paper, ``in_paper=False``): pool "compare" pretrains on ``cfg.compare_domain``;
    swap "oracle" = FaceSwap by the renderer's exact answer (donor's identity and pose, the positive's expression),
    "same_identity" = the donor is another clip of the same person (new scene, same identity);
    fn_exclude_same_clip: MaskFN never picks the anchor's own clip; fn_oracle: MaskFN's descriptor is the
    ground-truth expression instead of the mouth-eye descriptor."""

    row: str
    method: str | None
    time_aug: bool = False
    hard_neg: bool = False
    face_swap: bool = False
    mask_fn: bool = False
    cutmix: bool = False
    rerun: bool = True
    reason: str = ""
    in_paper: bool = True
    pool: str = "main"                 # "main" (cfg.pretrain_domain) | "compare" (cfg.compare_domain)
    swap: str = "estimated"            # "estimated" (landmark warp, the authors') | "oracle" | "same_identity"
    fn_exclude_same_clip: bool = False
    fn_oracle: bool = False

    def __post_init__(self):
        if self.pool not in ("main", "compare"):
            raise ValueError(f"row {self.row!r}: pool must be 'main' or 'compare', got {self.pool!r}")
        if self.swap not in ("estimated", "oracle", "same_identity"):
            raise ValueError(f"row {self.row!r}: swap must be 'estimated', 'oracle' or 'same_identity', "
                             f"got {self.swap!r}")


ROWS = (
    Row("BYOL", "byol"),
    Row("MoCo-v2", "moco"),
    Row("SimCLR", "ssl_fer"),
    Row("CycleFace (Vox1,2)", None, rerun=False,
        reason="a different method (cycle-consistent face generation, another paper's code and both VoxCeleb sets); "
               "the SSL-FER README quotes its numbers, and no implementation is part of this work"),
    Row("TimeAug", "ssl_fer", time_aug=True),
    Row("TimeAug+HardNeg", "ssl_fer", time_aug=True, hard_neg=True),
    Row("TimeAug+HardNeg+CutMix", "ssl_fer", time_aug=True, hard_neg=True, cutmix=True),
    Row("TimeAug+FaceSwap+MaskFN", "ssl_fer", time_aug=True, face_swap=True, mask_fn=True),
    Row("TimeAug+HardNeg+FaceSwap", "ssl_fer", time_aug=True, hard_neg=True, face_swap=True),
    Row("TimeAug+HardNeg+MaskFN", "ssl_fer", time_aug=True, hard_neg=True, mask_fn=True),
    Row("TimeAug+HardNeg+FaceSwap+MaskFN", "ssl_fer", time_aug=True, hard_neg=True, face_swap=True, mask_fn=True),
)
#: A control that is not in the paper: the same encoder, randomly initialised and never trained.
CONTROL_ROWS = (Row("Random init (control)", "none", in_paper=False),)
#: Not in the paper: the first rows again on the second pool (cfg.compare_domain, neutral-heavy "vox", where
#: HardNeg's premise fails): a dose-response for HardNeg across pools.
POOL_ROWS = (
    Row("SimCLR · vox pool", "ssl_fer", in_paper=False, pool="compare"),
    Row("TimeAug · vox pool", "ssl_fer", time_aug=True, in_paper=False, pool="compare"),
    Row("TimeAug+HardNeg · vox pool", "ssl_fer", time_aug=True, hard_neg=True, in_paper=False, pool="compare"),
)
#: Not in the paper: each changes one mechanism of its paper row (the name says which), run at isolating_seeds.
ISOLATING_ROWS = (
    Row("TimeAug+HardNeg+FaceSwap · oracle swap", "ssl_fer", time_aug=True, hard_neg=True, face_swap=True,
        in_paper=False, swap="oracle"),
    Row("TimeAug+HardNeg+FaceSwap · same-person donor", "ssl_fer", time_aug=True, hard_neg=True, face_swap=True,
        in_paper=False, swap="same_identity"),
    Row("TimeAug+HardNeg+MaskFN · no same-clip picks", "ssl_fer", time_aug=True, hard_neg=True, mask_fn=True,
        in_paper=False, fn_exclude_same_clip=True),
    Row("TimeAug+HardNeg+MaskFN · oracle descriptor", "ssl_fer", time_aug=True, hard_neg=True, mask_fn=True,
        in_paper=False, fn_oracle=True),
)
#: The learning curve's rows (evaluated at cfg.curve_points points of training, first seed).
CURVE_ROWS = ("SimCLR", "MoCo-v2", "BYOL", "TimeAug+HardNeg+FaceSwap+MaskFN", "Random init (control)")

#: The paper's claims (README table and abstract) as comparisons of two rows. paper: the README's difference
#: A − B (F1 and Acc in points, CCC as a fraction), one run each on AffectNet.
_LEARNS = "higher (the paper's premise: pretraining learns; it reports no untrained encoder)"
_SCENE = "not in paper (ours): training moves the encoder off its initialisation"
_REAL = "needs VoxCeleb1 pretraining and the AffectNet validation set (dataset='real'), not available here"
CLAIMS = (
    Claim("time-shifted positives (TimeAug) beat two views of one frame (SimCLR)", "TimeAug", "SimCLR", "F1",
          paper=0.3),
    Claim("same-clip hard negatives (HardNeg) help TimeAug", "TimeAug+HardNeg", "TimeAug", "F1", paper=0.3),
    Claim("CutMix on top of TimeAug+HardNeg helps", "TimeAug+HardNeg+CutMix", "TimeAug+HardNeg", "F1", paper=0.2),
    Claim("FaceSwap positives help TimeAug+HardNeg", "TimeAug+HardNeg+FaceSwap", "TimeAug+HardNeg", "F1",
          paper=0.7),
    Claim("MaskFN helps TimeAug+HardNeg", "TimeAug+HardNeg+MaskFN", "TimeAug+HardNeg", "F1", paper=0.8),
    Claim("MaskFN helps on top of FaceSwap", "TimeAug+HardNeg+FaceSwap+MaskFN", "TimeAug+HardNeg+FaceSwap", "F1",
          paper=0.5),
    Claim("the full method beats SimCLR on expression F1", "TimeAug+HardNeg+FaceSwap+MaskFN", "SimCLR", "F1",
          paper=1.8),
    Claim("the full method beats SimCLR on arousal (dimensional FER)", "TimeAug+HardNeg+FaceSwap+MaskFN", "SimCLR",
          "A-CCC", paper=0.051),
    Claim("the full method beats SimCLR on valence (dimensional FER)", "TimeAug+HardNeg+FaceSwap+MaskFN", "SimCLR",
          "V-CCC", paper=0.001),
    Claim("the full method keeps less identity than SimCLR", "TimeAug+HardNeg+FaceSwap+MaskFN", "SimCLR",
          "identity_probe_acc", direction="<",
          paper="less identity (the paper's LFW experiment publishes no number)"),
    # the table's premise, not a row of it: every pretrained row has learnt something, i.e. beats the same encoder
    # untrained (the control row); the baselines are the rows whose momentum encoders learn slowest in a short run
    Claim("SimCLR beats the untrained encoder", "SimCLR", "Random init (control)", "F1", paper=_LEARNS),
    Claim("MoCo-v2 beats the untrained encoder", "MoCo-v2", "Random init (control)", "F1", paper=_LEARNS),
    Claim("BYOL beats the untrained encoder", "BYOL", "Random init (control)", "F1", paper=_LEARNS),
    # ours: whatever a baseline learns, its augmentations teach it to see past colour, light and framing, so a
    # trained encoder's features move less with the scene than the untrained encoder's (scene index, lower)
    *(Claim(f"{name} learns to see past the scene (scene index below the untrained encoder's)", name,
            "Random init (control)", "scene_index", direction="<", paper=_SCENE)
      for name in ("SimCLR", "MoCo-v2", "BYOL")),
    Claim("SimCLR beats MoCo-v2", "SimCLR", "MoCo-v2", "F1", paper=0.7),
    Claim("MoCo-v2 beats BYOL", "MoCo-v2", "BYOL", "F1", paper=0.5),
    Claim("the full method reaches 59.3 F1 on AffectNet", None, None, None, paper="59.3 F1", untestable=_REAL),
    Claim("the full method outperforms CycleFace", None, None, None, paper="+10.5 F1 (59.3 vs 48.8)",
          untestable="CycleFace is another paper's method (cycle-consistent face generation on VoxCeleb1 and 2); "
                     "no implementation is part of this work"),
    Claim("the strategies also help on FER2013", None, None, None, paper="evaluated, no number in the README",
          untestable="the README gives no FER2013 number and follows another repository's evaluation"),
)
#: Ours: the scene shortcut against the identity shortcut. The same-person donor breaks the scene and keeps the
#: identity; the other-person donor (FaceSwap) breaks both. Lower scene index = less scene in the features. The
#: rows in these claims run ``seeds`` (the other isolating rows ``isolating_seeds``).
_OURS = "not in paper (ours)"
_SAME = "TimeAug+HardNeg+FaceSwap · same-person donor"
ISOLATING_CLAIMS = (
    Claim("the same-person swap removes the scene shortcut (scene index below SimCLR's)", _SAME, "SimCLR",
          "scene_index", direction="<", paper=_OURS),
    Claim("the other-person swap (FaceSwap) lowers TimeAug+HardNeg's scene index", "TimeAug+HardNeg+FaceSwap",
          "TimeAug+HardNeg", "scene_index", direction="<", paper=_OURS),
    Claim("the same-person swap keeps less scene than the other-person swap", _SAME, "TimeAug+HardNeg+FaceSwap",
          "scene_index", direction="<", paper=_OURS),
    Claim("breaking the scene alone (same-person swap) helps TimeAug+HardNeg's expression F1", _SAME,
          "TimeAug+HardNeg", "F1", paper=_OURS),
)
#: Ours: the first two claims again on the second pool (POOL_ROWS, run at ``seeds``), where HardNeg's premise
#: fails: beside CLAIMS' pair on the main pool, a dose-response for HardNeg (and TimeAug) across pools.
POOL_CLAIMS = (
    Claim("TimeAug beats SimCLR on the vox pool", "TimeAug · vox pool", "SimCLR · vox pool", "F1", paper=0.3),
    Claim("HardNeg helps TimeAug on the vox pool", "TimeAug+HardNeg · vox pool", "TimeAug · vox pool", "F1",
          paper=0.3),
)
