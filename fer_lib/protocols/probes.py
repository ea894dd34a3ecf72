"""Evaluation protocols of a (self-supervised) encoder, shared by the chapters: linear, fine-tuning, V/A ridge,
identity leakage, and a frozen encoder read out per target.

- :func:`linear_probe` (the paper's intent): a linear layer on frozen, standardised features, trained with
  the engine (cross-entropy, AdamW, warmup-cosine); ``balanced_sampler=True`` draws each epoch's items
  with the CRS-CONT authors' ``ImbalancedDatasetSampler``. :func:`sklearn_probe` is a quick reference
  (multinomial logistic regression on the same features).
- :class:`FineTuneClassifier` + :func:`fine_tune`: the authors' downstream code (ClaudiaShu/EMO_AffectNet)
  fine-tunes the whole encoder with an MLP head ``[ReLU, Drop .5, D->1024, ReLU, Drop .5, 1024->512,
  Drop .5, 512->K]``, Adam lr 1e-4, wd 5e-4, batch 64, 20 epochs, cosine per iteration, Balanced
  Softmax CE (``logits + log n_c`` in training; pass ``class_counts``), best epoch by val macro F1.
- :func:`ridge_probe`: valence/arousal regression from frozen features, CCC and RMSE per target.
- :func:`identity_leakage_probe`: how well identity can be read from the embedding (lower = less
  identity shortcut, what SSL-FER wants): logistic regression and 1-NN on a split that is stratified by
  identity (the same identities on both sides) and, with ``groups`` (e.g. clip ids), clip-disjoint.
- :func:`embed_sets` + :func:`evaluate_targets` (CRS-CONT's evaluation): one frozen encoder, a new linear
  read-out (or ridge, for valence/arousal) per target; a target may train on one set and test on another.

Features come from :func:`fer_lib.engine.features.embed`: arrays [N, D]; labels [N].
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import StratifiedGroupKFold, StratifiedShuffleSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from fer_lib.augment.fer_views import fer_eval_view
from fer_lib.data.imbalanced_sampler import ImbalancedSampler
from fer_lib.data.labels import coarse_labels
from fer_lib.engine.features import embed, to_unit_float
from fer_lib.engine.optim import param_groups, warmup_cosine
from fer_lib.engine.trainer import StepInfo, fit, steps_per_epoch
from fer_lib.metrics.classification import accuracy, macro_f1, uar
from fer_lib.metrics.identity import identification_1nn
from fer_lib.metrics.regression import ccc, rmse


@dataclass
class ProbeResult:
    accuracy: float
    macro_f1: float
    predictions: np.ndarray
    history: list = field(default_factory=list)
    val_macro_f1: float | None = None  # fine_tune with a val set: the restored (best) epoch's val macro F1


class _Arrays(torch.utils.data.Dataset):
    """Features [N, D] and labels [N] as items {"x": [D], "y": ()}; batches need collate ``_batch_as_is``."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.x, self.y = torch.as_tensor(np.asarray(x, np.float32)), torch.as_tensor(np.asarray(y, np.int64))
        if len(self.x) != len(self.y):
            raise ValueError(f"features ({len(self.x)}) and labels ({len(self.y)}) differ in length")

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i):
        return {"x": self.x[i], "y": self.y[i]}

    def __getitems__(self, idx: list[int]) -> dict:
        """A whole batch by one fancy index (the DataLoader uses it; with :func:`_batch_as_is` as collate)."""
        idx = torch.as_tensor(idx)
        return {"x": self.x[idx], "y": self.y[idx]}


def _batch_as_is(batch: dict) -> dict:
    return batch


class LinearProbe(nn.Module):
    """``Linear(D, K)`` on features standardised by fixed train mean/std buffers: x [B, D] -> logits [B, K]."""

    def __init__(self, mean: np.ndarray, std: np.ndarray, num_classes: int):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(np.asarray(mean, np.float32)))
        self.register_buffer("std", torch.as_tensor(np.maximum(np.asarray(std, np.float32), 1e-6)))
        self.linear = nn.Linear(len(self.mean), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear((x - self.mean) / self.std)

    def training_step(self, batch: dict) -> tuple[torch.Tensor, dict]:
        logits = self(batch["x"])
        loss = nn.functional.cross_entropy(logits, batch["y"])
        return loss, {"acc": (logits.argmax(1) == batch["y"]).float().mean().item()}


def _check_labels(y: np.ndarray, num_classes: int, name: str) -> np.ndarray:
    y = np.asarray(y, dtype=np.int64)
    if y.ndim != 1 or y.min() < 0 or y.max() >= num_classes:
        raise ValueError(f"{name} must be [N] class indices in 0..{num_classes - 1}, got shape {y.shape}, "
                         f"range {y.min()}..{y.max()}")
    return y


def linear_probe(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                 num_classes: int, *, epochs: int = 100, lr: float = 1e-2, weight_decay: float = 1e-4,
                 batch_size: int = 64, warmup_epochs: int = 2, seed: int = 0, balanced_sampler: bool = False,
                 device: str | torch.device = "cpu", progress: bool = False) -> ProbeResult:
    """Train :class:`LinearProbe` on frozen features [N, D] through the engine; metrics on the test split.

    The SSL-FER paper does not state its linear-evaluation hyper-parameters (the authors' code fine-tunes
    instead); these defaults (AdamW, lr 1e-2, wd 1e-4, batch 64, 100 epochs, warmup 2 + cosine) are ours:
    the probe is convex, what matters is enough steps (full-batch for 20 steps stays near chance).
    balanced_sampler: each epoch draws N training items with replacement, item i with probability
    ~ 1 / count(class of i) (the CRS-CONT authors' ``ImbalancedDatasetSampler`` for AffectNet); False:
    each item once per epoch, shuffled. Only the data order differs.
    """
    train_y, test_y = _check_labels(train_y, num_classes, "train_y"), _check_labels(test_y, num_classes, "test_y")
    torch.manual_seed(seed)
    probe = LinearProbe(train_x.mean(0), train_x.std(0), num_classes)
    batch_size = min(batch_size, len(train_y))
    total = epochs * steps_per_epoch(len(train_y), batch_size)
    opt = torch.optim.AdamW(param_groups(probe, weight_decay), lr=lr)
    sched = warmup_cosine(opt, min(warmup_epochs * steps_per_epoch(len(train_y), batch_size), total), total)
    result = fit(probe, _Arrays(train_x, train_y), optimizers=opt, schedulers=sched, batch_size=batch_size,
                 epochs=epochs, device=device, seed=seed, progress=progress, log_every=10, desc="linear probe",
                 collate_fn=_batch_as_is, sampler=ImbalancedSampler(train_y, seed) if balanced_sampler else None)
    probe.eval()
    with torch.no_grad():  # the test features in chunks: [n, D] -> predicted class [n]
        x = torch.as_tensor(np.asarray(test_x, np.float32))
        pred = np.concatenate([probe(x[i:i + 4096].to(probe.mean.device)).argmax(1).cpu().numpy()
                               for i in range(0, len(x), 4096)])
    return ProbeResult(accuracy(test_y, pred), macro_f1(test_y, pred, num_classes), pred, result.history)


def sklearn_probe(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                  num_classes: int, *, C: float = 1.0, max_iter: int = 2000) -> ProbeResult:
    """Reference probe: StandardScaler + multinomial LogisticRegression (L2, ``C``) from scikit-learn."""
    train_y, test_y = _check_labels(train_y, num_classes, "train_y"), _check_labels(test_y, num_classes, "test_y")
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=max_iter))
    pred = clf.fit(train_x, train_y).predict(test_x)
    return ProbeResult(accuracy(test_y, pred), macro_f1(test_y, pred, num_classes), pred)


@dataclass
class RegressionProbeResult:
    ccc: np.ndarray          # [T] one per target column (e.g. valence, arousal)
    rmse: np.ndarray         # [T]
    predictions: np.ndarray  # [N, T]


def ridge_probe(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray, *,
                alpha: float = 1.0) -> RegressionProbeResult:
    """Ridge regression (on standardised features) of targets [N] or [N, T]; CCC and RMSE per target."""
    train_y, test_y = np.asarray(train_y, float), np.asarray(test_y, float)
    train_y2, test_y2 = train_y.reshape(len(train_y), -1), test_y.reshape(len(test_y), -1)
    if train_y2.shape[1] != test_y2.shape[1]:
        raise ValueError(f"train targets {train_y.shape} and test targets {test_y.shape} differ in columns")
    reg = make_pipeline(StandardScaler(), Ridge(alpha=alpha)).fit(train_x, train_y2)
    pred = reg.predict(test_x).reshape(len(test_y2), -1)
    cols = range(test_y2.shape[1])
    return RegressionProbeResult(np.array([ccc(test_y2[:, c], pred[:, c]) for c in cols]),
                                 np.array([rmse(test_y2[:, c], pred[:, c]) for c in cols]), pred)


@dataclass
class LeakageResult:
    logistic_accuracy: float
    nn1_accuracy: float
    chance: float            # majority-identity share of the test side
    n_identities: int


def identity_leakage_probe(x: np.ndarray, identity: np.ndarray, *, groups: np.ndarray | None = None,
                           test_fraction: float = 0.3, seed: int = 0, C: float = 1.0) -> LeakageResult:
    """How well identity is decodable from embeddings x [N, D] (identity [N]); lower = less leakage.

    Split: stratified by identity (every identity on both sides); with ``groups`` [N] (e.g. clip ids) the
    split keeps each group on one side (StratifiedGroupKFold, first fold), so a near-duplicate frame of the
    same clip cannot identify its twin.
    """
    x, identity = np.asarray(x, float), np.asarray(identity)
    if groups is None:
        split = StratifiedShuffleSplit(n_splits=1, test_size=test_fraction, random_state=seed)
        train, test = next(split.split(x, identity))
    else:
        folds = StratifiedGroupKFold(n_splits=max(2, round(1 / test_fraction)), shuffle=True, random_state=seed)
        train, test = next(folds.split(x, identity, np.asarray(groups)))
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
    pred = clf.fit(x[train], identity[train]).predict(x[test])
    nn1 = identification_1nn(x[train], identity[train], x[test], identity[test])
    return LeakageResult(float((pred == identity[test]).mean()), nn1.accuracy, nn1.chance,
                         int(len(np.unique(identity))))


class FineTuneClassifier(nn.Module):
    """Encoder + the authors' MLP head, trained end to end: images -> logits [B, K].

    encoder: maps preprocessed inputs [B, ...] to features [B, D] (``feat_dim`` = D).
    class_counts: per-class training counts [K]; given, the training loss is Balanced Softmax CE
        (``CE(logits + log(counts / counts.sum()), y)``, what the authors' code does); None: plain CE.
    augment: batched, on-device train-time augmentation of the preprocessed input (None: none).
    freeze_encoder: True keeps the encoder fixed (eval mode, no gradient): an MLP probe.
    """

    def __init__(self, encoder: nn.Module, feat_dim: int, num_classes: int, *, class_counts=None,
                 hidden: tuple[int, ...] = (1024, 512), dropout: float = 0.5, input_key: str = "image",
                 target_key: str = "expression", preprocess: Callable = to_unit_float,
                 augment: Callable | None = None, freeze_encoder: bool = False):
        super().__init__()
        self.encoder, self.freeze_encoder = encoder, freeze_encoder
        layers, width = [], feat_dim
        for h in hidden:  # [ReLU, Dropout, Linear] per hidden layer, then Dropout, Linear (no ReLU before it)
            layers += [nn.ReLU(), nn.Dropout(dropout), nn.Linear(width, h)]
            width = h
        self.head = nn.Sequential(*layers, nn.Dropout(dropout), nn.Linear(width, num_classes))
        prior = torch.zeros(num_classes) if class_counts is None else torch.log(
            torch.as_tensor(class_counts, dtype=torch.float32) / float(np.sum(class_counts)))
        self.register_buffer("log_prior", prior)
        self.input_key, self.target_key, self.preprocess, self.augment = input_key, target_key, preprocess, augment
        if freeze_encoder:
            self.encoder.requires_grad_(False)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.freeze_encoder:
            self.encoder.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))

    def training_step(self, batch: dict) -> tuple[torch.Tensor, dict]:
        x = self.preprocess(batch[self.input_key])
        if self.augment is not None:
            x = self.augment(x)
        y = batch[self.target_key]
        logits = self(x)
        loss = nn.functional.cross_entropy(logits + self.log_prior, y)
        return loss, {"acc": (logits.argmax(1) == y).float().mean().item()}


def _evaluate(model: FineTuneClassifier, dataset, num_classes: int, device, batch_size: int) -> ProbeResult:
    logits, labels = embed(model, dataset, input_key=model.input_key, label_keys=(model.target_key,),
                           preprocess=model.preprocess, device=device, batch_size=batch_size)
    y, pred = labels[model.target_key], logits.argmax(1)
    return ProbeResult(accuracy(y, pred), macro_f1(y, pred, num_classes), pred)


def fine_tune(model: FineTuneClassifier, train_set, test_set, num_classes: int, *, val_set=None,
              epochs: int = 20, lr: float = 1e-4, weight_decay: float = 5e-4, batch_size: int = 64, seed: int = 0,
              device: str | torch.device = "cpu", progress: bool = False) -> ProbeResult:
    """The authors' fine-tuning protocol (defaults = their code): Adam, cosine per iteration, no warmup.

    With ``val_set`` the model is evaluated after every epoch and the epoch with the best val macro F1 is
    restored before testing (as the authors do); without it, the last epoch is tested.
    """
    total = epochs * steps_per_epoch(len(train_set), batch_size)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    best = {"f1": -1.0, "state": None}

    def keep_best(info: StepInfo) -> None:
        if val_set is not None and info.epoch_end:
            f1 = _evaluate(model, val_set, num_classes, device, batch_size).macro_f1
            if f1 > best["f1"]:
                best.update(f1=f1, state=copy.deepcopy(model.state_dict()))

    result = fit(model, train_set, optimizers=opt, schedulers=warmup_cosine(opt, 0, total), batch_size=batch_size,
                 epochs=epochs, device=device, seed=seed, progress=progress, callbacks=[keep_best], desc="fine-tune")
    if best["state"] is not None:
        model.load_state_dict(best["state"])
    out = _evaluate(model, test_set, num_classes, device, batch_size)
    out.history = result.history
    out.val_macro_f1 = best["f1"] if best["state"] is not None else None
    return out


def embed_sets(encoder: nn.Module, sets: dict, size: int, device: str | torch.device = "cpu",
               batch_size: int = 256, coarse_map: dict[str, str] | None = None,
               ) -> dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]:
    """Frozen features of every dataset in ``sets`` (name -> Dataset of dict(image uint8 [3, H, W], labels)).

    Returns name -> (features float32 [N, F], {label key: [N]}). Images go through :func:`fer_eval_view`
    (resize to ``size``, ImageNet normalisation). A set with ``expression`` labels and a ``classes``
    attribute also gets ``coarse`` labels (``coarse_map``, default the inferred grouping).
    """
    out = {}
    for name, ds in sets.items():
        feats, labels = embed(encoder, ds, preprocess=lambda x: fer_eval_view(x, size), device=device,
                              batch_size=batch_size)
        if "expression" in labels and hasattr(ds, "classes"):
            labels["coarse"] = coarse_labels(labels["expression"], tuple(ds.classes), coarse_map)
        out[name] = (feats, labels)
    return out


def _labels(labels: dict[str, np.ndarray], target, which: str) -> np.ndarray:
    keys = ("valence", "arousal") if target.label == "va" else (target.label,)
    missing = [k for k in keys if k not in labels]
    if missing:
        raise KeyError(f"target {target.name!r}: the {which} set {getattr(target, which)!r} has no labels {missing} "
                       f"(it has {sorted(labels)})")
    return np.stack([labels[k] for k in keys], axis=1) if target.label == "va" else labels[keys[0]]


def evaluate_targets(features: dict, targets: tuple, seed: int = 0, probe_epochs: int = 50,
                     probe_lr: float = 1e-2, probe_batch_size: int = 128, ridge_alpha: float = 1.0,
                     imbalanced_sampler: bool = False, keep_predictions: bool = False,
                     device: str | torch.device = "cpu") -> list[dict]:
    """Fit one read-out per target on frozen ``features`` (from :func:`embed_sets`).

    targets: records with ``name`` (table column), ``train``/``test`` (keys of ``features``), ``label``
    ("expression": classification over ``num_classes``; "coarse": the coarse groups; "va": valence +
    arousal regression) and ``num_classes`` (e.g. ``fer_lib.experiments.crs_cont.Target``).

    probe_batch_size: 128 as in the authors' retrain.py.
    imbalanced_sampler: train the classification layers with :func:`linear_probe`'s class-balanced sampler
    (the authors do so for AffectNet) instead of plain shuffling; a target with ``imbalanced=True`` gets it alone.

    keep_predictions: classification rows also carry "predictions" (int [N_test], for intervals over people).

    Returns one row per target: classification {"target", "accuracy", "macro_f1", "balanced_accuracy"}; V/A
    {"target", "valence_ccc", "arousal_ccc", "valence_rmse", "arousal_rmse"}.
    """
    rows = []
    for target in targets:
        for which in ("train", "test"):
            if getattr(target, which) not in features:
                raise KeyError(f"target {target.name!r}: no embedded set {getattr(target, which)!r} "
                               f"(have {sorted(features)})")
        (xtr, ltr), (xte, lte) = features[target.train], features[target.test]
        ytr, yte = _labels(ltr, target, "train"), _labels(lte, target, "test")
        if target.label == "va":
            res = ridge_probe(xtr, ytr, xte, yte, alpha=ridge_alpha)
            rows.append({"target": target.name, "valence_ccc": float(res.ccc[0]), "arousal_ccc": float(res.ccc[1]),
                         "valence_rmse": float(res.rmse[0]), "arousal_rmse": float(res.rmse[1])})
        else:
            res = linear_probe(xtr, ytr, xte, yte, target.num_classes, epochs=probe_epochs, lr=probe_lr,
                               batch_size=probe_batch_size, seed=seed,
                               balanced_sampler=imbalanced_sampler or getattr(target, "imbalanced", False),
                               device=device)
            rows.append({"target": target.name, "accuracy": res.accuracy, "macro_f1": res.macro_f1,
                         "balanced_accuracy": uar(yte, res.predictions, target.num_classes)}
                        | ({"predictions": res.predictions} if keep_predictions else {}))
    return rows
