"""The ABAW6 two-phase pipeline on the embedded synthetic data: what one table row of the chapter runs.

Data (``load_data``): an Aff-Wild2-like labelled video set with 8 classes incl. "other" (synthetic domain
``affwild2``; a fraction of its training clips labelled, the rest unlabelled, as the paper makes the
remaining Aff-Wild2 images unlabelled), an extra labelled still set from another domain with the 7 basic
classes and no "other" (the AffectNet + ExpW role) and an unlabelled face-recognition pool, many identities,
neutral-heavy (the MS1MV2 role). Evaluation: per-frame macro F1 over the 8 classes on a separately rendered
set of held-out identities in which every class appears in enough clips, with a bootstrap interval over clips.

Phase 1 (``train_spatial``), every scored network at one labelled budget (:func:`labelled_budget`):
baseline = supervised on the labelled Aff-Wild2 frames; SSL = teacher warm-up, teacher-student
(``fer_lib.methods.mpl.TeacherStudent``) through the engine, then the student fine-tuned on labelled data.
Each stage checkpoints into :func:`checkpoint_dir` and resumes from there: an interrupted chapter continues
where it stopped, and a phase 1 trained beforehand, in the chapter or data-parallel under torchrun by
``python -m fer_lib.protocols.train abaw6`` (:func:`trainable_rows`, :func:`train_row`), is loaded, not
retrained. Phase 2 (``train_temporal``): frozen student backbone -> per-frame features -> temporal Transformer
-> per-frame labels (class-weighted as phase 1 is balanced), then the sliding-window vote; cheap, it stays in
the notebook, on one device. Loops over batches live in the engine only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from fer_lib.augment.weak_strong import centre_crop
from fer_lib.data.feature_windows import FeatureWindows
from fer_lib.data.labels import AFFWILD2_8
from fer_lib.data.paired import Concat, Frames, LabelledUnlabelled, Relabelled
from fer_lib.data.samplers import ClassBalancedSampler
from fer_lib.data.synth import SynthConfig, load_synth
from fer_lib.engine import distributed as ddp
from fer_lib.engine.features import embed
from fer_lib.engine.optim import warmup_cosine
from fer_lib.engine.trainer import FitResult
from fer_lib.experiments.abaw6 import Row
from fer_lib.methods.finetune_weak import WeakSupervised
from fer_lib.methods.mpl import TeacherStudent, pseudo_label_track, to_float_images
from fer_lib.methods.temporal import TemporalClassifier, inverse_frequency_weights, predict_videos
from fer_lib.metrics.bootstrap import clip_bootstrap_macro_f1
from fer_lib.metrics.classification import macro_f1
from fer_lib.metrics.temporal import window_vote_videos
from fer_lib.models.temporal import TemporalEncoder
from fer_lib.predict.classifier import resnet_linear, save_classifier
from fer_lib.protocols.abaw6_checkpoints import (NOT_TRAINING, SPATIAL_FIELDS, checkpoint_dir,  # noqa: F401
                                                 trainable_rows)
from fer_lib.protocols.row_checkpoint import fit_checkpointing
from fer_lib.protocols.training_log import QUIET, TrainingLog

K = len(AFFWILD2_8)


@dataclass
class AbawData:
    """Frames datasets (items: image uint8 [3, H, W], expression in AFFWILD2_8 order) and video ids [N]."""

    labelled: Frames          # Aff-Wild2-like labelled training frames
    labelled_video: np.ndarray
    unlabelled: Frames        # remaining Aff-Wild2-like training frames (labels hidden: logging only)
    extra: Relabelled         # extra labelled stills, 7 classes mapped into AFFWILD2_8 (no "other")
    pool: Relabelled          # unlabelled FR pool (hidden labels mapped; contempt -> other)
    evaluation: Frames        # held-out identities' frames (a separate render; every class in >= N clips)
    evaluation_video: np.ndarray
    trained: dict = field(default_factory=dict)  # phase-1/2 results by (spatial, seed): rows that share them
    loaders: list = field(default_factory=list)  # real data: the format loaders (their corrupt-image skips)


def _clip_frames(videos, clips: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frames [N, H, W, 3], labels [N], video ids [N] of ``clips`` (clip-major: a video's frames contiguous)."""
    frames = np.asarray(videos.frames[clips]).reshape(-1, *videos.frames.shape[2:])  # [n*T, H, W, 3]
    labels = videos.expression[clips].reshape(-1)
    vid = np.repeat(clips, videos.frames.shape[1])
    return frames, labels, vid


def clips_per_class(labels: np.ndarray, video: np.ndarray) -> np.ndarray:
    """Number of clips [K] in which each AFFWILD2_8 class has at least one frame; labels, video: [N]."""
    pairs = np.unique(np.stack([np.asarray(video), np.asarray(labels)]), axis=1)  # [2, distinct (clip, class)]
    return np.bincount(pairs[1], minlength=K)


def _validation_frames(cfg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The evaluation set: every clip of a separately rendered Aff-Wild2-like set (seed ``data_seed + 1``, so
    other identities than the training set's); checks, from the generator's frame labels, that every class
    appears in at least ``cfg.val_min_clips_per_class`` clips (else macro F1 cannot be measured)."""
    val = load_synth(SynthConfig(domain="affwild2", n_identities=cfg.val_identities,
                                 clips_per_identity=cfg.val_clips_per_identity, frames_per_clip=cfg.aw2_frames_per_clip,
                                 size=cfg.image_size, seed=cfg.data_seed + 1))
    x, y, v = _clip_frames(val, val.clips("all"))
    counts = clips_per_class(y, v)
    short = {AFFWILD2_8[k]: int(n) for k, n in enumerate(counts) if n < cfg.val_min_clips_per_class}
    if short:
        raise ValueError(f"validation set (val_identities={cfg.val_identities}, val_clips_per_identity="
                         f"{cfg.val_clips_per_identity}): classes in fewer than val_min_clips_per_class="
                         f"{cfg.val_min_clips_per_class} clips: {short}; render more identities")
    return x, y, v


def load_data(cfg) -> AbawData:
    """Render (or load from the cache) the synthetic sets of ``cfg`` (the chapter's Config): training
    (labelled, unlabelled, extra, pool) and the held-out validation set of :func:`_validation_frames`;
    ``cfg.dataset="real"``: Aff-Wild2, AffectNet, ExpW and MS1MV2 from disk instead (:mod:`.abaw6_real`)."""
    if cfg.dataset == "real":
        from fer_lib.protocols import abaw6_real
        return abaw6_real.load_data(cfg, AbawData)
    aw2 = load_synth(SynthConfig(domain="affwild2", n_identities=cfg.aw2_identities,
                                 clips_per_identity=cfg.aw2_clips_per_identity,
                                 frames_per_clip=cfg.aw2_frames_per_clip, size=cfg.image_size, seed=cfg.data_seed))
    if tuple(aw2.classes) != AFFWILD2_8:
        raise ValueError(f"affwild2 domain classes {aw2.classes} are not AFFWILD2_8")
    train = aw2.clips("train")
    n_lab = max(1, int(round(cfg.aw2_labelled_fraction * len(train))))
    lab_clips, unl_clips = train[:n_lab], train[n_lab:]
    lab_x, lab_y, lab_v = _clip_frames(aw2, lab_clips)
    unl_x, unl_y, _ = _clip_frames(aw2, unl_clips)
    ev_x, ev_y, ev_v = _validation_frames(cfg)
    extra = load_synth(SynthConfig(domain=cfg.extra_domain, n_identities=cfg.extra_identities, clips_per_identity=1,
                                   frames_per_clip=cfg.extra_frames_per_clip, size=cfg.image_size, seed=cfg.data_seed))
    ex_x, ex_y, _ = _clip_frames(extra, np.arange(len(extra)))
    pool = load_synth(SynthConfig(domain=cfg.pool_domain, n_identities=cfg.pool_identities, clips_per_identity=1,
                                  frames_per_clip=cfg.pool_frames_per_clip, size=cfg.image_size, seed=cfg.data_seed))
    po_x, po_y, _ = _clip_frames(pool, np.arange(len(pool)))
    return AbawData(
        labelled=Frames(lab_x, lab_y), labelled_video=lab_v, unlabelled=Frames(unl_x, unl_y),
        extra=Relabelled(Frames(ex_x, ex_y), tuple(extra.classes), AFFWILD2_8),
        pool=Relabelled(Frames(po_x, po_y), tuple(pool.classes), AFFWILD2_8, missing_as="other"),
        evaluation=Frames(ev_x, ev_y), evaluation_video=ev_v)


def class_distribution(labels: np.ndarray) -> list[float]:
    """Fraction of each AFFWILD2_8 class in ``labels`` [N] (negative = unknown, left out)."""
    labels = np.asarray(labels)
    counts = np.bincount(labels[labels >= 0], minlength=K).astype(float)
    return (counts / max(counts.sum(), 1)).tolist()


def classifier_arch(cfg) -> dict:
    """The keyword arguments of :func:`~fer_lib.predict.classifier.resnet_linear` for this config."""
    return {"depth": cfg.backbone_depth, "width": cfg.backbone_width, "stem_stride": cfg.stem_stride}


def make_classifier(cfg) -> nn.Sequential:
    """ResNet backbone (pooled features [B, D]) + linear head -> logits [B, 8] (the network predict rebuilds)."""
    return resnet_linear(K, **classifier_arch(cfg))


def save_student(data: AbawData, row: Row, seed: int, cfg, folder: str | Path) -> Path:
    """The phase-1 student this run trained for (row, seed) as a checkpoint ``fer-book predict --checkpoint``
    loads: ``<folder>/<row>-seed<seed>.pt`` with its architecture, the Aff-Wild2 classes, the crop size and the
    centre crop it is evaluated on."""
    student = data.trained[(row.spatial, seed)]["student"]
    return save_classifier(Path(folder) / f"{row.row}-seed{seed}.pt", student, arch="resnet_linear",
                           arch_kwargs=classifier_arch(cfg), classes=AFFWILD2_8, size=cfg.image_size,
                           scaling="signed", crop_fraction=cfg.crop_fraction)


def _sgd(model: nn.Module, lr: float, cfg) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=cfg.momentum, nesterov=True,
                           weight_decay=cfg.weight_decay)


def _supervised(model: nn.Module, labelled, sampler, opt, schedule, steps: int, cfg, seed: int, device,
                log: TrainingLog = QUIET, stage: str = "supervised", batch_size: int | None = None,
                folder: Path | None = None) -> FitResult:
    """WeakSupervised training of ``model`` for ``steps`` steps of ``opt`` / ``schedule`` (per-process batch
    ``batch_size``, default ``cfg.batch_size``); with ``folder``: checkpointed there and resumed."""
    return log.fit(WeakSupervised(model, seed=seed, crop_fraction=cfg.crop_fraction), labelled, stage=stage,
                   optimizers=opt, schedulers=schedule, batch_size=batch_size or cfg.batch_size, max_steps=steps,
                   device=device, seed=seed, sampler=sampler, log_every=cfg.log_every,
                   **fit_checkpointing(folder, cfg.checkpoint_every))


def evaluation_view(cfg):
    """uint8 images [B, 3, H, W] -> float [B, 3, h, w]: the centre crop matching training's random crop."""
    return lambda images: to_float_images(centre_crop(images, cfg.crop_fraction))


def predict(model: nn.Module, frames: Frames, cfg, device) -> np.ndarray:
    """Predicted labels [N] of a classifier over ``frames`` (their centre crops)."""
    logits, _ = embed(model, frames, device=device, preprocess=evaluation_view(cfg), label_keys=())
    return logits.argmax(1)


def labelled_budget(row: Row, cfg) -> dict:
    """Labelled-batch steps of each network of a row's phase 1 (each step: ``cfg.batch_size`` labelled images).

    The budget N = ``cfg.labelled_steps``: the baseline trains N steps; an SSL teacher N steps too, its warm-up
    (``teacher_warmup_steps`` if the row has it) and then the teacher-student phase, one cosine over both;
    the student's fine-tune (if the profile and row have it) N steps at the baseline's lr and schedule, so a
    student and the baseline differ only in where they start. Returns dict(teacher_warmup, teacher_student,
    student_finetune, baseline, teacher_labelled_images, student_labelled_images).
    """
    n = cfg.labelled_steps
    if not row.ssl:
        steps = {"teacher_warmup": 0, "teacher_student": 0, "student_finetune": 0, "baseline": n}
        return steps | {"teacher_labelled_images": 0, "student_labelled_images": n * cfg.batch_size}
    warm = cfg.teacher_warmup_steps if row.warmup else 0
    if warm >= n:
        raise ValueError(f"teacher_warmup_steps ({warm}) must be below labelled_steps ({n}): the teacher-student "
                         "phase has the rest of the teacher's labelled budget")
    finetune = n if cfg.student_finetune and row.finetune else 0
    steps = {"teacher_warmup": warm, "teacher_student": n - warm, "student_finetune": finetune, "baseline": 0}
    return steps | {"teacher_labelled_images": n * cfg.batch_size, "student_labelled_images": finetune * cfg.batch_size}


def spatial_samplers(row: Row, labels: np.ndarray, cfg, seed: int, rank: int = 0, world_size: int = 1) -> dict:
    """The labelled samplers of phase 1: {"teacher": the paper's Smp(.) for the warm-up (None when the row switches
    it off), "pairs": the same draw, whole, for the teacher-student pairs (the engine shards the pairs),
    "supervised": the baseline's and the student fine-tune's, always class-balanced}. labels: [N]. The
    fits' samplers take process ``rank``'s share of each epoch
    (:class:`~fer_lib.data.samplers.ClassBalancedSampler`)."""
    def balanced(rank: int = rank, world_size: int = world_size):
        return ClassBalancedSampler(labels, per_class=cfg.per_class, seed=seed, rank=rank, world_size=world_size)
    if not row.teacher_balanced:
        return {"teacher": None, "pairs": None, "supervised": balanced()}
    return {"teacher": balanced(), "pairs": balanced(0, 1), "supervised": balanced()}


def train_row(row: Row, cfg, data: AbawData, seed: int, device, checkpoint_root: str | Path) -> Path:
    """Train (resume, or find finished) phase 1 of ``row`` into its :func:`checkpoint_dir` without evaluating it
    (the :mod:`.train` entry point; :func:`run_row` then loads it)."""
    train_spatial(row, cfg, data, seed, device, checkpoint_root=checkpoint_root, scored=False)
    return checkpoint_dir(checkpoint_root, row, cfg, seed)


def train_spatial(row: Row, cfg, data: AbawData, seed: int, device, log: TrainingLog = QUIET,
                  checkpoint_root: str | Path | None = None, scored: bool = True) -> dict:
    """Phase 1 for one table row, at the labelled budget of :func:`labelled_budget`.

    Returns dict(student=classifier, f1 (student, per frame, %), teacher_f1 (after the teacher-student phase),
    teacher_warmup_f1 (after the teacher's supervised warm-up, if any), student_ts_f1 (the student before its
    fine-tune), predictions [N] (the student's, on the evaluation frames), history (SSL phase), seconds (None
    when every stage was loaded from its finished checkpoint)); ``scored=False``: no evaluation (f1 and
    predictions None). ``log``: the progress bars and history files of its fits (:mod:`.training_log`).
    With ``checkpoint_root`` every stage checkpoints into ``checkpoint_dir(...)/<stage>`` and resumes. Under
    torchrun each process takes 1/world of every batch of ``cfg.batch_size`` labelled images.
    """
    t0 = time.perf_counter()
    world = ddp.get_world_size()
    if cfg.batch_size % world:
        raise ValueError(f"batch_size {cfg.batch_size} does not split over {world} processes")
    batch = cfg.batch_size // world
    folder = None if checkpoint_root is None else checkpoint_dir(checkpoint_root, row, cfg, seed)
    stage_dir = lambda name: None if folder is None else folder / name  # noqa: E731
    torch.manual_seed(seed)
    labelled = Concat([data.labelled, data.extra]) if row.extra else Concat([data.labelled])
    samplers = spatial_samplers(row, labelled.labels, cfg, seed, ddp.get_rank(), world)
    budget = labelled_budget(row, cfg)
    evaluate = lambda model: predict(model, data.evaluation, cfg, device)  # noqa: E731
    score = lambda model: 100 * macro_f1(data.evaluation.labels, evaluate(model), K) if scored else None  # noqa: E731
    student = make_classifier(cfg)
    out, fits = {"history": [], "teacher_f1": None, "teacher_warmup_f1": None, "student_ts_f1": None}, []
    if not row.ssl:
        opt = _sgd(student, cfg.teacher_lr, cfg)
        fits.append(_supervised(student, labelled, samplers["supervised"], opt,
                                warmup_cosine(opt, 0, budget["baseline"]), budget["baseline"], cfg, seed, device, log,
                                batch_size=batch, folder=stage_dir("baseline")))
    else:
        torch.manual_seed(seed + 1000)
        teacher = make_classifier(cfg)
        opt_t = _sgd(teacher, cfg.teacher_lr, cfg)
        schedule_t = warmup_cosine(opt_t, 0, cfg.labelled_steps)  # one cosine over warm-up + teacher-student phase
        if budget["teacher_warmup"]:
            fits.append(_supervised(teacher, labelled, samplers["teacher"], opt_t, schedule_t,
                                    budget["teacher_warmup"], cfg, seed + 1, device, log, "teacher warm-up",
                                    batch_size=batch, folder=stage_dir("teacher_warmup")))
            out["teacher_warmup_f1"] = score(teacher)
        unlabelled = Concat([data.unlabelled, data.pool]) if row.pool else Concat([data.unlabelled])
        pairs = LabelledUnlabelled(labelled, unlabelled, cfg.unlabelled_per_item, labelled_sampler=samplers["pairs"],
                                   seed=seed)
        opts = {"student": _sgd(student, cfg.student_lr, cfg), "teacher": opt_t}
        method = TeacherStudent(teacher, student, K, seed=seed, consistency_weight=cfg.consistency_weight,
                                feedback_weight=cfg.feedback_weight if row.feedback else 0.0,
                                mpl_code_sign=cfg.mpl_code_sign, exact_feedback=cfg.exact_feedback,
                                student_optimizer=opts["student"], randaugment_magnitude=cfg.randaugment_magnitude,
                                crop_fraction=cfg.crop_fraction, cutout_fraction=cfg.cutout_fraction)
        schedulers = {"student": warmup_cosine(opts["student"], 0, budget["teacher_student"]), "teacher": schedule_t}
        fits.append(log.fit(method, pairs, stage="teacher-student", optimizers=opts, schedulers=schedulers,
                            batch_size=batch, max_steps=budget["teacher_student"], device=device, seed=seed,
                            log_every=cfg.log_every,
                            **fit_checkpointing(stage_dir("teacher_student"), cfg.checkpoint_every)))
        out["history"] = fits[-1].history
        out["teacher_f1"] = score(teacher)
        if budget["student_finetune"]:
            out["student_ts_f1"] = score(student)
            opt = _sgd(student, cfg.teacher_lr, cfg)
            fits.append(_supervised(student, labelled, samplers["supervised"], opt,
                                    warmup_cosine(opt, 0, budget["student_finetune"]), budget["student_finetune"],
                                    cfg, seed, device, log, "student fine-tune", batch_size=batch,
                                    folder=stage_dir("student_finetune")))
    out["student"] = student
    out["predictions"] = evaluate(student) if scored else None
    out["f1"] = 100 * macro_f1(data.evaluation.labels, out["predictions"], K) if scored else None
    trained = any(f.samples_per_s > 0 for f in fits)   # 0: loaded from a finished checkpoint
    out["seconds"] = time.perf_counter() - t0 if trained else None
    return out


def train_temporal(student: nn.Sequential, cfg, data: AbawData, seed: int, device, context: bool = True,
                   log: TrainingLog = QUIET) -> dict:
    """Phase 2: frozen ``student[0]`` features -> temporal encoder; returns F1 (%) without and with the vote.

    Trained as phase 1 is, class-balanced: CE weighted by :func:`inverse_frequency_weights` of the labelled
    frames. ``context=False``: the same model and training on windows of one frame (frame level), with
    ``temporal_window`` times the batch so that every step sees as many frames.
    """
    t0 = time.perf_counter()
    backbone = student[0]
    window = cfg.temporal_window if context else 1
    train_feats, _ = embed(backbone, data.labelled, device=device, preprocess=evaluation_view(cfg), label_keys=())
    eval_feats, _ = embed(backbone, data.evaluation, device=device, preprocess=evaluation_view(cfg), label_keys=())
    windows = FeatureWindows(train_feats, data.labelled.labels, data.labelled_video, window, max(1, window // 2))
    torch.manual_seed(seed)
    model = TemporalEncoder(train_feats.shape[1], K, dim=cfg.temporal_dim, depth=cfg.temporal_depth,
                            heads=cfg.temporal_heads, max_frames=window)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.temporal_lr, weight_decay=0.05)
    weights = inverse_frequency_weights(data.labelled.labels, K)
    batch = cfg.batch_size * (cfg.temporal_window // window)
    log.fit(TemporalClassifier(model, class_weights=weights), windows,
            stage="temporal" if context else "frame-level", optimizers=opt,
            schedulers=warmup_cosine(opt, 0, cfg.temporal_steps), batch_size=min(batch, len(windows)),
            max_steps=cfg.temporal_steps, device=device, seed=seed, log_every=cfg.log_every)
    logits = predict_videos(model, torch.as_tensor(eval_feats), data.evaluation_video, window, max(1, window // 2),
                            device=device)
    frame_pred = logits.argmax(1).numpy()
    voted = window_vote_videos(frame_pred, data.evaluation_video, cfg.vote_window, cfg.vote_stride, K)
    y = data.evaluation.labels
    return {"f1": 100 * macro_f1(y, frame_pred, K), "f1_vote": 100 * macro_f1(y, voted, K),
            "predictions": frame_pred, "voted": voted, "seconds": time.perf_counter() - t0}


def run_row(row: Row, cfg, data: AbawData, seed: int, run) -> dict:
    """One (row, seed) of the table on ``run.torch_device``: phase 1 (kept in ``data.trained`` per row.spatial and
    seed, so rows that share it train it once; checkpointed under ``run.checkpoint_root()``: an interrupted row
    resumes, and one trained beforehand, e.g. by :mod:`.train`, is loaded), phase 2 if the row asks. Returns the
    record: row, method, seed, f1 / teacher_f1 / teacher_warmup_f1 / student_ts_f1 (%), f1_clip_low /
    f1_clip_high (the clip bootstrap's 95 % interval), the labelled budget, predicted_frac [K], timings
    (spatial_s None when phase 1 was loaded) and, for SSL rows, the pseudo-label track."""
    with run.stage(f"row {row.row}"):
        return _run_row(row, cfg, data, seed, run.torch_device, data.trained, TrainingLog(run, row.row, seed),
                        run.checkpoint_root())


def _run_row(row: Row, cfg, data: AbawData, seed: int, device, cache: dict, log: TrainingLog = QUIET,
             checkpoint_root: Path | None = None) -> dict:
    key = (row.spatial, seed)
    if key not in cache:
        cache[key] = train_spatial(row, cfg, data, seed, device, log, checkpoint_root)
    spatial = cache[key]
    predictions = spatial["predictions"]
    record = {"row": row.row, "method": row.method, "seed": seed, "f1": spatial["f1"],
              "teacher_f1": spatial["teacher_f1"], "teacher_warmup_f1": spatial["teacher_warmup_f1"],
              "student_ts_f1": spatial["student_ts_f1"],
              "spatial_s": None if spatial["seconds"] is None else round(spatial["seconds"], 2),
              **labelled_budget(row, cfg)}
    if row.temporal:
        tkey = ("temporal", row.spatial, row.context, seed)
        if tkey not in cache:
            cache[tkey] = train_temporal(spatial["student"], cfg, data, seed, device, context=row.context, log=log)
        temporal = cache[tkey]
        record["f1"] = temporal["f1_vote"] if row.vote else temporal["f1"]
        predictions = temporal["voted"] if row.vote else temporal["predictions"]
        record["temporal_s"] = round(temporal["seconds"], 2)
    interval = clip_bootstrap_macro_f1(data.evaluation.labels, predictions, data.evaluation_video, K,
                                       resamples=cfg.bootstrap_resamples, seed=seed)
    record |= {"f1_clip_low": 100 * interval["low"], "f1_clip_high": 100 * interval["high"]}
    record["predicted_frac"] = class_distribution(predictions)
    if spatial["history"]:
        record["pseudo_labels"] = pseudo_label_track(spatial["history"], K)
    return record


def summarise(records: list[dict], rows: tuple[Row, ...]) -> list[dict]:
    """Table rows: mean and sample std of F1 over seeds (plus the per-seed values) in ``rows`` order, and the
    clip-bootstrap interval of the evaluation set (95 %, its ends averaged over seeds)."""
    out = []
    for row in rows:
        f1 = [r["f1"] for r in records if r["row"] == row.row]
        if not f1:
            continue
        mine = [r for r in records if r["row"] == row.row]
        teacher = [r["teacher_f1"] for r in mine if r.get("teacher_f1") is not None]
        warm = [r["teacher_warmup_f1"] for r in mine if r.get("teacher_warmup_f1") is not None]
        low = [r["f1_clip_low"] for r in mine if r.get("f1_clip_low") is not None]
        high = [r["f1_clip_high"] for r in mine if r.get("f1_clip_high") is not None]
        out.append({"row": row.row, "method": row.method, "f1": round(float(np.mean(f1)), 2),
                    "f1_std": round(float(np.std(f1, ddof=1)) if len(f1) > 1 else 0.0, 2),
                    "f1_seeds": [round(v, 2) for v in f1], "n_seeds": len(f1),
                    "teacher_f1": round(float(np.mean(teacher)), 2) if teacher else None,
                    "teacher_warmup_f1": round(float(np.mean(warm)), 2) if warm else None,
                    "f1_clip_low": round(float(np.mean(low)), 2) if low else None,
                    "f1_clip_high": round(float(np.mean(high)), 2) if high else None,
                    "in_paper": row.in_paper})
    return out
