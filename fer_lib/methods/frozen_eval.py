"""CRS-CONT's evaluation task: one frozen encoder, a new linear read-out per target.

The encoder runs in eval mode without gradient (:func:`fer_lib.engine.features.embed`) on the
deterministic evaluation view; each target gets a linear layer on the pooled, pre-projection features
(:func:`fer_lib.methods.probe.linear_probe`, trained through the engine) or, for valence/arousal, a ridge
regression (:func:`fer_lib.methods.probe.ridge_probe`). A target may be trained on one set and tested on
another (cross-dataset, e.g. CK+ tested with the linear layer trained on AffectNet).

Differences from the authors' ``retrain.py`` (named here, defaults = this book's CPU-sized protocol):
features are embedded once without train-time augmentation (the code re-augments each epoch with
RandomResizedCrop(0.6-1) + flip and trains the layer with SGD lr 4 for 100 epochs), and the test
metric is the last epoch's (the code reports the best epoch *on the test set*, an optimistic choice).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from fer_lib.augment.fer_views import fer_eval_view
from fer_lib.data.imbalanced_sampler import ImbalancedSampler
from fer_lib.data.labels import coarse_labels
from fer_lib.engine.features import embed
from fer_lib.engine.optim import param_groups, warmup_cosine
from fer_lib.engine.trainer import fit, steps_per_epoch
from fer_lib.methods.probe import LinearProbe, ProbeResult, linear_probe, ridge_probe
from fer_lib.metrics.classification import accuracy, macro_f1

__all__ = ["Target", "embed_sets", "evaluate_targets", "imbalanced_linear_probe"]


@dataclass(frozen=True)
class Target:
    """One evaluation target.

    name: table column; train/test: keys of the embedded sets; label: "expression" (classification over
    ``num_classes``), "coarse" (the coarse groups) or "va" (valence + arousal regression, CCC).
    """

    name: str
    train: str
    test: str
    label: str = "expression"
    num_classes: int = 7


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


def _labels(labels: dict[str, np.ndarray], target: Target, which: str) -> np.ndarray:
    keys = ("valence", "arousal") if target.label == "va" else (target.label,)
    missing = [k for k in keys if k not in labels]
    if missing:
        raise KeyError(f"target {target.name!r}: the {which} set {getattr(target, which)!r} has no labels {missing} "
                       f"(it has {sorted(labels)})")
    return np.stack([labels[k] for k in keys], axis=1) if target.label == "va" else labels[keys[0]]


def imbalanced_linear_probe(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                            num_classes: int, *, epochs: int = 100, lr: float = 1e-2, weight_decay: float = 1e-4,
                            batch_size: int = 64, warmup_epochs: int = 2, seed: int = 0,
                            device: str | torch.device = "cpu") -> ProbeResult:
    """:func:`fer_lib.methods.probe.linear_probe` with the authors' ``ImbalancedDatasetSampler``: each epoch
    draws N training items with replacement, item i with probability ~ 1 / count(class of i).

    (Same probe, optimiser and schedule as ``linear_probe``; only the data order differs. Should
    ``linear_probe`` gain a ``sampler=`` argument, this becomes a call to it.)
    """
    torch.manual_seed(seed)
    probe = LinearProbe(train_x.mean(0), train_x.std(0), num_classes)
    data = torch.utils.data.StackDataset(x=torch.as_tensor(np.asarray(train_x, np.float32)),
                                         y=torch.as_tensor(np.asarray(train_y, np.int64)))
    batch_size = min(batch_size, len(data))
    total = epochs * steps_per_epoch(len(data), batch_size)
    opt = torch.optim.AdamW(param_groups(probe, weight_decay), lr=lr)
    sched = warmup_cosine(opt, min(warmup_epochs * steps_per_epoch(len(data), batch_size), total), total)
    fit(probe, data, optimizers=opt, schedulers=sched, batch_size=batch_size, epochs=epochs, device=device,
        seed=seed, sampler=ImbalancedSampler(train_y, seed), progress=False, desc="linear probe (imbalanced sampler)")
    probe.eval()
    with torch.no_grad():
        pred = probe(torch.as_tensor(np.asarray(test_x, np.float32)).to(probe.mean.device)).argmax(1).cpu().numpy()
    return ProbeResult(accuracy(test_y, pred), macro_f1(test_y, pred, num_classes), pred)


def evaluate_targets(features: dict, targets: tuple[Target, ...], seed: int = 0, probe_epochs: int = 50,
                     probe_lr: float = 1e-2, probe_batch_size: int = 128, ridge_alpha: float = 1.0,
                     imbalanced_sampler: bool = False, device: str | torch.device = "cpu") -> list[dict]:
    """Fit one read-out per target on frozen ``features`` (from :func:`embed_sets`).

    probe_batch_size: 128 as in the authors' retrain.py.
    imbalanced_sampler: train the classification layers with :func:`imbalanced_linear_probe` (the authors
    do so for AffectNet) instead of plain shuffling.

    Returns one row per target: classification {"target", "accuracy", "macro_f1"}; V/A
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
            probe = imbalanced_linear_probe if imbalanced_sampler else linear_probe
            res = probe(xtr, ytr, xte, yte, target.num_classes, epochs=probe_epochs, lr=probe_lr,
                        batch_size=probe_batch_size, seed=seed, device=device)
            rows.append({"target": target.name, "accuracy": res.accuracy, "macro_f1": res.macro_f1})
    return rows
