"""CRS-CONT chapter: config (defaults = the paper / authors' code), profiles, pretraining rows and targets. No logic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fer_lib.experiments.claim import Claim
from fer_lib.experiments.ranges import (Fraction, NonEmpty, NonNegFloat, NonNegInt, OneOf, PosFloat, PosInt, Range,
                                        Seeds)


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
    # pretraining pool: the paper pretrains on RAF-DB + AffectNet train ("Mix"); here their synthetic analogues,
    # apex stills (one frame per clip) of pretrain_identities people per domain, their natural (long-tailed) priors
    pretrain_domains: Annotated[tuple[str, ...], NonEmpty()] = ("rafdb", "affectnet")
    pretrain_identities: PosInt = 300
    pretrain_stills: PosInt = 8           # stills (clips of one apex frame) per person
    render_size: PosInt = 64
    # evaluation: per target domain, apex stills of eval_identities people of its class-balanced preset
    # ("<domain>_balanced"), split by person into a probe-training and a test half
    eval_identities: PosInt = 400
    eval_stills: PosInt = 4
    lab_identities: PosInt = 200          # the CK+ analogue: one posed sequence per person, tested whole
    lab_frames: Annotated[int, Range(5)] = 8
    occlusion_margin: NonNegFloat = 0.1   # FED-RO analogue: occluder ellipse margin, fraction of the image side
    # premise conditions (added here, not in the paper; the noise levels are NOISE_LEVELS, named by the claims)
    held_out: tuple[str, ...] = ("disgust", "contempt")  # fine classes no pretraining sees ("unseen" rows)
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
    checkpoint_every: PosInt = 500        # steps between checkpoints of a row's pretraining (and one at its end)
    # frozen evaluation: "fast" = a linear layer on standardised frozen features (AdamW, last epoch); "authors" =
    # retrain.py for the image targets (SGD lr 4, re-cropped + flipped faces every step, the imbalanced sampler on
    # AffectNet-like targets, best epoch on the test set); the derived targets (negative group, coarse, V/A) stay fast
    linear_eval: Annotated[str, OneOf("fast", "authors")] = "fast"
    probe_epochs: PosInt = 100
    probe_lr: PosFloat = 1e-2
    probe_batch_size: PosInt = 128
    ridge_alpha: PosFloat = 1.0
    bootstrap_resamples: PosInt = 1000    # bootstrap over test people, per cell
    sweep_weights: tuple[NonNegFloat, ...] = (0.0, 0.25)  # extra negative-group weights (0.5 = paper, 1 = no weight)
    tsne_points: PosInt = 800
    test_fraction: Fraction = 0.5
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
    "smoke": {"seeds": (0,), "key_seeds": (0,), "pretrain_identities": 16, "pretrain_stills": 2, "render_size": 32,
              "eval_identities": 24, "eval_stills": 2, "lab_identities": 8, "lab_frames": 5, "depth": 10, "width": 8,
              "image_size": 32, "proj_dim": 32, "batch_size": 16, "optimizer": "adamw", "lr": 3e-3, "max_steps": 3,
              "probe_epochs": 5, "crop_scale_min": 0.8, "sweep_weights": (0.0,), "tsne_points": 60,
              "bootstrap_resamples": 50},
    # default: a CPU-sized run. Deviations from the paper, all for the step budget: small ResNet at 40 px, AdamW +
    # warmup-cosine for 250 steps of 48 faces, crops of 0.8-1 of the area, temperature 0.2. Measured on this pool:
    # lr 5e-3 with 20 warmup steps left the fine-label SupCon rows collapsed (chance accuracy) on some seeds;
    # lr 2e-3 with 60 warmup steps let every labelled row learn on every seed tried.
    "default": {"depth": 10, "width": 16, "render_size": 40, "image_size": 40, "batch_size": 48,
                "optimizer": "adamw", "lr": 2e-3, "max_steps": 250, "warmup_steps": 60, "crop_scale_min": 0.8,
                "temperature": 0.2, "probe_epochs": 30, "tsne_points": 600},
    # full: the paper's experiment on its real data (set the paths); -p dataset synthetic runs the paper's model,
    # optimiser and schedule on the synthetic data (rendered at 64 px, up-sampled to 224): not the paper's data
    "full": {"dataset": "real"},
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
    weight; instance_weight: None = the config's value; ce_weight: the classifier's CE weight (coarse labels, or
    fine ones for label_key "expression"); noise: fraction of fine labels swapped within their coarse group;
    held_out: the config's held-out classes are removed from the pretraining pool; paper: the row is one of the
    paper's (False: added here, "not in paper").
    """

    row: str
    label: str
    kind: str
    label_key: str | None
    negative_weight: float | bool | None = None
    instance_weight: float | None = None
    ce_weight: float = 1.0
    noise: float = 0.0
    held_out: bool = False
    paper: bool = True


_PLAIN = dict(negative_weight=False, instance_weight=0.0, ce_weight=0.0)
# one change per row, in order: coarse SupCon -> + weight vector -> + coarse CE -> + softmax contrast (= CRS-CONT)
ROWS = (
    Row("coarse_supcon", "coarse SupCon only", "contrast", "coarse", **_PLAIN, paper=False),
    Row("coarse_w", "+ weight vector", "contrast", "coarse", instance_weight=0.0, ce_weight=0.0, paper=False),
    Row("coarse_w_ce", "+ coarse CE", "contrast", "coarse", instance_weight=0.0, paper=False),
    Row("crs_cont", "+ softmax contrast = CRS-CONT", "contrast", "coarse"),
    Row("no_weight", "CRS-CONT without the weight vector (w = 1)", "contrast", "coarse", negative_weight=False),
    Row("fine_supcon", "SupCon on fine labels", "contrast", "expression", **_PLAIN),
    Row("fine_full", "fine SupCon + fine CE + softmax contrast", "contrast", "expression", negative_weight=False,
        paper=False),
    Row("simclr", "SimCLR (no labels)", "contrast", None, **_PLAIN),
    Row("supervised_ce", "supervised cross-entropy on fine labels", "supervised", "expression"),
)


def noisy(base: str, level: float) -> str:
    return f"{base} noise={level:g}"


def unseen(base: str) -> str:
    return f"{base} unseen"


# the premise conditions (not in paper): the fine-label rows retrained on fine labels swapped within their coarse
# group (NOISE_LEVELS; only rows that read fine labels retrain), and rows pretrained without Config.held_out
NOISE_LEVELS = (0.25, 0.5)
_BY_NAME = {r.row: r for r in ROWS}
CONTROL_ROWS = tuple(
    Row(noisy(b, p), f"{_BY_NAME[b].label}, {p:.0%} of fine labels swapped in their group", _BY_NAME[b].kind,
        _BY_NAME[b].label_key, _BY_NAME[b].negative_weight, _BY_NAME[b].instance_weight, _BY_NAME[b].ce_weight,
        noise=p, paper=False)
    for p in NOISE_LEVELS for b in ("fine_full", "supervised_ce")) + tuple(
    Row(unseen(b), f"{_BY_NAME[b].label}, held-out expressions removed", _BY_NAME[b].kind, _BY_NAME[b].label_key,
        _BY_NAME[b].negative_weight, _BY_NAME[b].instance_weight, _BY_NAME[b].ce_weight, held_out=True, paper=False)
    for b in ("crs_cont", "fine_full"))

# Frozen-evaluation targets. Set names: "<domain>/<half>"; ":negative" = the negative group's items only, labels
# sad, fear, disgust, anger, contempt; "affectnet/occluded" = the test half under a landmark occluder.
NEGATIVE_5 = ("sad", "fear", "disgust", "anger", "contempt")
TARGETS = (
    Target("RAF-like 7", "rafdb/train", "rafdb/test", "expression", 7),
    Target("AffectNet-like 8", "affectnet/train", "affectnet/test", "expression", 8),
    Target("negative group 5", "affectnet/train:negative", "affectnet/test:negative", "expression", 5),
    Target("AffectNet-like coarse 4", "affectnet/train", "affectnet/test", "coarse", 4),
    Target("AffectNet-like V/A", "affectnet/train", "affectnet/test", "va"),
    Target("FER2013-like 7 (unseen domain)", "fer2013/train", "fer2013/test", "expression", 7),
    Target("CK+-like 8 (lab; probe trained on AffectNet-like)", "affectnet/train", "lab/ck", "expression", 8),
    Target("occluded AffectNet-like 8 (FED-RO analogue)", "affectnet/train", "affectnet/occluded", "expression", 8),
)
FINE_TARGET = "AffectNet-like 8"        # the weight sweep's fine-grained target
NEGATIVE_TARGET = "negative group 5"

# The paper's claims (abstract, IEEE TIP 2022) as comparisons of two pretraining rows on a target (metric: the
# target's score, accuracy or mean CCC). Its tables are not available offline: `paper` gives the direction only.
_FINE = ("AffectNet-like 8", "negative group 5")
_ALL = ("RAF-like 7", "AffectNet-like 8", "negative group 5", "FER2013-like 7 (unseen domain)",
        "CK+-like 8 (lab; probe trained on AffectNet-like)", "occluded AffectNet-like 8 (FED-RO analogue)")
_DIRECTION = "higher (direction only; no published number)"
_ADDED = "added here (one change; not claimed by the paper)"


_COMPARISONS = (
    ("the weight vector helps fine-grained targets (in CRS-CONT)", "crs_cont", "no_weight", _FINE, _DIRECTION),
    ("the weight vector helps plain coarse SupCon", "coarse_w", "coarse_supcon", _FINE, _ADDED),
    ("the coarse CE term helps", "coarse_w_ce", "coarse_w", _FINE, _ADDED),
    ("the softmax-contrast term helps", "crs_cont", "coarse_w_ce", _FINE, _DIRECTION),
    ("coarse labels beat fine labels in the same SupCon", "coarse_supcon", "fine_supcon", _ALL, _DIRECTION),
    ("coarse labels beat fine labels with the same terms", "crs_cont", "fine_full", _ALL, _ADDED),
    ("coarse labels give a better frozen encoder than no labels (SimCLR)", "crs_cont", "simclr", _ALL, _DIRECTION),
    ("a frozen CRS-CONT encoder is superior or comparable to a supervised cross-entropy encoder", "crs_cont",
     "supervised_ce", _ALL, _DIRECTION),
    ("coarse labels beat 25 %-noisy fine labels with the same terms", "crs_cont", noisy("fine_full", 0.25),
     _FINE, _ADDED),
    ("coarse labels beat 50 %-noisy fine labels with the same terms", "crs_cont", noisy("fine_full", 0.5),
     _FINE, _ADDED),
    ("CRS-CONT beats supervised CE on 50 %-noisy fine labels", "crs_cont", noisy("supervised_ce", 0.5), _FINE,
     _ADDED),
    ("coarse labels beat fine labels on expressions unseen in pretraining", unseen("crs_cont"),
     unseen("fine_full"), _FINE, _DIRECTION),
)
CLAIMS = tuple(Claim(f"{text} [{target}]", a, b, target, paper=paper)
               for text, a, b, targets, paper in _COMPARISONS for target in targets) + (
    Claim("superior or comparable to state-of-the-art FER methods under linear evaluation (RAF-DB, AffectNet, SFEW, "
          "FERPlus, CK+, FED-RO)", None, None, None, paper="tables not available offline",
          untestable="needs the real datasets and the paper's tables (closed access, not retrievable offline)"),
    Claim("the coarse constraint generalises to compound expressions", None, None, None,
          paper="direction only", untestable="the generator draws no compound (AU-union) expressions yet"),
)

# On real data (dataset="real") the same comparisons on the paper's targets; the label-noise and held-out rows need
# the generator's labels and do not run there, so their claims are untestable on real data.
REAL_FINE_TARGET = "AffectNet 7"        # the weight sweep's fine-grained target on real data
_REAL = {_FINE: (REAL_FINE_TARGET,), _ALL: ("RAF-DB 7", "AffectNet 7", "FERPlus 8")}
_SYNTHETIC_ONLY = {r.row for r in CONTROL_ROWS}
_NO_GROUND_TRUTH = ("needs the generator's labels (label noise, held-out expressions); on real data only the "
                    "clean rows run")
REAL_CLAIMS = tuple(Claim(f"{text} [{target}]", a, b, target, paper=paper,
                          untestable=_NO_GROUND_TRUTH if {a, b} & _SYNTHETIC_ONLY else None)
                    for text, a, b, targets, paper in _COMPARISONS for target in _REAL[targets]) + CLAIMS[-2:]
#: the claims a run judges, by ``Config.dataset``
CLAIMS_BY_DATASET = {"synthetic": CLAIMS, "real": REAL_CLAIMS}
