"""The MAE-DFER chapter's protocol: pretrain an encoder as a masked video autoencoder (once per encoder and target,
shared by every evaluation seed), then read it out with a fraction of the labels: a frozen probe on its token
features (:mod:`.mae_dfer_probe`) or fine-tuning the whole encoder; evaluate on clips of other people with a
clip-bootstrap interval. Every batch loop lives in the engine (:func:`fer_lib.engine.trainer.fit`).

    data = load_data(cfg)                                  # synthetic clips, or DFEW / VoxCeleb2 from disk
    pretrained(encoder, motion, cfg, data, run)            # one pretraining per (encoder, motion), kept
    record = run_row(row, cfg, data, seed, run)            # probe or fine-tune + evaluate one (row, seed)
    table = summarise(records, rows)
    save_model(data, row, seed, cfg, folder)               # a fine-tuned model for fer-book predict

Pretrainings and fine-tunings checkpoint into ``run.checkpoint_root()`` (:mod:`.mae_dfer_checkpoints`: a
pretraining's folder depends on its own keys only, so DFEW's five fold runs share one) and resume from there:
an interrupted chapter continues, and what :mod:`fer_lib.protocols.train` trained beforehand (e.g. under
torchrun: :func:`trainable_rows`, :func:`train_row`) is loaded, not retrained.

Datasets are map-style with items ``video`` uint8 [T, 3, H, W], ``label`` (and ``gaze``, ``landmarks`` per
frame on synthetic data): the synthetic :class:`fer_lib.data.datasets.ClipDataset` or the frame-folder loaders.
The premises (does pretraining beat the mean target, is there motion to predict) are in :mod:`.mae_dfer_checks`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, Subset

from fer_lib.augment.video_recipe import Augmented, MultiScaleCrop, finetune_transform
from fer_lib.data.datasets import ClipDataset
from fer_lib.data.synth import SynthConfig, load_synth
from fer_lib.engine import distributed as ddp
from fer_lib.engine.optim import TOKEN_NAMES, layer_decay_groups, param_groups, warmup_cosine
from fer_lib.engine.trainer import steps_per_epoch
from fer_lib.experiments.mae_dfer import ARMS, GAZE_ROW, ROWS, Arm, Row
from fer_lib.methods.mae_dfer import MAEDFERPretrain
from fer_lib.methods.video_finetune import VideoClassifier, video_layer_id, video_mixup
from fer_lib.metrics.bootstrap import clip_bootstrap_uar
from fer_lib.metrics.classification import war
from fer_lib.metrics.regression import angular_error_deg
from fer_lib.models.mae_decoder import MAEDecoder
from fer_lib.models.video_registry import build_video_encoder
from fer_lib.protocols.mae_dfer_checkpoints import finetune_dir, pretrain_dir, save_finetuned, trained_seconds
from fer_lib.protocols.mae_dfer_probe import label_subset, linear_probe, token_features
from fer_lib.protocols.row_checkpoint import fit_checkpointing, folder_name
from fer_lib.protocols.training_log import QUIET, TrainingLog
from fer_lib.results import format_summary, summarise_seeds

SKIP_DECAY = TOKEN_NAMES + ("region_tokens",)


@dataclass
class MaeDferData:
    """pretrain_set: windows to pretrain on (labels unused); train_set: labelled training windows (fine-tuning);
    probe_train / probe_test: one centred window per training / evaluation clip (frozen features);
    test_set: whole evaluation clips (fine-tuned models, 2 × 2 views); labelled: the rendered labelled set
    (None on real data); classes: the label names in label order; pretrained: (encoder, motion) ->
    :func:`pretrain`'s output; features: (arm name, seed) -> {"train", "test"} token features; models: (row, seed)
    -> fine-tuned model."""

    pretrain_set: object
    train_set: object
    test_set: object
    probe_train: object
    probe_test: object
    labelled: object = None
    classes: tuple = ()
    pretrained: dict = field(default_factory=dict)
    features: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)
    loaders: list = field(default_factory=list)  # real data: the format loaders (their corrupt-image skips)

    @property
    def has_gaze(self) -> bool:
        return "gaze" in self.test_set[0]


def clip_targets(dataset) -> np.ndarray:
    """Labels [N] of a clip dataset (``targets`` of the synthetic clips, the annotations of frame folders)."""
    if hasattr(dataset, "targets"):
        return np.asarray(dataset.targets)
    return np.array([e.label for e in dataset.entries])


def synthetic_data(cfg) -> MaeDferData:
    """The synthetic DFEW-like sets: every identity of the labelled set trains (``n_identities`` people, DFEW's
    class priors); the evaluation set is ``eval_identities`` other people with uniform class priors (at least
    ``min_eval_per_class`` clips per class, checked), or with eval_identities = 0 the labelled set's own
    15 % + 15 % val + test people. Pretraining pool: the training clips' windows at every start (``pre_pool``
    "train", labels unused) or the VoxCeleb2-like ``vox`` pool of other people."""
    own_eval = cfg.eval_identities == 0
    labelled = load_synth(SynthConfig(domain="dfew", n_identities=cfg.n_identities,
                                      clips_per_identity=cfg.clips_per_identity, frames_per_clip=cfg.clip_frames,
                                      size=cfg.image_size, seed=0, split=(0.7, 0.0, 0.3) if own_eval else (1, 0, 0)))
    if len(labelled.classes) != cfg.num_classes:
        raise ValueError(f"num_classes={cfg.num_classes} but the dfew domain has {len(labelled.classes)} classes")
    held_out = labelled if own_eval else load_synth(SynthConfig(
        domain="dfew", n_identities=cfg.eval_identities, clips_per_identity=1, frames_per_clip=cfg.clip_frames,
        size=cfg.image_size, seed=1, split=(0, 0, 1), priors=(1 / cfg.num_classes,) * cfg.num_classes))
    if cfg.pre_pool == "train":
        pool = ClipDataset(labelled, "train", num_frames=cfg.frames, stride=cfg.stride, window_step=1)
    else:
        vox = load_synth(SynthConfig(domain="vox", n_identities=cfg.pre_identities, size=cfg.image_size, seed=0,
                                     clips_per_identity=cfg.pre_clips_per_identity, frames_per_clip=cfg.clip_frames))
        pool = ClipDataset(vox, "all", num_frames=cfg.frames, stride=cfg.stride)
    data = MaeDferData(pool, ClipDataset(labelled, "train", num_frames=cfg.frames, stride=cfg.stride,
                                         window_step=cfg.frames),
                       ClipDataset(held_out, "test", num_frames=cfg.clip_frames, stride=1),
                       ClipDataset(labelled, "train", num_frames=cfg.frames, stride=cfg.stride),
                       ClipDataset(held_out, "test", num_frames=cfg.frames, stride=cfg.stride), labelled,
                       tuple(labelled.classes))
    per_class = np.bincount(data.test_set.targets, minlength=cfg.num_classes)
    if per_class.min() < cfg.min_eval_per_class:
        raise ValueError(f"evaluation set has {per_class.tolist()} clips per class, fewer than "
                         f"min_eval_per_class={cfg.min_eval_per_class}: raise eval_identities")
    return data


def load_data(cfg, dfew_root: str | None = None, dfew_fold: int = 1, voxceleb2_list: str | None = None) -> MaeDferData:
    """The synthetic sets (:func:`synthetic_data`); ``cfg.dataset`` "DFEW" / "FERV39k" / "MAFW" reads VoxCeleb2
    and that benchmark instead (:mod:`.mae_dfer_real`; ``dfew_root``, ``dfew_fold``, ``voxceleb2_list``: the same
    paths as notebook parameters)."""
    if cfg.dataset != "synthetic" or dfew_root is not None:
        from fer_lib.protocols import mae_dfer_real
        return mae_dfer_real.load_data(mae_dfer_real.with_notebook_paths(cfg, dfew_root, dfew_fold, voxceleb2_list),
                                       MaeDferData)
    return synthetic_data(cfg)


def talking_clips(cfg, n_identities: int = 60) -> ClipDataset:
    """Windows of the generator's ``talking`` preset (speech-rate mouth, blinks, brows, faster pose drift) at
    the chapter's size: the data the motion target was made for, to measure beside the DFEW-like clips."""
    videos = load_synth(SynthConfig(domain="talking", n_identities=n_identities, clips_per_identity=1,
                                    frames_per_clip=cfg.clip_frames, size=cfg.image_size, seed=0))
    return ClipDataset(videos, "all", num_frames=cfg.frames, stride=cfg.stride)


def encoder_kwargs(cfg, name: str, drop_path: float = 0.0) -> dict:
    """Constructor arguments of encoder ``name`` from a chapter config (LGI-Former: dim/depth/heads/region;
    ViT: vit_dim/vit_depth/vit_heads; VideoMamba: dim/depth)."""
    common = dict(frames=cfg.frames, image_size=cfg.image_size, tubelet=cfg.tubelet, patch=cfg.patch,
                  drop_path=drop_path)
    arch = {"lgi_former": dict(dim=cfg.dim, depth=cfg.depth, num_heads=cfg.heads, region=tuple(cfg.region)),
            "vit": dict(dim=cfg.vit_dim, depth=cfg.vit_depth, num_heads=cfg.vit_heads),
            "video_mamba": dict(dim=cfg.dim, depth=cfg.depth)}
    return {**common, **arch[name]}


def per_process(batch: int) -> int:
    """A step's ``batch`` clips split over the torchrun processes (one process: all of them)."""
    world = ddp.get_world_size()
    if batch % world:
        raise ValueError(f"a batch of {batch} clips does not split over {world} processes")
    return batch // world


def epoch_steps(items: int, batch: int, what: str, key: str) -> int:
    """Steps in an epoch of ``items`` at ``batch``; none is an error naming the config key to lower."""
    if steps_per_epoch(items, batch) == 0:
        raise ValueError(f"{items} {what} give no batch of {batch}: lower -p {key} or add clips")
    return steps_per_epoch(items, batch)


def pretrain(cfg, name: str, motion: bool, dataset, seed: int, device, log: TrainingLog = QUIET,
             checkpoint_dir=None) -> dict:
    """Masked-autoencoder pretraining of encoder ``name``: part-window tube masks for the LGI-Former (its
    regions need them), plain tube masks for the others (VideoMAE), at the same ratio; the code's multi-scale
    crop on every window (``cfg.multiscale``). Returns method, history, seconds (0 when loaded finished).
    ``log``: the progress bar and history file (:mod:`.training_log`). ``checkpoint_dir``: checkpoint there and
    resume (:func:`.row_checkpoint.fit_checkpointing`). Under torchrun each process takes 1/world of a step's
    clips."""
    torch.manual_seed(seed)
    encoder = build_video_encoder(name, **encoder_kwargs(cfg, name))
    decoder = MAEDecoder(encoder.grid, encoder.dim, cfg.decoder_dim, cfg.decoder_depth, cfg.decoder_heads,
                         out_dim=cfg.tubelet * cfg.patch ** 2 * 3)
    window = tuple(cfg.mask_window) if name == "lgi_former" else None
    method = MAEDFERPretrain(encoder, decoder, cfg.mask_ratio, window, motion, cfg.motion_weight, seed=seed)
    if cfg.multiscale:
        dataset = Augmented(dataset, MultiScaleCrop(tuple(cfg.multiscale)))
    lr = cfg.pre_lr * cfg.pre_batch / 256  # the paper's linear scaling rule
    opt = torch.optim.AdamW(param_groups(method, cfg.weight_decay), lr=lr, betas=(0.9, 0.95))
    spe = epoch_steps(len(dataset), cfg.pre_batch, "pretraining clips", "pre_batch")
    sched = warmup_cosine(opt, cfg.pre_warmup_epochs * spe, cfg.pre_epochs * spe, cfg.pre_min_lr / cfg.pre_lr)
    result = log.fit(method, dataset, stage="pretrain", optimizers=opt, schedulers=sched,
                     batch_size=per_process(cfg.pre_batch), epochs=cfg.pre_epochs, device=device, seed=seed,
                     grad_clip=cfg.grad_clip, **fit_checkpointing(checkpoint_dir, cfg.checkpoint_every))
    return {"method": method, "history": result.history, "seconds": trained_seconds(result)}


def finetune(cfg, name: str, train_set, seed: int, device, encoder_state: dict | None = None,
             gaze: bool = False, log: TrainingLog = QUIET, checkpoint_dir=None) -> dict:
    """Fine-tune (from ``encoder_state`` with ``layer_decay``, or from scratch with ``scratch_layer_decay``) with
    the paper's augmentations (:func:`finetune_transform`), drop path and mixup/cutmix + label smoothing
    (classification) or the combined α·CE + L1(gaze) loss (``gaze``: no mixup); ``ft_steps`` > 0 trains that
    many steps (warmup a tenth), else ``ft_epochs``. ``checkpoint_dir``: as :func:`pretrain`."""
    torch.manual_seed(seed)
    encoder = build_video_encoder(name, **encoder_kwargs(cfg, name, cfg.drop_path))
    if encoder_state is not None:
        encoder.load_state_dict(encoder_state)
    mixup = None if gaze or cfg.mixup == 0 else video_mixup(cfg.num_classes, cfg.mixup, cfg.cutmix, cfg.smoothing)
    model = VideoClassifier(encoder, cfg.num_classes, pool_reps=True, num_reg=2 if gaze else 0,
                            alpha=cfg.gaze_alpha, mixup=mixup, label_smoothing=cfg.smoothing,
                            batch_norm_features=cfg.batch_norm_features)
    train_set = Augmented(train_set, finetune_transform(cfg.image_size, cfg.randaug_n, cfg.randaug_m,
                                                        tuple(cfg.rrc_scale), cfg.flip, cfg.erasing))
    lr = cfg.ft_lr * cfg.ft_batch / 256
    decay = cfg.layer_decay if encoder_state is not None else cfg.scratch_layer_decay
    groups = layer_decay_groups(model, lr=lr, weight_decay=cfg.weight_decay, layer_decay=decay,
                                num_layers=len(encoder.blocks) + 1, layer_id=video_layer_id, skip=SKIP_DECAY)
    opt = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999))
    spe = epoch_steps(len(train_set), cfg.ft_batch, "labelled training windows", "ft_batch")
    total = cfg.ft_steps or cfg.ft_epochs * spe
    warmup = total // 10 if cfg.ft_steps else cfg.warmup_epochs * spe
    sched = warmup_cosine(opt, warmup, total, cfg.ft_min_lr / cfg.ft_lr)
    epochs = -(-total // spe)
    result = log.fit(model, train_set, stage="finetune", optimizers=opt, schedulers=sched,
                     batch_size=per_process(cfg.ft_batch), epochs=epochs, max_steps=total, device=device, seed=seed,
                     grad_clip=cfg.grad_clip, **fit_checkpointing(checkpoint_dir, cfg.checkpoint_every))
    return {"model": model, "history": result.history, "seconds": trained_seconds(result)}


@torch.no_grad()
def clip_probabilities(cfg, model: VideoClassifier, test_set, device, batch_size: int = 16) -> dict:
    """Per clip: ``probs`` [N, K] (softmax averaged over cfg.test_temporal × cfg.test_spatial views),
    ``labels`` [N], and with a regression head ``reg`` [N, 2] and the clips' mean ``gaze`` [N, 2]."""
    model.eval().to(device)
    out = {"probs": [], "labels": [], "reg": [], "gaze": []}
    for batch in DataLoader(test_set, batch_size=batch_size, shuffle=False):
        pred = model.predict(batch["video"].to(device), cfg.frames, cfg.stride, cfg.test_temporal, cfg.test_spatial)
        out["probs"].append(pred["probs"].cpu().numpy())
        out["labels"].append(batch["label"].numpy())
        if pred["reg"] is not None:
            out["reg"].append(pred["reg"].cpu().numpy())
            out["gaze"].append(batch["gaze"].float().mean(1).numpy())
    return {k: np.concatenate(v) for k, v in out.items() if v}


def evaluate(cfg, model: VideoClassifier, test_set, device, batch_size: int = 16, seed: int = 0) -> dict:
    """UAR / WAR (%) of :func:`clip_probabilities`, the UAR's clip-bootstrap interval (``uar_low``,
    ``uar_high``), and the mean gaze angular error (degrees, vs the clip's mean gaze) when the model has a
    regression head."""
    t0 = time.perf_counter()
    out = clip_probabilities(cfg, model, test_set, device, batch_size)
    y, p = out["labels"], out["probs"].argmax(1)
    ci = clip_bootstrap_uar(y, p, cfg.num_classes, resamples=cfg.bootstrap, seed=seed)
    metrics = {"uar": ci["uar"], "war": 100 * war(y, p, cfg.num_classes), "uar_low": ci["low"],
               "uar_high": ci["high"], "eval_seconds": time.perf_counter() - t0}
    if "reg" in out:
        metrics["gaze_error_deg"] = float(angular_error_deg(out["gaze"], out["reg"]).mean())
    return metrics


def pretrained(encoder: str, motion: bool, cfg, data: MaeDferData, run) -> dict:
    """:func:`pretrain` of (encoder, motion) with ``cfg.pre_seed`` on ``data.pretrain_set``, run once and kept in
    ``data.pretrained``: every evaluation seed reads out the same pretraining (its seed draws the labels).
    Checkpointed in :func:`~.mae_dfer_checkpoints.pretrain_dir` under ``run.checkpoint_root()`` (a finished one
    is loaded)."""
    key = (encoder, motion)
    if key not in data.pretrained:
        with run.stage("pretrain"):
            log = TrainingLog(run, pretraining_name(encoder, motion), cfg.pre_seed)
            data.pretrained[key] = pretrain(cfg, encoder, motion, data.pretrain_set, cfg.pre_seed,
                                            run.torch_device, log,
                                            pretrain_dir(run.checkpoint_root(), encoder, motion, cfg))
    return data.pretrained[key]


def pretraining_name(encoder: str, motion: bool) -> str:
    """E.g. ``lgi_former+motion``: the pretraining's name in logs, histories and :func:`trainable_rows`."""
    return encoder + ("+motion" if motion else "")


def arm_encoder(arm: Arm, cfg, data: MaeDferData, seed: int, run):
    """The arm's encoder: its pretraining's, or a random initialisation drawn with ``seed``."""
    if arm.pretrained:
        return pretrained(arm.encoder, arm.motion, cfg, data, run)["method"].encoder
    torch.manual_seed(seed)
    return build_video_encoder(arm.encoder, **encoder_kwargs(cfg, arm.encoder))


def arm_features(arm: Arm, cfg, data: MaeDferData, seed: int, run) -> dict:
    """Frozen token features {"train", "test"} of the arm (pretrained: one for all seeds), kept in
    ``data.features``."""
    key = (arm.name, cfg.pre_seed if arm.pretrained else seed)
    if key not in data.features:
        encoder = arm_encoder(arm, cfg, data, seed, run)
        with run.stage("features"):
            data.features[key] = {split: token_features(encoder, dataset, run.torch_device)
                                  for split, dataset in (("train", data.probe_train), ("test", data.probe_test))}
    return data.features[key]


def labelled_windows(train_set, probe_train, fraction: float, seed: int):
    """The training windows of a class-stratified ``fraction`` of the training clips (drawn with ``seed``)."""
    clips = label_subset(clip_targets(probe_train), fraction, seed)
    if fraction == 1 or not hasattr(train_set, "index"):
        return train_set if fraction == 1 else Subset(train_set, clips)
    chosen = np.asarray(probe_train.index)[clips, 0]
    return Subset(train_set, np.flatnonzero(np.isin(np.asarray(train_set.index)[:, 0], chosen)))


def run_row(row: Row, cfg, data: MaeDferData, seed: int, run) -> dict:
    """One (row, seed): a probe on frozen features with ``row.fraction`` of the labels, or fine-tuning on those
    clips' windows, evaluated on the evaluation clips. Returns {"row", "seed", "labelled", "uar", "war",
    "uar_low", "uar_high", "seconds"} (+ "gaze_error_deg" for the gaze row); fine-tuned models are kept in
    ``data.models[(row.row, seed)]``."""
    t0 = time.perf_counter()
    if row.evaluation == "probe":
        feats = arm_features(row.arm, cfg, data, seed, run)
        subset = label_subset(feats["train"]["y"], row.fraction, seed)
        with run.stage("probe"):
            metrics = linear_probe(feats["train"], feats["test"], subset, cfg.num_classes, cfg.probe_c,
                                   cfg.bootstrap, seed)
        return {"row": row.row, "seed": seed, **metrics, "seconds": round(time.perf_counter() - t0, 1)}
    state = arm_encoder(row.arm, cfg, data, seed, run).state_dict() if row.pretrained else None
    train = labelled_windows(data.train_set, data.probe_train, row.fraction, seed)
    with run.stage("finetune_gaze" if row.gaze else "finetune"):
        out = finetune(cfg, row.encoder, train, seed, run.torch_device, encoder_state=state, gaze=row.gaze,
                       log=TrainingLog(run, row.row, seed),
                       checkpoint_dir=finetune_dir(run.checkpoint_root(), row, cfg, seed))
    metrics = evaluate(cfg, out["model"], data.test_set, run.torch_device, seed=seed)
    data.models[(row.row, seed)] = out["model"]
    return {"row": row.row, "seed": seed, "labelled": len(train), **metrics, "seconds": round(out["seconds"], 1)}


def trainable_rows(cfg) -> dict[str, Arm | Row]:
    """What :mod:`.train` can train outside the notebook: the pretrainings (by :func:`pretraining_name`, seed
    ``cfg.pre_seed`` whatever the seed asked for) and the fine-tuned rows (the gaze row on synthetic data only)."""
    pretrainings = {pretraining_name(a.encoder, a.motion): a for a in ARMS if a.pretrained}
    rows = [r for r in ROWS if r.evaluation == "finetune"] + ([GAZE_ROW] if cfg.dataset == "synthetic" else [])
    return pretrainings | {r.row: r for r in rows}


def train_row(row: Arm | Row, cfg, data: MaeDferData, seed: int, device, checkpoint_root) -> Path:
    """Train (resume, or find finished) a pretraining (an :class:`Arm`) or a fine-tuned row (its pretraining
    first) into its checkpoint folder under ``checkpoint_root``; returns the folder (the :mod:`.train` entry)."""
    if isinstance(row, Arm):
        folder = pretrain_dir(checkpoint_root, row.encoder, row.motion, cfg)
        pretrain(cfg, row.encoder, row.motion, data.pretrain_set, cfg.pre_seed, device, checkpoint_dir=folder)
        return folder
    state = None
    if row.pretrained:
        pre = pretrain(cfg, row.encoder, row.motion, data.pretrain_set, cfg.pre_seed, device,
                       checkpoint_dir=pretrain_dir(checkpoint_root, row.encoder, row.motion, cfg))
        state = pre["method"].encoder.state_dict()
    folder = finetune_dir(checkpoint_root, row, cfg, seed)
    finetune(cfg, row.encoder, labelled_windows(data.train_set, data.probe_train, row.fraction, seed), seed, device,
             encoder_state=state, gaze=row.gaze, checkpoint_dir=folder)
    return folder


def save_model(data: MaeDferData, row: Row, seed: int, cfg, folder) -> Path:
    """The model :func:`run_row` fine-tuned for (row, seed) as ``<folder>/<row>-seed<seed>.pt``, a checkpoint
    ``fer-book predict --checkpoint`` loads (architecture, the data's class list, the clip it reads)."""
    path = Path(folder) / f"{folder_name(row.row)}-seed{seed}.pt"
    return save_finetuned(path, data.models[(row.row, seed)], cfg, row.encoder,
                          encoder_kwargs(cfg, row.encoder, cfg.drop_path), data.classes)


def summarise(records: list[dict], rows: tuple[Row, ...]) -> list[dict]:
    """One numeric line per row run, in ``rows`` order: row, evaluation, label fraction (%), the paper's row name
    (``model``, the arm's own name when the paper has none), seeds, UAR and WAR (%) as mean over seeds with
    ``UAR_std``, ``WAR_std``, and the first seed's clip-bootstrap 95 % interval of the UAR."""
    named = [{**r, "UAR": r["uar"], "WAR": r["war"]} for r in records]
    by_row = {s["row"]: s for s in summarise_seeds(named, ["UAR", "WAR"])}
    first = {}
    for r in records:
        first.setdefault(r["row"], r)
    return [{"row": row.row, "evaluation": row.evaluation, "labels (%)": round(100 * row.fraction),
             "model": row.paper_row or row.arm.name, **by_row[row.row],
             "UAR 95 % clip interval (first seed)": f"[{first[row.row]['uar_low']:.1f}, "
                                                     f"{first[row.row]['uar_high']:.1f}]"}
            for row in rows if row.row in by_row]


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
