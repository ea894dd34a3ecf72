"""The CRS-CONT chapter's protocol: pretrain an encoder per row, freeze it, read every target out linearly.

    data = load_data(cfg)                               # synthetic domains: pretraining + evaluation sets
    record = run_row(row, cfg, data, seed, run)         # {"cells": per-target scores, "fit": training numbers}
    frame = cells(records); table = summarise(records, rows)

Rows are :class:`fer_lib.experiments.crs_cont.Row` records; the targets are ``experiments.crs_cont.TARGETS``.
The methods (:class:`~fer_lib.methods.crs_cont.CrsCont`, :class:`~fer_lib.methods.crs_cont.SupervisedEncoder`)
only define the training step; this module builds them, trains them through the engine and evaluates them
with :func:`fer_lib.protocols.probes.evaluate_targets`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch
from torch import nn
from torch.utils.data import ConcatDataset

from fer_lib.augment.fer_views import FerViewConfig
from fer_lib.data.ck_frames import ck_style_frames
from fer_lib.data.coarse import CoarseLabelled
from fer_lib.data.datasets import FrameDataset
from fer_lib.data.synth import SynthConfig, load_synth
from fer_lib.engine.optim import param_groups, warmup_cosine
from fer_lib.engine.trainer import FitResult, steps_per_epoch
from fer_lib.experiments.crs_cont import TARGETS, Row
from fer_lib.methods.crs_cont import CrsCont, SupervisedEncoder, default_class_weight
from fer_lib.models.resnet import ResNetBackbone
from fer_lib.protocols.probes import embed_sets, evaluate_targets
from fer_lib.protocols.training_log import QUIET, TrainingLog
from fer_lib.results import format_summary, summarise_seeds
from fer_lib.runtime import seed_everything


@dataclass
class CrsContData:
    """eval_sets: "<domain>/<split>" (and "lab/ck") -> frame Dataset; pretrain_sets: keep_fine -> the pretraining
    domains' training frames with coarse labels (and the fine ones when keep_fine); targets: the frozen
    evaluations (real data: :data:`.crs_cont_real.REAL_TARGETS`)."""

    eval_sets: dict
    pretrain_sets: dict
    targets: tuple = TARGETS

    def sizes(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.eval_sets.items()} | {"pretraining (coarse only)": len(self.pretrain_sets[False])}


def load_data(cfg) -> CrsContData:
    """Render (or read from the cache) the pretraining domains, the unseen FER2013-like domain and the lab domain;
    ``cfg.dataset="real"``: RAF-DB, AffectNet and FERPlus from disk instead (:mod:`.crs_cont_real`)."""
    if cfg.dataset == "real":
        from fer_lib.protocols import crs_cont_real
        return crs_cont_real.load_data(cfg, CrsContData)
    synth = {d: load_synth(SynthConfig(domain=d, n_identities=cfg.lab_identities if d == "lab" else cfg.n_identities,
                                       clips_per_identity=cfg.clips_per_identity, frames_per_clip=cfg.frames_per_clip,
                                       size=cfg.render_size, seed=0))
             for d in (*cfg.pretrain_domains, "fer2013", "lab")}
    eval_sets = {f"{d}/{s}": FrameDataset(synth[d], s, cfg.frame_step) for d in synth if d != "lab"
                 for s in ("train", "test")}
    eval_sets["lab/ck"] = ck_style_frames(synth["lab"])
    pretrain_sets = {keep_fine: ConcatDataset([CoarseLabelled(FrameDataset(synth[d], "train", cfg.frame_step),
                                                              synth[d].classes, keep_fine=keep_fine)
                                               for d in cfg.pretrain_domains]) for keep_fine in (False, True)}
    return CrsContData(eval_sets, pretrain_sets)


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
             device: str | torch.device = "cpu", log: TrainingLog = QUIET) -> FitResult:
    """Train ``method`` on ``dataset`` through the engine.

    optimizer "sgd": the code's SGD(lr, momentum, weight decay on every parameter) with the learning rate
    multiplied by ``lr_gamma`` every ``lr_step_epochs`` epochs; "adamw": AdamW (no decay on norms and
    biases) with ``warmup_steps`` of linear warmup then cosine, the CPU profiles' choice for few steps.
    max_steps > 0 stops after that many optimizer steps (epochs otherwise). ``log``: the row's progress bar
    and history file (:mod:`.training_log`).
    """
    spe = steps_per_epoch(len(dataset), batch_size)
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
                   epochs=epochs, device=device, seed=seed)


def run_row(row: Row, cfg, data: CrsContData, seed: int, run) -> dict:
    """Pretrain ``row`` with ``seed`` (seeded as the chapter always was: python, numpy and torch), then read every
    target out of the frozen encoder. Returns {"row", "seed", "cells": [{"row", "seed", "target", scores...}],
    "fit": {"row", "seed", "steps", "seconds", "images_per_s", "final_loss"},
    "embedding": (features [N, F], labels) of "affectnet/test" (for the maps)}."""
    seed_everything(seed)
    encoder = ResNetBackbone(cfg.depth, cfg.width, cfg.stem_stride)
    views = FerViewConfig(size=cfg.image_size, scale=(cfg.crop_scale_min, 1.0))
    method = build_pretraining(row, encoder, encoder.feature_dim, views, negative_weight=cfg.negative_weight,
                               instance_weight=cfg.instance_weight, temperature=cfg.temperature,
                               proj_dim=cfg.proj_dim, seed=seed)
    with run.stage("pretrain"):
        result = pretrain(method, data.pretrain_sets[row.label_key == "expression"], optimizer=cfg.optimizer,
                          lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay, batch_size=cfg.batch_size,
                          epochs=cfg.epochs, max_steps=cfg.max_steps, lr_step_epochs=cfg.lr_step_epochs,
                          lr_gamma=cfg.lr_gamma, warmup_steps=cfg.warmup_steps, seed=seed, device=run.torch_device,
                          log=TrainingLog(run, row.row, seed))
    with run.stage("evaluate"):
        feats = embed_sets(encoder, data.eval_sets, cfg.image_size, run.torch_device)
        scores = evaluate_targets(feats, data.targets, seed, probe_epochs=cfg.probe_epochs, probe_lr=cfg.probe_lr,
                                  probe_batch_size=cfg.probe_batch_size, ridge_alpha=cfg.ridge_alpha,
                                  device=run.torch_device)
    fit_row = {"row": row.row, "seed": seed, "steps": result.step, "seconds": round(result.seconds, 1),
               "images_per_s": round(result.samples_per_s, 1), "final_loss": result.history[-1]["loss"]}
    return {"row": row.row, "seed": seed, "cells": [{"row": row.row, "seed": seed, **r} for r in scores], "fit": fit_row,
            "embedding": feats["affectnet/test"]}


def cells(records: list[dict]) -> pd.DataFrame:
    """Every (row, seed, target) cell; "score" = accuracy, or the mean of valence and arousal CCC for V/A."""
    frame = pd.DataFrame([c for r in records for c in r["cells"]])
    if "valence_ccc" not in frame:   # no V/A target (the real datasets' evaluations)
        return frame.assign(score=frame["accuracy"])
    frame["score"] = frame["accuracy"].where(frame["accuracy"].notna(), (frame["valence_ccc"] + frame["arousal_ccc"]) / 2)
    return frame


def summarise(records: list[dict], rows: tuple[Row, ...]) -> list[dict]:
    """One numeric line per row run, in ``rows`` order: row, seeds, and for each target its score (accuracy, or
    the mean of valence and arousal CCC for V/A; fractions) as mean over seeds with ``<target>_std``."""
    wide = cells(records).pivot_table(index=["row", "seed"], columns="target", values="score").reset_index()
    names = list(dict.fromkeys(c["target"] for r in records for c in r["cells"]))   # the targets evaluated
    by_row = {s["row"]: s for s in summarise_seeds(wide.to_dict("records"), names)}
    return [by_row[r.row] for r in rows if r.row in by_row]


def summary_view(summary: list[dict]) -> pd.DataFrame:
    """The summary as shown: "mean ± std" in percent (V/A: mean CCC x 100), one decimal."""
    view = format_summary(summary, scale=100)
    return view.rename(columns={"AffectNet-like V/A": "AffectNet-like V/A (mean CCC x100)"})
