"""CRS-CONT chapter: config (defaults = the paper / authors' code), profiles, pretraining rows and targets. No logic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fer_lib.experiments.claim import Claim
from fer_lib.experiments.ranges import NonEmpty, NonNegFloat, NonNegInt, OneOf, PosFloat, PosInt, Range, Seeds


@dataclass(frozen=True)
class Target:
    """One frozen-evaluation target (read by :func:`fer_lib.protocols.probes.evaluate_targets`).

    name: table column; train/test: keys of the embedded sets; label: "expression" (classification over
    ``num_classes``), "coarse" (the coarse groups) or "va" (valence + arousal regression, CCC).
    """

    name: str
    train: str
    test: str
    label: str = "expression"
    num_classes: int = 7


@dataclass(frozen=True)
class Config:
    dataset: Annotated[str, OneOf("synthetic", "real")] = "synthetic"  # "real": the paths at the end
    seeds: Seeds = (0, 1, 2)
    key_seeds: Seeds = (0, 1, 2, 3, 4)     # rows in a testable claim (CLAIMS) run these seeds
    # data: the paper pretrains on RAF-DB + AffectNet train ("Mix"); here their synthetic analogues
    pretrain_domains: Annotated[tuple[str, ...], NonEmpty()] = ("rafdb", "affectnet")
    n_identities: PosInt = 60
    clips_per_identity: PosInt = 4
    frames_per_clip: PosInt = 8
    render_size: PosInt = 64
    lab_identities: PosInt = 30           # the CK+ analogue (tested whole: its probe is trained elsewhere)
    # model (paper: ResNet-18, ImageNet stem, random init, 512-d features, MLP 512-512-128, Linear(128, 4))
    depth: Annotated[int, OneOf(10, 18, 34, 50, 101)] = 18
    width: PosInt = 64
    stem_stride: PosInt = 4
    image_size: PosInt = 224
    proj_dim: PosInt = 128
    # augmentation (paper code: RandomResizedCrop(224, scale (0.5, 1)), flip, jitter p .8, grey p .2)
    crop_scale_min: Annotated[float, Range(0, 1, lo_open=True)] = 0.5
    # pretraining (code: SGD lr 0.5, momentum 0.9, wd 1e-4, StepLR(20 epochs, 0.5), 100 epochs, batch 128)
    optimizer: Annotated[str, OneOf("sgd", "adamw")] = "sgd"  # "sgd" (code) or "adamw" (the CPU profiles)
    lr: PosFloat = 0.5
    momentum: Annotated[float, Range(0, 1, hi_open=True)] = 0.9
    weight_decay: NonNegFloat = 1e-4
    batch_size: PosInt = 128
    epochs: PosInt = 100
    lr_step_epochs: PosInt = 20
    lr_gamma: Annotated[float, Range(0, 1, lo_open=True)] = 0.5
    max_steps: NonNegInt = 0              # > 0 caps the optimizer steps (CPU profiles)
    warmup_steps: NonNegInt = 0           # adamw only: linear warmup then cosine
    temperature: PosFloat = 0.07
    negative_weight: NonNegFloat = 0.5    # the weight vector's entry for the negative group (others 1)
    instance_weight: NonNegFloat = 0.4    # the softmax-contrast term
    # frozen evaluation (code: Linear(512, K) on frozen pooled features)
    probe_epochs: PosInt = 100
    probe_lr: PosFloat = 1e-2
    probe_batch_size: PosInt = 128
    ridge_alpha: PosFloat = 1.0
    frame_step: PosInt = 1
    sweep_weights: tuple[NonNegFloat, ...] = (0.1, 0.25, 0.5, 1.0)  # negative-group weights for the figure
    tsne_points: PosInt = 800
    # real data, dataset="real" (protocols/crs_cont_real.py): the Mix to pretrain, the frozen evaluations
    rafdb_train_list: str = ""            # RAF-DB `path label coarse` lines (label 1-based, coarse 0-based)
    rafdb_test_list: str = ""
    rafdb_images: str = ""                # folder the lists' paths start from (Image/aligned)
    affectnet_train_csv: str = ""         # AffectNet CSV with the coarse column (path first, label, coarse last)
    affectnet_val_csv: str = ""
    affectnet_images: str = ""            # Manually_Annotated_Images
    ferplus_h5: str = ""                  # the authors' FERPlus HDF5 (Training / PrivateTest)
    user_target_train: str = ""           # optional: your own target, `<image path> <label>` lines (labels 0..K-1)
    user_target_test: str = ""
    user_target_name: str = "user target"  # its table column


PROFILES = {
    "smoke": {"seeds": (0,), "key_seeds": (0,), "n_identities": 8, "clips_per_identity": 2, "frames_per_clip": 4, "render_size": 32,
              "lab_identities": 6, "depth": 10, "width": 8, "image_size": 32, "proj_dim": 32, "batch_size": 16,
              "optimizer": "adamw", "lr": 3e-3, "max_steps": 3, "probe_epochs": 5, "crop_scale_min": 0.8,
              "sweep_weights": (0.5, 1.0), "tsne_points": 60},
    # default: a CPU-sized run (~10 min on 2 cores). Deviations from the paper, all for the step budget:
    # small ResNet at 48 px, AdamW + warmup-cosine for 200 steps, crops of 0.8-1 of the area (0.5-1 left the
    # encoder without any learning in that many steps), temperature 0.2 (0.07 needed ~250 steps to leave the
    # collapsed start; measured on this data).
    "default": {"depth": 10, "width": 16, "render_size": 48, "image_size": 48, "n_identities": 48, "lab_identities": 24,
                "batch_size": 64, "optimizer": "adamw", "lr": 2e-3, "max_steps": 200, "warmup_steps": 10,
                "crop_scale_min": 0.8, "temperature": 0.2, "probe_epochs": 50, "sweep_weights": (0.1, 0.5, 1.0),
                "tsne_points": 600},
    "full": {"dataset": "real"},   # the paper's experiment: set the paths, or -p dataset synthetic (paper size)
}

#: per real dataset: the config keys holding its paths (checked before any work starts, fer_lib.config.missing_data)
REAL_PATHS = {"real": {"rafdb_train_list": "file", "rafdb_test_list": "file", "rafdb_images": "folder",
                       "affectnet_train_csv": "file", "affectnet_val_csv": "file", "affectnet_images": "folder",
                       "ferplus_h5": "file", "user_target_train": "file?", "user_target_test": "file?"}}
DATA_LABELS = {"real": "RAF-DB + AffectNet -> RAF-DB, AffectNet, FERPlus"}

@dataclass(frozen=True)
class Row:
    """One pretraining row (built by :func:`fer_lib.protocols.crs_cont.build_pretraining`).

    kind: "contrast" or "supervised"; label_key: the labels that make positives ("coarse", "expression",
    None = image ids); negative_weight: None = the config's value, False = no weight vector, a float = that
    weight; instance_weight: None = the config's value; ce_weight: the coarse classifier's CE weight.
    """

    row: str
    label: str
    kind: str
    label_key: str | None
    negative_weight: float | bool | None = None
    instance_weight: float | None = None
    ce_weight: float = 1.0


ROWS = (
    Row("crs_cont", "CRS-CONT (coarse SupCon + weight vector + softmax contrast)", "contrast", "coarse"),
    Row("no_weight", "without the weight vector", "contrast", "coarse", negative_weight=False),
    Row("no_softmax_contrast", "without the softmax-contrast term", "contrast", "coarse", instance_weight=0.0),
    Row("fine_supcon", "SupCon on fine labels (8 classes)", "contrast", "expression", negative_weight=False,
        instance_weight=0.0, ce_weight=0.0),
    Row("simclr", "SimCLR (no labels)", "contrast", None, negative_weight=False, instance_weight=0.0, ce_weight=0.0),
    Row("supervised_ce", "supervised cross-entropy on fine labels", "supervised", "expression"),
)

# Frozen-evaluation targets: (name, train set, test set, label, classes). Set names are "<domain>/<split>";
# "lab/ck" is the CK+-style selection of the lab domain (first frame neutral, last frames apex).
TARGETS = (
    Target("RAF-like 7", "rafdb/train", "rafdb/test", "expression", 7),
    Target("AffectNet-like 8", "affectnet/train", "affectnet/test", "expression", 8),
    Target("AffectNet-like coarse 4", "affectnet/train", "affectnet/test", "coarse", 4),
    Target("AffectNet-like V/A", "affectnet/train", "affectnet/test", "va"),
    Target("FER2013-like 7 (unseen domain)", "fer2013/train", "fer2013/test", "expression", 7),
    Target("CK+-like 8 (lab; probe trained on AffectNet-like)", "affectnet/train", "lab/ck", "expression", 8),
)
FINE_TARGET = "AffectNet-like 8"        # the fine-grained target of the weight sweep figure

# The paper's claims (abstract, IEEE TIP 2022) as comparisons of two pretraining rows on a frozen-evaluation target
# (metric = the target's score: accuracy, or mean CCC for V/A). The paper's tables are not available offline, so
# `paper` states the expected direction only.
_SEEN = ("RAF-like 7", "AffectNet-like 8")
_CROSS = ("FER2013-like 7 (unseen domain)", "CK+-like 8 (lab; probe trained on AffectNet-like)")
_DIRECTION = "higher (direction only; no published number)"
_COMPARISONS = (
    ("the weight vector helps fine-grained targets", "crs_cont", "no_weight"),
    ("the softmax-contrast term helps", "crs_cont", "no_softmax_contrast"),
    ("coarse labels give a better frozen encoder than no labels (SimCLR)", "crs_cont", "simclr"),
    ("coarse labels beat fine labels in the same SupCon, especially across datasets", "crs_cont", "fine_supcon"),
    ("a frozen CRS-CONT encoder is superior or comparable to a supervised cross-entropy encoder", "crs_cont",
     "supervised_ce"),
)
CLAIMS = tuple(Claim(f"{text} [{target}]", a, b, target, paper=_DIRECTION)
               for text, a, b in _COMPARISONS for target in _SEEN + _CROSS) + (
    Claim("superior or comparable to state-of-the-art FER methods under linear evaluation (RAF-DB, AffectNet, SFEW, "
          "FERPlus, CK+, FED-RO)", None, None, None, paper="tables not available offline",
          untestable="needs the real datasets and the paper's tables (closed access, not retrievable offline)"),
)
