"""SSL-FER (Shu et al., BMVC 2022): configuration, profiles and the table's rows. Data, no logic.

Defaults are the paper's / authors' values (methods.md 1.1-1.3) where they exist; values marked "ours"
fill gaps the paper leaves open. The embedded profiles shrink the model, the resolution and the
schedule to fit a 2-core CPU; the synthetic "vox" domain stands in for VoxCeleb1 (pretraining) and the
class-balanced "balanced" domain's apex frames for AffectNet's (balanced) validation set (linear evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    dataset: str = "synthetic"            # "real": the paths below (methods/ssl_fer_real.py)
    # real data, dataset="real" (the published formats, data/formats/): VoxCeleb1 face tracks + the authors'
    # frame index to pretrain, AffectNet's CSVs to evaluate, scikit-learn's LFW folder for identity
    vox_index: str = ""                   # vox1_frames.txt: idx,path,start_frame,end_frame,n_frames
    vox_root: str = ""
    affectnet_train_csv: str = ""         # image_id,arousal,valence,expression
    affectnet_val_csv: str = ""
    affectnet_images: str = ""
    lfw_home: str = ""                    # data_home holding lfw_home/ (optional: no identity columns without)
    lfw_min_faces: int = 200              # the authors' LFW.py: people with >= 200 images (two people)
    seeds: tuple[int, ...] = (0, 1, 2)
    # data: pretraining pool (VoxCeleb1 stand-in) and evaluation set (AffectNet stand-in)
    pretrain_domain: str = "vox"
    eval_domain: str = "balanced"         # AffectNet's validation set is class-balanced
    data_seed: int = 0
    size: int = 64                        # rendered frame size (VoxCeleb faces: 224 px)
    n_identities: int = 60
    clips_per_identity: int = 4
    frames_per_clip: int = 32
    # evaluation set: stills (1-frame clips sit at the apex), as AffectNet is; one expression per still, so
    # the probe sees many people rather than many near-identical frames of a few (ours)
    eval_identities: int = 1500
    eval_clips_per_identity: int = 2
    eval_frames_per_clip: int = 1
    eval_test_fraction: float = 0.5       # identity-disjoint halves: probe train / probe test
    eval_frame_step: int = 4              # video evaluation sets: neutral clips' every 4th frame (else apex frames)
    identity_frame_step: int = 4          # identity leakage: every 4th frame of held-out pretraining people
    # model: ResNet-50 from scratch, MLP 2048-2048-128 (paper)
    depth: int = 50
    width: int = 64
    stem_stride: int = 4
    view_size: int = 112                  # Resize(128) -> RandomCrop(112)
    view_crop_scale: float = (112 / 128) ** 2
    proj_hidden: int = 2048
    proj_dim: int = 128
    temperature: float = 0.07
    # optimisation: Adam 3e-4, wd 1e-4, 128 tuples = 512 images per step, 300 epochs (maskclr)
    lr: float = 3e-4                      # the embedded profiles train ~100 steps: 1e-3 there (ours)
    weight_decay: float = 1e-4
    views_per_step: int = 512             # every row sees the same number of images per step
    num_workers: int = 0                  # data-loading processes (real data: JPEG decoding, dlib)
    checkpoint_every: int = 500           # steps between checkpoints (and one at the end of every row)
    epochs: int = 300                     # counted in 4-image tuples per clip (the paper's epoch); same steps for all rows
    # strategies
    time_offsets: tuple[int, ...] = (2, 3, 4, 5, 6)     # frames at 25/6 fps
    offset_weights: tuple[float, ...] = (5, 4, 3, 2, 1)  # distr_mode c
    hard_negative_gap: int = 12
    fixed_tuples: bool = False            # authors: one tuple per clip fixed at start (True)
    face_swap_p: float = 0.8
    swap_feather: int = 0                 # authors commented Earl's feathering out: hard mask
    donor_other_identity: bool = True     # authors: any random clip (may be the same person)
    fn_weight: float = 0.8
    fn_threshold: float = -1.0            # < 0: top-1 per anchor (authors' active code); else G > threshold
    fn_exclude_same_clip: bool = False
    cutmix_p: float = 0.5                 # ours: the README's CutMix row has no code
    landmark_mask_p: float = 0.0          # authors' view pipeline: 0.8 on every image; no table row names it
    landmark_margin: float = 10.0         # px at 224-px faces (scaled to `size`)
    descriptor_crop: int = 64
    eye_margin: float = 10.0              # px at 224-px faces (scaled to `size`)
    # baselines (the repository gives no settings: MoCo-v2's and BYOL's own)
    moco_queue: int = 65536
    moco_temperature: float = 0.2
    moco_momentum: float = 0.999
    byol_hidden: int = 4096
    byol_dim: int = 256
    byol_momentum: float = 0.996
    # ours: > 0 scales both momenta to the run: EMA time constant = this fraction of the steps, never faster than the
    # papers' (nn.momentum.budget_momentum); 0: the papers' values (at 136 steps MoCo's keys stay 87 % their init)
    momentum_time_fraction: float = 0.0
    moco_bn_groups: int = 8               # MoCo shuffle-BN groups on one device (MoCo: 8 GPUs x 32 images); 1: off
    # evaluation: "linear" = linear probe on frozen features (the paper's intent); "finetune" = the authors'
    # downstream code (whole encoder + MLP head, Adam 1e-4, wd 5e-4, batch 64, cosine, Balanced-Softmax CE)
    eval_protocol: str = "linear"
    probe_epochs: int = 50
    probe_lr: float = 1e-2
    finetune_epochs: int = 20
    mechanism_tuples: int = 256
    swap_oracle_pairs: int = 32
    tsne_points: int = 600


PROFILES = {
    "smoke": {
        "seeds": (0,), "size": 32, "n_identities": 8, "clips_per_identity": 2, "frames_per_clip": 24,
        "eval_identities": 48,
        "depth": 10, "width": 4, "stem_stride": 2, "view_size": 32, "proj_hidden": 32, "proj_dim": 16,
        "views_per_step": 32, "epochs": 2, "moco_queue": 64, "byol_hidden": 32, "byol_dim": 16,
        "probe_epochs": 3, "descriptor_crop": 16, "mechanism_tuples": 16, "swap_oracle_pairs": 4, "tsne_points": 60,
        "momentum_time_fraction": 0.1, "moco_bn_groups": 2,
    },
    "default": {
        "seeds": (0, 1, 2), "size": 64, "n_identities": 48, "clips_per_identity": 4, "frames_per_clip": 32,
        "depth": 10, "width": 32, "stem_stride": 4, "view_size": 64, "proj_hidden": 256, "proj_dim": 64,
        "lr": 1e-3, "views_per_step": 128, "epochs": 32, "moco_queue": 1024, "byol_hidden": 256, "byol_dim": 64,
        "probe_epochs": 50, "descriptor_crop": 32, "mechanism_tuples": 128, "swap_oracle_pairs": 32, "tsne_points": 600,
        "momentum_time_fraction": 0.1, "moco_bn_groups": 4,
    },
    "full": {
        "seeds": (0, 1, 2), "size": 112, "n_identities": 400, "clips_per_identity": 8, "frames_per_clip": 48,
        "eval_identities": 4000,
        "view_size": 112, "epochs": 100, "moco_queue": 16384,
    },
}

#: The README table's rows. method: which class trains it; the flags are SSLFER's strategies.
#: rerun=False rows are shown as published only (reason given).
_OFF = {"time_aug": False, "hard_neg": False, "face_swap": False, "mask_fn": False, "cutmix": False}
ROWS = (
    {"name": "BYOL", "method": "byol", **_OFF},
    {"name": "MoCo-v2", "method": "moco", **_OFF},
    {"name": "SimCLR", "method": "ssl_fer", **_OFF},
    {"name": "CycleFace (Vox1,2)", "method": None, **_OFF, "rerun": False,
     "reason": "a different method (cycle-consistent face generation, another paper's code and both VoxCeleb sets); "
               "the SSL-FER README quotes its numbers, and no implementation is part of this work"},
    {"name": "TimeAug", "method": "ssl_fer", **_OFF, "time_aug": True},
    {"name": "TimeAug+HardNeg", "method": "ssl_fer", **_OFF, "time_aug": True, "hard_neg": True},
    {"name": "TimeAug+HardNeg+CutMix", "method": "ssl_fer", **_OFF, "time_aug": True, "hard_neg": True, "cutmix": True},
    {"name": "TimeAug+FaceSwap+MaskFN", "method": "ssl_fer", **_OFF, "time_aug": True, "face_swap": True,
     "mask_fn": True},
    {"name": "TimeAug+HardNeg+FaceSwap", "method": "ssl_fer", **_OFF, "time_aug": True, "hard_neg": True,
     "face_swap": True},
    {"name": "TimeAug+HardNeg+MaskFN", "method": "ssl_fer", **_OFF, "time_aug": True, "hard_neg": True,
     "mask_fn": True},
    {"name": "TimeAug+HardNeg+FaceSwap+MaskFN", "method": "ssl_fer", **_OFF, "time_aug": True, "hard_neg": True,
     "face_swap": True, "mask_fn": True},
)
#: A control that is not in the paper: the same encoder, randomly initialised and never trained.
CONTROL_ROWS = ({"name": "Random init (control)", "method": "none", **_OFF},)

#: The paper's claims as row comparisons: (better row, worse row, what the claim says). Metric: F1.
CLAIMS = (
    ("TimeAug", "SimCLR", "time-shifted positives beat two views of one frame"),
    ("TimeAug+HardNeg", "TimeAug", "same-clip hard negatives help"),
    ("TimeAug+HardNeg+CutMix", "TimeAug+HardNeg", "CutMix on top helps"),
    ("TimeAug+HardNeg+FaceSwap", "TimeAug+HardNeg", "FaceSwap positives help"),
    ("TimeAug+HardNeg+MaskFN", "TimeAug+HardNeg", "MaskFN helps"),
    ("TimeAug+HardNeg+FaceSwap+MaskFN", "TimeAug+HardNeg+FaceSwap", "MaskFN helps on top of FaceSwap"),
    ("TimeAug+HardNeg+FaceSwap+MaskFN", "SimCLR", "the full method beats SimCLR"),
    ("SimCLR", "MoCo-v2", "SimCLR beats MoCo-v2"),
    ("MoCo-v2", "BYOL", "MoCo-v2 beats BYOL"),
)
