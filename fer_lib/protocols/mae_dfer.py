"""The MAE-DFER chapter's protocol: pretrain an encoder as a masked video autoencoder, fine-tune it (or a fresh
one) for clip-level expression classification (optionally + gaze regression), evaluate with 2 temporal × 2
spatial views. Every batch loop lives in the engine (:func:`fer_lib.engine.trainer.fit`).

    data = load_data(cfg)                                  # synthetic clips, or DFEW / VoxCeleb2 from disk
    pretrained(encoder, motion, cfg, data, seed, run)      # one pretraining per (encoder, motion, seed), kept
    record = run_row(row, cfg, data, seed, run)            # fine-tune + evaluate one (row, seed)
    table = summarise(records, rows)

Datasets are map-style with items ``video`` uint8 [T, 3, H, W], ``label`` (and ``gaze`` [T, 2] for the
combined head): the synthetic :class:`fer_lib.data.datasets.ClipDataset` or the frame-folder loaders.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader

from fer_lib.data.datasets import ClipDataset
from fer_lib.data.synth import SynthConfig, load_synth
from fer_lib.engine.optim import TOKEN_NAMES, layer_decay_groups, param_groups, warmup_cosine
from fer_lib.engine.trainer import steps_per_epoch
from fer_lib.experiments.mae_dfer import Row
from fer_lib.methods.mae_dfer import MAEDFERPretrain
from fer_lib.methods.video_finetune import VideoClassifier, video_layer_id, video_mixup
from fer_lib.metrics.classification import uar, war
from fer_lib.metrics.regression import angular_error_deg
from fer_lib.models.mae_decoder import MAEDecoder
from fer_lib.models.video_registry import build_video_encoder
from fer_lib.protocols.training_log import QUIET, TrainingLog
from fer_lib.results import format_summary, summarise_seeds

SKIP_DECAY = TOKEN_NAMES + ("region_tokens",)


@dataclass
class MaeDferData:
    """pretrain_set / train_set / test_set: clip datasets (items ``video`` uint8 [T, 3, H, W], ``label``, and
    ``gaze`` [T, 2] on synthetic data); labelled: the rendered labelled set (None on real data);
    pretrained: (encoder, motion, seed) -> :func:`pretrain`'s output; models: (row, seed) -> fine-tuned model."""

    pretrain_set: object
    train_set: object
    test_set: object
    labelled: object = None
    pretrained: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)

    @property
    def has_gaze(self) -> bool:
        return "gaze" in self.test_set[0]


def load_data(cfg, dfew_root: str | None = None, dfew_fold: int = 1, voxceleb2_list: str | None = None) -> MaeDferData:
    """The synthetic DFEW-like labelled set and VoxCeleb-like pool (training windows of ``cfg.frames``, whole test
    clips); ``cfg.dataset`` "DFEW" / "FERV39k" / "MAFW" reads VoxCeleb2 and that benchmark instead
    (:mod:`.mae_dfer_real`; ``dfew_root``, ``dfew_fold``, ``voxceleb2_list``: the same paths as notebook parameters)."""
    if cfg.dataset != "synthetic" or dfew_root is not None:
        from fer_lib.protocols import mae_dfer_real
        return mae_dfer_real.load_data(mae_dfer_real.with_notebook_paths(cfg, dfew_root, dfew_fold, voxceleb2_list),
                                       MaeDferData)
    labelled = load_synth(SynthConfig(domain="dfew", n_identities=cfg.n_identities, clips_per_identity=cfg.clips_per_identity,
                                      frames_per_clip=cfg.clip_frames, size=cfg.image_size, seed=0))
    pool = load_synth(SynthConfig(domain="vox", n_identities=cfg.pre_identities, clips_per_identity=cfg.pre_clips_per_identity,
                                  frames_per_clip=cfg.clip_frames, size=cfg.image_size, seed=0))
    if len(labelled.classes) != cfg.num_classes:
        raise ValueError(f"num_classes={cfg.num_classes} but the dfew domain has {len(labelled.classes)} classes")
    return MaeDferData(ClipDataset(pool, "all", num_frames=cfg.frames, stride=cfg.stride),
                       ClipDataset(labelled, "train", num_frames=cfg.frames, stride=cfg.stride, window_step=cfg.frames),
                       ClipDataset(labelled, "test", num_frames=cfg.clip_frames, stride=1), labelled)


def encoder_kwargs(cfg, name: str, drop_path: float = 0.0) -> dict:
    """Constructor arguments of encoder ``name`` from a chapter config (LGI-Former: dim/depth/heads/region;
    ViT: vit_dim/vit_depth/vit_heads; VideoMamba: dim/depth)."""
    common = dict(frames=cfg.frames, image_size=cfg.image_size, tubelet=cfg.tubelet, patch=cfg.patch,
                  drop_path=drop_path)
    arch = {"lgi_former": dict(dim=cfg.dim, depth=cfg.depth, num_heads=cfg.heads, region=tuple(cfg.region)),
            "vit": dict(dim=cfg.vit_dim, depth=cfg.vit_depth, num_heads=cfg.vit_heads),
            "video_mamba": dict(dim=cfg.dim, depth=cfg.depth)}
    return {**common, **arch[name]}


def pretrain(cfg, name: str, motion: bool, dataset, seed: int, device, log: TrainingLog = QUIET) -> dict:
    """Masked-autoencoder pretraining of encoder ``name``: part-window tube masks for the LGI-Former (its
    regions need them), plain tube masks for the others (VideoMAE). Returns method, history, seconds.
    ``log``: the progress bar and history file (:mod:`.training_log`)."""
    torch.manual_seed(seed)
    encoder = build_video_encoder(name, **encoder_kwargs(cfg, name))
    decoder = MAEDecoder(encoder.grid, encoder.dim, cfg.decoder_dim, cfg.decoder_depth, cfg.decoder_heads,
                         out_dim=cfg.tubelet * cfg.patch ** 2 * 3)
    window = tuple(cfg.mask_window) if name == "lgi_former" else None
    method = MAEDFERPretrain(encoder, decoder, cfg.mask_ratio, window, motion, cfg.motion_weight, seed=seed)
    lr = cfg.pre_lr * cfg.pre_batch / 256  # the paper's linear scaling rule
    opt = torch.optim.AdamW(param_groups(method, cfg.weight_decay), lr=lr, betas=(0.9, 0.95))
    spe = steps_per_epoch(len(dataset), cfg.pre_batch)
    sched = warmup_cosine(opt, cfg.warmup_epochs * spe, cfg.pre_epochs * spe, cfg.pre_min_lr / cfg.pre_lr)
    result = log.fit(method, dataset, stage="pretrain", optimizers=opt, schedulers=sched, batch_size=cfg.pre_batch,
                     epochs=cfg.pre_epochs, device=device, seed=seed, grad_clip=cfg.grad_clip)
    return {"method": method, "history": result.history, "seconds": result.seconds}


def finetune(cfg, name: str, train_set, seed: int, device, encoder_state: dict | None = None,
             gaze: bool = False, log: TrainingLog = QUIET) -> dict:
    """Fine-tune (from ``encoder_state`` or from scratch) with layer decay, drop path and mixup/cutmix +
    label smoothing (classification) or the combined α·CE + L1(gaze) loss (``gaze``: no mixup)."""
    torch.manual_seed(seed)
    encoder = build_video_encoder(name, **encoder_kwargs(cfg, name, cfg.drop_path))
    if encoder_state is not None:
        encoder.load_state_dict(encoder_state)
    mixup = None if gaze or cfg.mixup == 0 else video_mixup(cfg.num_classes, cfg.mixup, cfg.cutmix, cfg.smoothing)
    model = VideoClassifier(encoder, cfg.num_classes, pool_reps=True, num_reg=2 if gaze else 0,
                            alpha=cfg.gaze_alpha, mixup=mixup, label_smoothing=cfg.smoothing,
                            batch_norm_features=cfg.batch_norm_features)
    lr = cfg.ft_lr * cfg.ft_batch / 256
    groups = layer_decay_groups(model, lr=lr, weight_decay=cfg.weight_decay, layer_decay=cfg.layer_decay,
                                num_layers=len(encoder.blocks) + 1, layer_id=video_layer_id, skip=SKIP_DECAY)
    opt = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999))
    spe = steps_per_epoch(len(train_set), cfg.ft_batch)
    sched = warmup_cosine(opt, cfg.warmup_epochs * spe, cfg.ft_epochs * spe, cfg.ft_min_lr / cfg.ft_lr)
    result = log.fit(model, train_set, stage="finetune", optimizers=opt, schedulers=sched, batch_size=cfg.ft_batch,
                     epochs=cfg.ft_epochs, device=device, seed=seed, grad_clip=cfg.grad_clip)
    return {"model": model, "history": result.history, "seconds": result.seconds}


@torch.no_grad()
def evaluate(cfg, model: VideoClassifier, test_set, device, batch_size: int = 16) -> dict:
    """UAR / WAR (%) from softmax averaged over cfg.test_temporal × cfg.test_spatial views per video, and the
    mean gaze angular error (degrees, vs the clip's mean gaze) when the model has a regression head."""
    model.eval().to(device)
    probs, labels, reg, gaze = [], [], [], []
    t0 = time.perf_counter()
    for batch in DataLoader(test_set, batch_size=batch_size, shuffle=False):
        out = model.predict(batch["video"].to(device), cfg.frames, cfg.stride, cfg.test_temporal, cfg.test_spatial)
        probs.append(out["probs"].cpu().numpy())
        labels.append(batch["label"].numpy())
        if out["reg"] is not None:
            reg.append(out["reg"].cpu().numpy())
            gaze.append(batch["gaze"].float().mean(1).numpy())
    y, p = np.concatenate(labels), np.concatenate(probs).argmax(1)
    metrics = {"uar": 100 * uar(y, p, cfg.num_classes), "war": 100 * war(y, p, cfg.num_classes),
               "eval_seconds": time.perf_counter() - t0}
    if reg:
        metrics["gaze_error_deg"] = float(angular_error_deg(np.concatenate(gaze), np.concatenate(reg)).mean())
    return metrics


def pretrained(encoder: str, motion: bool, cfg, data: MaeDferData, seed: int, run) -> dict:
    """:func:`pretrain` of (encoder, motion, seed) on ``data.pretrain_set``, run once and kept in ``data.pretrained``."""
    key = (encoder, motion, seed)
    if key not in data.pretrained:
        with run.stage("pretrain"):
            log = TrainingLog(run, encoder + ("+motion" if motion else ""), seed)
            data.pretrained[key] = pretrain(cfg, encoder, motion, data.pretrain_set, seed, run.torch_device, log)
    return data.pretrained[key]


def run_row(row: Row, cfg, data: MaeDferData, seed: int, run) -> dict:
    """Fine-tune ``row``'s encoder (from its pretraining, or from scratch) and evaluate it on ``data.test_set``.
    Returns {"row", "seed", "seconds", "uar", "war", "eval_seconds"} (+ "gaze_error_deg" for the gaze row);
    the fine-tuned model is kept in ``data.models[(row.row, seed)]``."""
    state = pretrained(row.encoder, row.motion, cfg, data, seed, run)["method"].encoder.state_dict() if row.pretrained else None
    with run.stage("finetune_gaze" if row.gaze else "finetune"):
        out = finetune(cfg, row.encoder, data.train_set, seed, run.torch_device, encoder_state=state, gaze=row.gaze,
                       log=TrainingLog(run, row.row, seed))
    metrics = evaluate(cfg, out["model"], data.test_set, run.torch_device)
    data.models[(row.row, seed)] = out["model"]
    return {"row": row.row, "seed": seed, "seconds": round(out["seconds"], 1), **metrics}


def summarise(records: list[dict], rows: tuple[Row, ...]) -> list[dict]:
    """One numeric line per row run, in ``rows`` order: row, the paper's row name (``model``, ours when the paper
    has none), seeds, UAR and WAR (%) as mean over seeds with ``UAR_std``, ``WAR_std`` (:func:`summary_view`
    shows "mean ± std")."""
    named = [{**r, "UAR": r["uar"], "WAR": r["war"]} for r in records]
    by_row = {s["row"]: s for s in summarise_seeds(named, ["UAR", "WAR"])}
    return [{"row": row.row, "model": row.paper_row or row.row, **by_row[row.row]} for row in rows
            if row.row in by_row]


def summary_view(table: list[dict]) -> pd.DataFrame:
    """A numeric summary (:func:`summarise`, :func:`summarise_gaze`) as shown: "mean ± std", one decimal."""
    return format_summary(table, digits=1)


def summarise_gaze(records: list[dict], row: Row, test_set) -> dict:
    """The gaze row, numeric: UAR, WAR (%) and gaze error (degrees) as mean over seeds with ``<column>_std``,
    beside a predictor that always answers the test set's mean gaze."""
    test_gaze = np.stack([test_set[i]["gaze"].numpy().mean(0) for i in range(len(test_set))])
    baseline = float(angular_error_deg(test_gaze, np.broadcast_to(test_gaze.mean(0), test_gaze.shape)).mean())
    named = [{"row": row.row, "UAR": r["uar"], "WAR": r["war"], "gaze error (deg)": r["gaze_error_deg"]}
             for r in records]
    return {**summarise_seeds(named, ["UAR", "WAR", "gaze error (deg)"])[0],
            "mean-gaze predictor (deg)": round(baseline, 2)}
