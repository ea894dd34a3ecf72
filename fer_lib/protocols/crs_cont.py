"""The CRS-CONT chapter's protocol: pretrain an encoder per row, freeze it, read every target out linearly.

    data = load_data(cfg)                               # pretraining pool + evaluation sets (crs_cont_data)
    rows = chapter_rows(cfg)                            # the one-change rows, the weight sweep, the premise rows
    record = run_row(row, cfg, data, seed, run)         # pretrain (or load its checkpoint), evaluate: {"cells", ...}
    frame = cells(records); table = summarise(records, rows)

Rows are :class:`fer_lib.experiments.crs_cont.Row` records; the targets are ``experiments.crs_cont.TARGETS``.
The methods (:class:`~fer_lib.methods.crs_cont.CrsCont`, :class:`~fer_lib.methods.crs_cont.SupervisedEncoder`)
only define the training step; this module builds them, trains them through the engine and evaluates them
with :func:`fer_lib.protocols.probes.evaluate_targets`, each score with an interval over the test people.
Each (row, seed)'s pretraining checkpoints under ``run.checkpoint_root()`` (:func:`checkpoint_dir`), so an
interrupted chapter resumes and rows trained beforehand under torchrun (``python -m fer_lib.protocols.train
crs_cont``, :func:`trainable_rows` / :func:`train_row`) are loaded, not retrained.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from fer_lib.augment.fer_views import FerViewConfig
from fer_lib.data.labels import SYNTH_8
from fer_lib.engine import distributed as ddp
from fer_lib.engine.optim import param_groups, warmup_cosine
from fer_lib.engine.trainer import FitResult, steps_per_epoch
from fer_lib.experiments.crs_cont import CONTROL_ROWS, NEGATIVE_5, ROWS, Row
from fer_lib.methods.crs_cont import CrsCont, SupervisedEncoder, default_class_weight
from fer_lib.metrics.bootstrap import group_bootstrap
from fer_lib.metrics.collapse import within_between_ratio
from fer_lib.models.resnet import ResNetBackbone
from fer_lib.protocols.crs_cont_data import CrsContData, load_data, pretraining_set, premise_table
from fer_lib.protocols.crs_cont_reading import (CAVEAT, chapter_claims, claim_summaries, fine_label_shares,
                                                mean_collapse, paper_vs_run, runs_here)
from fer_lib.protocols.probes import embed_sets, evaluate_targets
from fer_lib.protocols.retrain_probe import authors_linear_probe
from fer_lib.protocols.row_checkpoint import fit_checkpointing, row_checkpoint_dir
from fer_lib.protocols.training_log import QUIET, TrainingLog
from fer_lib.results import format_summary, summarise_seeds
from fer_lib.runtime import seed_everything

__all__ = ["CAVEAT", "CrsContData", "build_pretraining", "build_row", "cells", "chapter_claims", "chapter_rows",
           "checkpoint_dir", "claim_summaries", "fine_label_shares", "left_chance", "load_data", "mean_collapse",
           "paper_vs_run", "premise_table", "pretrain", "pretrain_row", "run_row", "runs_here", "summarise",
           "summary_view", "train_row", "trainable_rows"]

#: Config keys that change only the evaluation or the bookkeeping, never a row's pretraining: a checkpoint
#: stays valid when they change (:func:`checkpoint_dir`).
NOT_TRAINING = ("seeds", "key_seeds", "eval_identities", "eval_stills", "lab_identities", "lab_frames",
                "occlusion_margin", "linear_eval", "probe_epochs", "probe_lr", "probe_batch_size", "ridge_alpha",
                "bootstrap_resamples", "sweep_weights", "tsne_points", "test_fraction", "checkpoint_every",
                "rafdb_test_list", "affectnet_val_csv", "ferplus_h5", "user_target_train", "user_target_test",
                "user_target_name")


def chapter_rows(cfg) -> tuple[Row, ...]:
    """ROWS, CRS-CONT at each other ``cfg.sweep_weights`` weight ("not in paper"), then CONTROL_ROWS (the
    premise conditions; the held-out rows only when ``cfg.held_out`` names classes)."""
    base = {r.row: r for r in ROWS}
    sweep = tuple(replace(base["crs_cont"], row=f"crs_cont w={w:g}", label=f"CRS-CONT, weight {w:g}",
                          negative_weight=float(w), paper=False)
                  for w in cfg.sweep_weights if w not in (cfg.negative_weight, 1.0))
    if cfg.dataset != "synthetic":   # the premise conditions need the generator's labels
        return ROWS + sweep
    return ROWS + sweep + tuple(r for r in CONTROL_ROWS if cfg.held_out or not r.held_out)


def build_pretraining(row: Row, encoder: nn.Module, feature_dim: int, views: FerViewConfig, *,
                      negative_weight: float, instance_weight: float, temperature: float = 0.07, proj_dim: int = 128,
                      num_fine: int = 8, seed: int = 0) -> nn.Module:
    """One pretraining row (a :class:`fer_lib.experiments.crs_cont.Row`) -> its method module.

    row.kind: "contrast" (:class:`CrsCont`) or "supervised" (:class:`SupervisedEncoder` on ``row.label_key``).
    For "contrast": row.label_key ("coarse", "expression" or None = image ids), row.negative_weight
    (None = ``negative_weight``, False = no weight vector, a float = that weight), row.instance_weight
    (None = ``instance_weight``) and row.ce_weight. Fine labels use ``num_fine`` classes.
    """
    if row.kind == "supervised":
        return SupervisedEncoder(encoder, feature_dim, num_fine, views, label_key=row.label_key, seed=seed)
    if row.kind != "contrast":
        raise ValueError(f"row {row.row!r}: unknown kind {row.kind!r} (contrast or supervised)")
    w = row.negative_weight
    class_weight = None if w is False else default_class_weight(negative_weight if w is None else float(w))
    lam = instance_weight if row.instance_weight is None else float(row.instance_weight)
    num_classes = num_fine if row.label_key == "expression" else 4
    return CrsCont(encoder, feature_dim, views, class_weight=class_weight, label_key=row.label_key,
                   num_classes=num_classes, proj_dim=proj_dim, temperature=temperature, instance_weight=lam,
                   ce_weight=float(row.ce_weight), seed=seed)


def pretrain(method: nn.Module, dataset, *, optimizer: str = "sgd", lr: float = 0.5, momentum: float = 0.9,
             weight_decay: float = 1e-4, batch_size: int = 128, epochs: int = 100, max_steps: int = 0,
             lr_step_epochs: int = 20, lr_gamma: float = 0.5, warmup_steps: int = 0, seed: int = 0,
             device: str | torch.device = "cpu", log: TrainingLog = QUIET, checkpoint_dir: str | Path | None = None,
             checkpoint_every: int = 0) -> FitResult:
    """Train ``method`` on ``dataset`` through the engine.

    optimizer "sgd": the code's SGD(lr, momentum, weight decay on every parameter) with the learning rate
    multiplied by ``lr_gamma`` every ``lr_step_epochs`` epochs; "adamw": AdamW (no decay on norms and
    biases) with ``warmup_steps`` of linear warmup then cosine, the CPU profiles' choice for few steps.
    max_steps > 0 stops after that many optimizer steps (epochs otherwise). ``log``: the row's progress bar
    and history file (:mod:`.training_log`). checkpoint_dir: save ``last.pt`` there every ``checkpoint_every``
    steps (0: at the end only) and resume from it (a finished one is loaded, not retrained). batch_size is the
    step's batch: under torchrun each of the W processes takes batch_size / W of it (each contrasts its own
    share; the authors' single-process code contrasts the whole batch).
    """
    world = ddp.get_world_size()
    if batch_size % world:
        raise ValueError(f"a batch of {batch_size} does not split over {world} processes")
    batch_size //= world
    spe = steps_per_epoch(len(dataset), batch_size, world_size=world)
    total = min(epochs * spe, max_steps) if max_steps > 0 else epochs * spe
    if optimizer == "sgd":
        opt = torch.optim.SGD(method.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=max(1, lr_step_epochs * spe), gamma=lr_gamma)
    elif optimizer == "adamw":
        opt = torch.optim.AdamW(param_groups(method, weight_decay), lr=lr)
        sched = warmup_cosine(opt, min(warmup_steps, total), total)
    else:
        raise ValueError(f"optimizer must be 'sgd' or 'adamw', got {optimizer!r}")
    return log.fit(method, dataset, optimizers=opt, schedulers=sched, batch_size=batch_size, max_steps=total,
                   epochs=epochs, device=device, seed=seed, **fit_checkpointing(checkpoint_dir, checkpoint_every))


def checkpoint_dir(root: str | Path, row: Row, cfg, seed: int) -> Path:
    """The folder of one (row, seed)'s pretraining under ``root``: its name hashes the training keys (not
    :data:`NOT_TRAINING`), the row and the library's code (:func:`.row_checkpoint.row_checkpoint_dir`)."""
    return row_checkpoint_dir(root, row, cfg, seed, NOT_TRAINING)


def build_row(row: Row, cfg, seed: int) -> nn.Module:
    """The row's method around a fresh ResNet (python, numpy and torch seeded with ``seed`` first)."""
    seed_everything(seed)
    encoder = ResNetBackbone(cfg.depth, cfg.width, cfg.stem_stride)
    views = FerViewConfig(size=cfg.image_size, scale=(cfg.crop_scale_min, 1.0))
    return build_pretraining(row, encoder, encoder.feature_dim, views, negative_weight=cfg.negative_weight,
                             instance_weight=cfg.instance_weight, temperature=cfg.temperature,
                             proj_dim=cfg.proj_dim, seed=seed)


def pretrain_row(row: Row, cfg, data: CrsContData, seed: int, device, checkpoint_root: str | Path | None = None,
                 log: TrainingLog = QUIET) -> tuple[nn.Module, FitResult]:
    """Build and pretrain one (row, seed) with the config's schedule; with ``checkpoint_root`` it checkpoints into
    :func:`checkpoint_dir` and resumes (or loads a finished training) from there."""
    method = build_row(row, cfg, seed)
    folder = None if checkpoint_root is None else checkpoint_dir(checkpoint_root, row, cfg, seed)
    result = pretrain(method, pretraining_set(data, row), optimizer=cfg.optimizer, lr=cfg.lr, momentum=cfg.momentum,
                      weight_decay=cfg.weight_decay, batch_size=cfg.batch_size, epochs=cfg.epochs,
                      max_steps=cfg.max_steps, lr_step_epochs=cfg.lr_step_epochs, lr_gamma=cfg.lr_gamma,
                      warmup_steps=cfg.warmup_steps, seed=seed, device=device, log=log, checkpoint_dir=folder,
                      checkpoint_every=cfg.checkpoint_every)
    return method, result


def trainable_rows(cfg) -> dict[str, Row]:
    """The rows :mod:`.train` can pretrain outside the notebook: every row of :func:`chapter_rows`."""
    return {r.row: r for r in chapter_rows(cfg)}


def train_row(row: Row, cfg, data: CrsContData, seed: int, device, checkpoint_root: str | Path) -> Path:
    """Pretrain (resume, or find finished) ``row`` into its :func:`checkpoint_dir` (the :mod:`.train` entry point)."""
    pretrain_row(row, cfg, data, seed, device, checkpoint_root)
    return checkpoint_dir(checkpoint_root, row, cfg, seed)


def with_negative_group(features: dict, classes: tuple[str, ...] = SYNTH_8) -> dict:
    """Add "<name>:negative" for the AffectNet-like halves: the negative group's items only, ``expression``
    relabelled to NEGATIVE_5 order (a 5-way target inside the group the weight vector acts on)."""
    out = dict(features)
    remap = np.full(len(classes), -1)
    remap[[classes.index(c) for c in NEGATIVE_5]] = np.arange(len(NEGATIVE_5))
    for name in ("affectnet/train", "affectnet/test"):
        x, labels = features[name]
        keep = remap[labels["expression"]] >= 0
        out[f"{name}:negative"] = (x[keep], {k: v[keep] for k, v in labels.items()}
                                   | {"expression": remap[labels["expression"][keep]]})
    return out


def evaluate_encoder(encoder: nn.Module, cfg, data: CrsContData, seed: int, device) -> tuple[list[dict], dict]:
    """Every target's scores with intervals over the test people (classification: accuracy, macro F1,
    balanced accuracy and their ``_low``/``_high``), and the embedded sets."""
    feats = embed_sets(encoder, data.eval_sets, cfg.image_size, device)
    feats = feats if data.real else with_negative_group(feats)   # the 5-way target needs the synthetic classes
    scores = evaluate_targets(feats, data.targets, seed, probe_epochs=cfg.probe_epochs, probe_lr=cfg.probe_lr,
                              probe_batch_size=cfg.probe_batch_size, ridge_alpha=cfg.ridge_alpha,
                              keep_predictions=True, device=device)
    by_name = {t.name: t for t in data.targets}
    for s in scores:
        if cfg.linear_eval == "authors" and by_name[s["target"]].label == "expression" \
                and ":" not in by_name[s["target"]].train:
            s |= {"fast_accuracy": s["accuracy"]} | authors_scores(encoder, cfg, data, feats, by_name[s["target"]],
                                                                    seed, device)
        pred = s.pop("predictions", None)
        if pred is not None:
            t = by_name[s["target"]]
            labels = feats[t.test][1]
            y = labels["coarse"] if t.label == "coarse" else labels["expression"]
            people = labels.get("identity", np.arange(len(y)))   # real images carry no identity: per image
            s |= group_bootstrap(y, pred, people, t.num_classes, cfg.bootstrap_resamples, seed=seed)
    return scores, feats


def authors_scores(encoder: nn.Module, cfg, data: CrsContData, feats: dict, target, seed: int, device) -> dict:
    """One image target read out as the authors' retrain.py (:func:`authors_linear_probe`): accuracy of the best
    test epoch and its predictions (the caller keeps the fast probe's as "fast_accuracy")."""
    (_, train_labels), (test_x, test_labels) = feats[target.train], feats[target.test]
    out = authors_linear_probe(encoder, encoder.feature_dim, data.eval_sets[target.train],
                               train_labels["expression"], test_x, test_labels["expression"], target.num_classes,
                               cfg.image_size, epochs=cfg.probe_epochs, batch_size=cfg.probe_batch_size,
                               imbalanced_sampler=target.train.startswith("affectnet"), seed=seed, device=device)
    return {"accuracy": out["accuracy"], "predictions": out["predictions"], "best_epoch": out["best_epoch"]}


def collapse_index(feats: dict) -> float:
    """Within-group collapse index (:func:`within_between_ratio`) of the AffectNet-like test half's
    negative-group features over its five fine classes."""
    if "affectnet/test:negative" not in feats:   # real data: no five-class negative group to measure
        return float("nan")
    x, labels = feats["affectnet/test:negative"]
    return within_between_ratio(x, labels["expression"])


def run_row(row: Row, cfg, data: CrsContData, seed: int, run) -> dict:
    """Pretrain ``row`` with ``seed`` (checkpointed under ``run.checkpoint_root()``: an interrupted row resumes and
    a row trained beforehand, e.g. under torchrun by :mod:`.train`, is loaded), then read every target out of the
    frozen encoder. Returns {"row", "seed", "cells": [{"row", "seed", "target", scores...}],
    "fit": {"row", "seed", "steps", "seconds", "images_per_s" (None when loaded), "final_loss"}, "collapse": {"row",
    "seed", "collapse_index"}, "embedding": (features [N, F], labels) of "affectnet/test" (for the maps)}."""
    with run.stage("pretrain"):
        method, result = pretrain_row(row, cfg, data, seed, run.torch_device, run.checkpoint_root(),
                                      TrainingLog(run, row.row, seed))
    with run.stage("evaluate"):
        scores, feats = evaluate_encoder(method.encoder, cfg, data, seed, run.torch_device)
    loaded = result.samples_per_s == 0
    fit_row = {"row": row.row, "seed": seed, "steps": result.step, "seconds": round(result.seconds, 1),
               "images_per_s": None if loaded else round(result.samples_per_s, 1),
               "final_loss": result.history[-1]["loss"]}
    return {"row": row.row, "seed": seed, "cells": [{"row": row.row, "seed": seed, **r} for r in scores],
            "fit": fit_row, "collapse": {"row": row.row, "seed": seed, "collapse_index": collapse_index(feats)},
            "embedding": feats["affectnet/test"]}


def cells(records: list[dict]) -> pd.DataFrame:
    """Every (row, seed, target) cell; "score" = accuracy, or the mean of valence and arousal CCC for V/A;
    "interval" = half the width of the accuracy's 95 % interval over test people (NaN for V/A)."""
    frame = pd.DataFrame([c for r in records for c in r["cells"]])
    if "accuracy_high" in frame:   # the bootstrap over test people ran
        frame["interval"] = (frame["accuracy_high"] - frame["accuracy_low"]) / 2
    if "valence_ccc" not in frame:   # no V/A target (the real datasets' evaluations)
        return frame.assign(score=frame["accuracy"])
    va = (frame["valence_ccc"] + frame["arousal_ccc"]) / 2
    frame["score"] = frame["accuracy"].where(frame["accuracy"].notna(), va)
    return frame


def left_chance(frame: pd.DataFrame, target: str, num_classes: int) -> pd.DataFrame:
    """Did each row's encoder learn anything the target can read? Per row (in ``frame`` order): mean accuracy
    and mean lower end of its interval over test people (over seeds), chance = 1 / ``num_classes`` on the
    class-balanced test half, and ``learned`` = that lower end lies above chance."""
    sel = frame[frame.target == target]
    if sel.empty:
        raise KeyError(f"no cell of target {target!r}; targets: {sorted(frame.target.unique())}")
    out = sel.groupby("row", sort=False)[["accuracy", "accuracy_low"]].mean()
    out["chance"] = 1.0 / num_classes
    out["learned"] = out["accuracy_low"] > out["chance"]
    return out


def summarise(records: list[dict], rows: tuple[Row, ...], value: str = "score") -> list[dict]:
    """One numeric line per row run, in ``rows`` order: row, seeds, and for each target ``value`` (default the
    score: accuracy, or mean CCC for V/A; fractions) as mean over seeds with ``<target>_std``."""
    wide = cells(records).pivot_table(index=["row", "seed"], columns="target", values=value).reset_index()
    names = list(dict.fromkeys(c["target"] for r in records for c in r["cells"]))   # the targets evaluated
    by_row = {s["row"]: s for s in summarise_seeds(wide.to_dict("records"), names)}
    return [by_row[r.row] for r in rows if r.row in by_row]


def summary_view(summary: list[dict], rows: tuple[Row, ...] = (), source: str | None = None) -> pd.DataFrame:
    """The summary as shown: "mean ± std" in percent (V/A: mean CCC x 100), one decimal; rows added here
    (``Row.paper`` False) are marked "(not in paper)"; with ``source`` (e.g. ``run.source_label``) every column
    sits under it, so each names the data it came from."""
    view = format_summary(summary, scale=100)
    added = {r.row for r in rows if not r.paper}
    view.index = [f"{name} (not in paper)" if name in added else name for name in view.index]
    view = view.rename(columns={"AffectNet-like V/A": "AffectNet-like V/A (mean CCC x100)"})
    return view if source is None else pd.concat({source: view}, axis=1)
