"""MAE-DFER chapter: the paper's configuration as defaults, the profiles, and the table rows (data only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fer_lib.experiments.ranges import NonNegFloat, NonNegInt, OneOf, PosFloat, PosInt, Prob, Range, Seeds

from fer_lib.experiments.claim import Claim


@dataclass(frozen=True)
class Config:
    """Defaults = MAE-DFER (Sun et al., ACM MM 2023) on DFEW; the `full` profile keeps them."""

    dataset: Annotated[str, OneOf("synthetic", "DFEW", "FERV39k", "MAFW", "own")] = "synthetic"  # real: paths at the end
    skip_corrupt: bool = False      # real data: skip truncated/corrupt images, counted in the results (default: stop)
    seeds: Seeds = (0, 1, 2)
    key_seeds: Seeds = (0, 1, 2, 3, 4)     # rows in a testable claim (CLAIMS) run these seeds
    # data: 16 frames at 160², sampling rate 4; synthetic clips are clip_frames long (test views sample them)
    frames: PosInt = 16
    image_size: PosInt = 160
    stride: PosInt = 4
    clip_frames: PosInt = 64
    num_classes: Annotated[int, Range(2)] = 7
    n_identities: PosInt = 60        # labelled DFEW-like synthetic set (identity-disjoint splits)
    clips_per_identity: PosInt = 4
    pre_identities: PosInt = 100     # unlabelled VoxCeleb2-like synthetic pool (other people)
    pre_clips_per_identity: PosInt = 4
    # tokens and encoders
    tubelet: PosInt = 2
    patch: PosInt = 16
    dim: PosInt = 512                # LGI-Former (and VideoMamba) width / depth / heads
    depth: PosInt = 16
    heads: PosInt = 8
    region: tuple[PosInt, PosInt, PosInt] = (2, 5, 10)
    vit_dim: PosInt = 768            # VideoMAE ViT-B as the paper compares it
    vit_depth: PosInt = 12
    vit_heads: PosInt = 12
    # pretraining (masked appearance + motion)
    mask_ratio: Annotated[float, Range(0, 1, hi_open=True)] = 0.9
    mask_window: tuple[PosInt, PosInt] = (5, 10)
    motion_weight: NonNegFloat = 0.5
    decoder_dim: PosInt = 384
    decoder_depth: PosInt = 4
    decoder_heads: PosInt = 6
    pre_pool: Annotated[str, OneOf("vox", "train")] = "vox"  # VoxCeleb2-like other people, or the train clips
    pre_seed: NonNegInt = 0          # one pretraining per (encoder, target), shared by every evaluation seed
    pre_lr: PosFloat = 3e-4          # per 256 clips (linear scaling)
    pre_min_lr: NonNegFloat = 1e-5
    pre_batch: PosInt = 32
    pre_epochs: PosInt = 50          # of a 100-epoch cosine in the code; the released checkpoint is epoch 49
    pre_warmup_epochs: NonNegInt = 5
    multiscale: tuple[PosFloat, ...] = (1.0, 0.875, 0.75, 0.66)  # GroupMultiScaleCrop scales; () = off
    # evaluation set: clips of other people with class-balanced priors (val + test), >= 10 per class
    eval_identities: NonNegInt = 210  # 0 = the labelled set's own 30 % of people (val + test)
    min_eval_per_class: NonNegInt = 10
    bootstrap: PosInt = 1000         # resamples of the clip-bootstrap interval
    probe_c: PosFloat = 0.1          # inverse L2 strength of the frozen probe (logistic regression)
    # fine-tuning
    ft_lr: PosFloat = 1e-3           # per 256 clips
    ft_min_lr: NonNegFloat = 1e-6
    ft_batch: PosInt = 32
    ft_epochs: PosInt = 100
    ft_steps: NonNegInt = 0          # > 0: this many steps at every label fraction (epochs unused)
    warmup_epochs: NonNegInt = 5
    weight_decay: NonNegFloat = 0.05
    layer_decay: Annotated[float, Range(0, 1, lo_open=True)] = 0.75
    scratch_layer_decay: Annotated[float, Range(0, 1, lo_open=True)] = 1.0  # no pretrained layer to keep
    drop_path: Annotated[float, Range(0, 1, hi_open=True)] = 0.1
    mixup: NonNegFloat = 0.8
    cutmix: NonNegFloat = 1.0
    smoothing: Annotated[float, Range(0, 1, hi_open=True)] = 0.1
    randaug_n: NonNegInt = 4         # RandAugment rand-m7-n4-mstd0.5 (0 = off)
    randaug_m: NonNegInt = 7
    rrc_scale: tuple[Prob, Prob] = (0.08, 1.0)  # random resized crop area range
    flip: Prob = 0.5
    erasing: Prob = 0.25             # random erasing probability
    grad_clip: float = 0.0           # the code clips nothing by default (None); <= 0 = off (engine.fit)
    batch_norm_features: bool = False  # pooled features -> LayerNorm (the paper) or BatchNorm without affine
    test_temporal: PosInt = 2
    test_spatial: PosInt = 2
    gaze_alpha: NonNegFloat = 1.0    # weight of CE in α·CE + L1(gaze) (the seed text's combine_loss_alpha)
    cost_iters: NonNegInt = 1        # timed forward+backward passes of each encoder at the paper's size (0: skip)
    checkpoint_every: NonNegInt = 1000  # pretraining / fine-tuning checkpoint interval in steps (0: at the end)
    # real data (protocols/mae_dfer_real.py): dataset names the fine-tuning benchmark, read from its release root;
    # pretraining on a VoxCeleb2 list (`<mp4 path> 0` lines); MAFW needs num_classes 11
    fold: Annotated[int, Range(1, 5)] = 1     # DFEW and MAFW: the 5-fold split's fold (one run per fold)
    dfew_root: str = ""                   # EmoLabel_DataSplit/, Clip/jpg_256/
    ferv39k_root: str = ""                # 4_setups/All_scenes/, 2_ClipsforFaceCrop/
    mafw_root: str = ""                   # split/single/no_caption/, frames/
    voxceleb2_list: str = ""              # VoxCeleb2 pretraining list
    voxceleb2_root: str = ""              # folder the list's relative paths start from ("": the list's folder)
    # dataset "own": your clips as `python -m fer_lib.faces.video --labels` writes them (README, "Your own videos")
    own_annotation: str = ""              # `<frame_dir> <label>` lines (faces.video's annotation.txt)
    own_root: str = ""                    # folder the frame_dirs are relative to ("": the annotation's folder)
    own_test_annotation: str = ""         # evaluation clips, same format ("": hold out own_test_fraction)
    own_test_fraction: Annotated[float, Range(0, 1, lo_open=True, hi_open=True)] = 0.2  # class-stratified
    own_classes: str = "dfew7"            # the labels' class order (a fer_lib.data.labels name, or "a,b,c")


# Small profiles (issue 17's lead): 64² frames cut into 8-px patches; windows of 4 frames at sampling rate 2 on
# 16-frame clips whose one expression episode spans the clip -> a 2×8×8 grid of 128 tokens; regions 2×4×4
# (4 regions of 32 tokens); part windows 4×4 with 87.5 % masked (14 of 16), and the ViT's tube mask at the
# same 87.5 %: both arms see the same tokens and hide the same share. Pretraining in-domain on the labelled
# clips' windows (labels unused), long enough to beat the per-position mean target. Fine-tuning at the paper's
# effective lr (1e-3 per 256 at its batch of 96 = 3.75e-4) and the paper's bottom/top lr ratio (0.75 over 17
# layers = 0.75^(17/5) ≈ 0.376 over 5); a fixed step budget at every label fraction. Augmentations of the paper,
# scaled to 64-px faces and 150 steps: RandAugment n2 (not n4), random resized crop (0.25, 1) (not 0.08),
# flip, erasing 0.25; multi-scale crop in pretraining as the paper. Mixup, cutmix, smoothing, drop path off
# (set for 100 epochs on ~10k clips). batch_norm_features: at this scale LayerNorm(mean token) keeps the pooled
# features' shared offset and fine-tuning stays at the class prior; BatchNorm without affine (MAE's
# linear-probe head) standardises each dimension.
_SMALL = dict(image_size=64, patch=8, dim=64, depth=4, heads=4, region=(2, 4, 4), vit_dim=64, vit_depth=4,
              vit_heads=4, mask_ratio=0.875, mask_window=(4, 4), decoder_dim=64, decoder_depth=1, decoder_heads=2,
              frames=4, stride=2, clip_frames=16, pre_pool="train", pre_lr=1.5e-3 * 256 / 16, pre_min_lr=1e-4,
              pre_batch=16, pre_warmup_epochs=1, ft_lr=3.75e-4 * 256 / 16, ft_min_lr=1e-6, ft_batch=16,
              warmup_epochs=1, grad_clip=1.0, mixup=0.0, cutmix=0.0, smoothing=0.0, drop_path=0.0,
              layer_decay=0.376, batch_norm_features=True, randaug_n=2, rrc_scale=(0.25, 1.0))

PROFILES = {
    "smoke": dict(_SMALL, seeds=(0,), key_seeds=(0,), n_identities=40, clips_per_identity=1, pre_batch=8,
                  ft_batch=8, depth=2, vit_depth=2, pre_epochs=1, ft_steps=2, pre_warmup_epochs=0,
                  eval_identities=28, min_eval_per_class=1, bootstrap=50, cost_iters=0),
    "default": dict(_SMALL, n_identities=600, clips_per_identity=1, pre_epochs=4, ft_steps=150),
    "full": {"dataset": "DFEW"},   # the paper's experiment: set the paths, or -p dataset synthetic (paper size)
}

#: per real dataset: the config keys holding its paths (checked before any work starts, fer_lib.config.missing_data)
REAL_PATHS = {"DFEW": {"dfew_root": "folder", "voxceleb2_list": "file"},
              "FERV39k": {"ferv39k_root": "folder", "voxceleb2_list": "file"},
              "MAFW": {"mafw_root": "folder", "voxceleb2_list": "file"},
              "own": {"own_annotation": "file", "own_root": "folder?", "own_test_annotation": "file?",
                      "voxceleb2_list": "file?"}}
DATA_LABELS = {"DFEW": "VoxCeleb2 -> DFEW", "FERV39k": "VoxCeleb2 -> FERV39k", "MAFW": "VoxCeleb2 -> MAFW",
               "own": "own annotated clips"}


@dataclass(frozen=True)
class Arm:
    """One encoder state: ``encoder`` ("lgi_former", "vit", "video_mamba"), masked-autoencoder pretrained or
    random, with the motion target or not; paper_row: the paper's row it stands for (None: not in the paper)."""

    name: str
    encoder: str
    pretrained: bool
    motion: bool
    paper_row: str | None = None


# The ViT arm is pretrained as VideoMAE (tube mask + appearance target); every arm at the same masking ratio.
MAE_DFER = Arm("MAE-DFER (LGI-Former, appearance + motion)", "lgi_former", True, True, "MAE-DFER")
LGI_APPEARANCE = Arm("LGI-Former, appearance only", "lgi_former", True, False)
LGI_RANDOM = Arm("LGI-Former, random init", "lgi_former", False, False)
VIDEOMAE = Arm("VideoMAE (ViT, appearance only)", "vit", True, False, "VideoMAE† (VoxCeleb2)")
VIT_RANDOM = Arm("ViT, random init", "vit", False, False)
ARMS = (MAE_DFER, LGI_APPEARANCE, LGI_RANDOM, VIDEOMAE, VIT_RANDOM)


@dataclass(frozen=True)
class Row:
    """One table row: an arm read out by ``evaluation`` ("probe": logistic regression on its frozen,
    concatenated token features; "finetune": the whole encoder trained with the paper's head) with
    ``fraction`` of the training labels (pct in the name). Pretrained rows share one pretraining per
    (encoder, motion). gaze: the combined classification + gaze head."""

    row: str
    arm: Arm
    evaluation: str
    fraction: float
    gaze: bool = False

    @property
    def encoder(self) -> str:
        return self.arm.encoder

    @property
    def pretrained(self) -> bool:
        return self.arm.pretrained

    @property
    def motion(self) -> bool:
        return self.arm.motion

    @property
    def paper_row(self) -> str | None:
        return self.arm.paper_row


def row_name(evaluation: str, fraction: float, arm: Arm) -> str:
    return f"{evaluation} {round(100 * fraction):d} %: {arm.name}"


# Label fractions: of the training clips, class-stratified (every class keeps at least one labelled clip).
PROBE_FRACTIONS, FINETUNE_FRACTIONS = (0.1, 0.2, 1.0), (0.1, 1.0)
# Probe rows of every arm at every fraction, then MAE-DFER and its from-scratch partner fine-tuned.
ROWS = (tuple(Row(row_name("probe", f, a), a, "probe", f) for f in PROBE_FRACTIONS for a in ARMS)
        + tuple(Row(row_name("fine-tune", f, a), a, "finetune", f) for f in FINETUNE_FRACTIONS
                for a in (MAE_DFER, LGI_RANDOM)))
# The combined classification + gaze head (seed text variant), fine-tuned from the MAE-DFER pretraining.
GAZE_ROW = Row("fine-tune 100 %: MAE-DFER, CE + gaze head", MAE_DFER, "finetune", 1.0, gaze=True)

# Cost at the paper's configuration (16 × 160², tubelet 2×16×16): the models the paper compares, plus a ViT of
# the LGI-Former's own width and depth.
COST_INPUT = (1, 3, 16, 160, 160)
COST_MODELS = (
    {"model": "LGI-Former (MAE-DFER)", "encoder": "lgi_former", "kwargs": {}, "paper_row": "MAE-DFER"},
    {"model": "ViT-B (VideoMAE)", "encoder": "vit", "kwargs": {"dim": 768, "depth": 12, "num_heads": 12},
     "paper_row": "VideoMAE"},
    {"model": "ViT, dim 512, depth 16", "encoder": "vit", "kwargs": {}, "paper_row": None},
)

# The paper's claims as comparisons of two rows of the synthetic table (metric: UAR in %, per seed). paper: what
# the paper reports for the closest comparison it makes (DFEW, 5-fold mean; methods.md 2.3).
def _r(evaluation: str, pct: int, arm: Arm) -> str:
    return row_name(evaluation, pct / 100, arm)


_REAL = "needs DFEW, FERV39k, MAFW and VoxCeleb2 pretraining at the paper's scale, not available here"
_BEATS = "+7.31 UAR over the best supervised method on DFEW (63.41 vs 56.10)"
CLAIMS = (
    Claim("masked pretraining helps when labels are scarce (frozen probe, 10 % of the labels)",
          _r("probe", 10, MAE_DFER), _r("probe", 10, LGI_RANDOM), "uar", paper=_BEATS),
    Claim("masked pretraining helps with all labels (frozen probe, 100 %)",
          _r("probe", 100, MAE_DFER), _r("probe", 100, LGI_RANDOM), "uar", paper=_BEATS),
    Claim("masked pretraining then fine-tuning beats training from scratch (10 % of the labels)",
          _r("fine-tune", 10, MAE_DFER), _r("fine-tune", 10, LGI_RANDOM), "uar", paper=_BEATS),
    Claim("masked pretraining then fine-tuning beats training from scratch (100 % of the labels)",
          _r("fine-tune", 100, MAE_DFER), _r("fine-tune", 100, LGI_RANDOM), "uar", paper=_BEATS),
    Claim("the motion target helps (appearance + motion vs appearance only; probe, 10 %)",
          _r("probe", 10, MAE_DFER), _r("probe", 10, LGI_APPEARANCE), "uar",
          paper="claimed by the paper's ablation (its numbers are not transcribed here)"),
    Claim("the LGI-Former is comparable to or better than the ViT at the same target, masking ratio and tokens "
          "(probe, 10 %)", _r("probe", 10, LGI_APPEARANCE), _r("probe", 10, VIDEOMAE), "uar",
          paper="-0.19 UAR (MAE-DFER vs VideoMAE, different targets)"),
    Claim("masked pretraining helps the ViT too (VideoMAE vs random init; probe, 10 %)",
          _r("probe", 10, VIDEOMAE), _r("probe", 10, VIT_RANDOM), "uar",
          paper="+7.50 UAR over the best supervised method on DFEW (63.60 vs 56.10)"),
    Claim("MAE-DFER beats the best supervised methods by 5-8 UAR points on DFEW, FERV39k and MAFW", None, None,
          None, paper="+7.31 / +5.36 / +8.34", untestable=_REAL),
    Claim("MAE-DFER reaches 63.41 UAR / 74.43 WAR on DFEW", None, None, None, paper="63.41 UAR / 74.43 WAR",
          untestable=_REAL),
)
