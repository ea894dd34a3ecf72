"""The SSL-FER chapter's protocol, one table row at a time: pretraining, frozen evaluation, mechanisms.

    data = load_data(cfg)                              # rendered sets + per-frame mouth-eye descriptors
    record = run_row(row, cfg, data, seed, run)        # pretrain (or load its checkpoint) + evaluate
    table = summarise(records, rows)                   # mean and std over seeds per row (numeric)
    premises = premise_table(data, cfg)               # each pool against the strategies' premises
    curve = learning_curve(rows, cfg, data, seed, run, records)   # rows along training (snapshots)

What each strategy does to positives and negatives, against the ground truth, is
:mod:`.ssl_fer_mechanism`'s; the Reading's values are :mod:`.ssl_fer_reading`'s. ``cfg.dataset="real"`` swaps the synthetic sets for VoxCeleb1, AffectNet and LFW (:mod:`.ssl_fer_data`,
:mod:`.ssl_fer_real`). Every row trains the same backbone for the same number of optimizer steps on the same
number of images per step (``cfg.views_per_step``; ``equal_clips_per_step`` trades that for equal clips), every
step's items from distinct clips, so rows differ only in what makes a positive and a negative.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from fer_lib.augment.landmark_mask import random_landmark_mask
from fer_lib.augment.views import ViewConfig, plain_view
from fer_lib.data.paired import Frames
from fer_lib.engine import distributed as ddp
from fer_lib.engine.features import embed
from fer_lib.engine.trainer import FitResult
from fer_lib.experiments.ssl_fer import CURVE_ROWS, ROWS, Row
from fer_lib.faces.swap import swap_faces
from fer_lib.methods.byol import BYOL
from fer_lib.methods.moco import MoCo
from fer_lib.methods.ssl_fer import SSLFER, Strategies
from fer_lib.metrics.classification import confusion
from fer_lib.metrics.scene import scene_sensitivity
from fer_lib.models.resnet import ResNetBackbone
from fer_lib.nn.momentum import budget_momentum
from fer_lib.engine.checkpoint import load_checkpoint
from fer_lib.protocols import ssl_fer_real as real
from fer_lib.protocols.ssl_fer_curve import CURVE_COLUMNS, curve_steps, snapshot_callback, snapshot_path
from fer_lib.protocols.ssl_fer_premises import premise_table  # noqa: F401 (the chapter's premise table)
from fer_lib.protocols.probes import (FineTuneClassifier, ProbeResult, fine_tune, identity_leakage_probe, linear_probe,
                                     ridge_probe)
from fer_lib.protocols.ssl_fer_data import (SSLFERData, batch_sampler, expression_sets, identity_frames,  # noqa: F401
                                            load_data, map_frames, pool_data, total_steps, tuple_dataset)
from fer_lib.protocols.training_log import QUIET, TrainingLog
from fer_lib.results import format_summary, summarise_seeds
from fer_lib.protocols.row_checkpoint import fit_checkpointing, row_checkpoint_dir

#: Config keys that change only the evaluation or the bookkeeping, never a row's pretraining: a checkpoint
#: stays valid when they change (see :func:`checkpoint_dir`).
NOT_TRAINING = ("seeds", "eval_identities", "eval_clips_per_identity", "eval_frames_per_clip", "eval_test_fraction",
                "eval_frame_step", "identity_frame_step", "identity_set_identities", "identity_set_clips",
                "identity_set_frames", "scene_triplets", "scene_resamples", "eval_protocol", "probe_epochs", "probe_lr", "finetune_epochs",
                "mechanism_tuples", "swap_oracle_pairs", "tsne_points", "num_workers", "checkpoint_every", "curve_length",
                "affectnet_train_csv", "affectnet_val_csv", "affectnet_images", "lfw_home", "lfw_min_faces")
#: per-seed columns of the summary; those in PERCENT are shown x100 with one decimal, the others with three
COLUMNS = ("F1", "Acc", "V-CCC", "V-RMSE", "A-CCC", "A-RMSE", "identity_probe_acc", "identity_1nn_acc",
           "scene_index")
PERCENT = ("F1", "Acc", "identity_probe_acc", "identity_1nn_acc")


def views(cfg) -> tuple[ViewConfig, ViewConfig]:
    """The authors' two view pipelines at ``cfg.view_size`` (view 1 jitters always, view 2 with p = 0.8)."""
    base = ViewConfig(size=cfg.view_size, crop_scale=(cfg.view_crop_scale,) * 2, crop_ratio=(1.0, 1.0))
    return base, ViewConfig(**{**base.__dict__, "jitter_p": 0.8})


def strategies(row: Row, cfg) -> Strategies:
    """The method's switches for a row. Synthetic data swap faces in the tuple collate (the data-loader workers,
    :func:`~fer_lib.protocols.ssl_fer_data.tuple_dataset`), so the method's own FaceSwap stays off there; real
    data keep it in the method (dlib landmarks per batch)."""
    in_method = row.face_swap and cfg.dataset == "real"
    return Strategies(time_aug=row.time_aug, hard_neg=row.hard_neg,
                      face_swap_p=cfg.face_swap_p if in_method else 0.0, mask_fn=row.mask_fn,
                      fn_weight=cfg.fn_weight, fn_threshold=None if cfg.fn_threshold < 0 else cfg.fn_threshold,
                      fn_exclude_same_clip=cfg.fn_exclude_same_clip or row.fn_exclude_same_clip,
                      cutmix_p=cfg.cutmix_p if row.cutmix else 0.0, landmark_mask_p=cfg.landmark_mask_p)


def build_method(row: Row, cfg, seed: int, steps: int) -> nn.Module:
    """The row's method around a fresh ResNet backbone (seeded)."""
    torch.manual_seed(seed)
    backbone = ResNetBackbone(cfg.depth, cfg.width, cfg.stem_stride)
    v = views(cfg)
    fraction = cfg.momentum_time_fraction or None  # 0: the papers' momenta, unscaled
    if row.method == "byol":
        return BYOL(backbone, v, steps, cfg.byol_hidden, cfg.byol_dim,
                    budget_momentum(cfg.byol_momentum, steps, fraction), seed=seed)
    if row.method == "moco":
        return MoCo(backbone, v, cfg.proj_hidden, cfg.proj_dim, cfg.moco_queue, cfg.moco_temperature,
                    budget_momentum(cfg.moco_momentum, steps, fraction), seed=seed, bn_groups=cfg.moco_bn_groups)
    if row.method in ("ssl_fer", "none"):
        swap = functools.partial(swap_faces, feather=cfg.swap_feather)
        mask = functools.partial(random_landmark_mask, margin=cfg.landmark_margin * cfg.size / 224)
        return SSLFER(backbone, v, strategies(row, cfg), cfg.proj_hidden, cfg.proj_dim, cfg.temperature, seed=seed,
                      swap_fn=swap, landmark_mask_fn=mask)
    raise ValueError(f"row {row.row!r}: unknown method {row.method!r}")


def checkpoint_dir(root: str | Path, row: Row, cfg, seed: int) -> Path:
    """``<root>/<row>-seed<seed>-<hash>``; the hash covers the training config, the row and the library's
    code, so a checkpoint is only ever picked up by the very same training."""
    return row_checkpoint_dir(root, row, cfg, seed, NOT_TRAINING)


def pretrain(row: Row, cfg, data: SSLFERData, seed: int, device, checkpoint_root: str | Path | None = None,
             log: TrainingLog = QUIET, snapshots: bool = False) -> tuple[nn.Module, FitResult | None]:
    """Train the row's method for :func:`total_steps` steps with Adam (lr, wd); 'none' returns it untrained.

    With ``checkpoint_root`` the run checkpoints every ``cfg.checkpoint_every`` steps and at the end into
    :func:`checkpoint_dir` and resumes from there: an interrupted chapter continues, and a row already trained
    (by an earlier execution, or under torchrun by :mod:`fer_lib.protocols.train`) is loaded, not
    retrained. Under torchrun each process takes 1/world of the step's images. Every step's items come from
    distinct clips (:func:`~fer_lib.protocols.ssl_fer_data.batch_sampler`). ``log``: the row's progress bar
    and history file (:mod:`.training_log`). snapshots (with ``checkpoint_root``): also save the backbone at
    the learning curve's steps (:mod:`.ssl_fer_curve`).
    """
    steps = total_steps(cfg, data)
    method = build_method(row, cfg, seed, steps)
    if row.method == "none":
        return method, None
    ds, collate, batch = tuple_dataset(row, cfg, data, seed)
    world = ddp.get_world_size()
    if batch % world:
        raise ValueError(f"{batch} items per step do not split over {world} processes")
    sampler = batch_sampler(ds, batch, seed, ddp.get_rank(), world)   # distinct clips in every step
    params = [p for p in method.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    folder = None if checkpoint_root is None else checkpoint_dir(checkpoint_root, row, cfg, seed)
    callbacks = [snapshot_callback(method.backbone, folder, curve_steps(cfg.curve_points, steps))] \
        if snapshots and folder is not None else []
    result = log.fit(method, ds, optimizers=opt, batch_size=sampler.batch_size, sampler=sampler, max_steps=steps,
                     device=device, seed=seed, collate_fn=collate, num_workers=cfg.num_workers,
                     images_per_item=images_per_item(row), channels_last=torch.device(device).type == "cuda",
                     callbacks=callbacks, **fit_checkpointing(folder, cfg.checkpoint_every))
    return method, result


def trainable_rows(cfg) -> dict[str, Row]:
    """The rows :mod:`.train` can pretrain outside the notebook: every re-run row but the untrained control."""
    return {r.row: r for r in ROWS if r.rerun and r.method != "none"}


def train_row(row: Row, cfg, data: SSLFERData, seed: int, device, checkpoint_root: str | Path) -> Path:
    """Pretrain (resume, or find finished) ``row`` into its :func:`checkpoint_dir` (the :mod:`.train` entry point)."""
    pretrain(row, cfg, data, seed, device, checkpoint_root)
    return checkpoint_dir(checkpoint_root, row, cfg, seed)


def images_per_item(row: Row) -> int:
    """Images in one training tuple: a pair of views, or two pairs with HardNeg."""
    return 2 if row.method in ("byol", "moco") or not row.hard_neg else 4


def images_per_second(row: Row, cfg, result: FitResult | None) -> float | None:
    """Training images per second of this call (None: untrained control, or a row loaded from its checkpoint)."""
    if result is None or result.samples_per_s == 0:
        return None
    return result.samples_per_s * images_per_item(row)


def embed_frames(backbone: nn.Module, cfg, dataset, device,
                 label_keys=("expression", "identity", "clip", "valence", "arousal")) -> tuple[np.ndarray, dict]:
    """Frozen features (float32 [N, F]) and labels of a frame dataset, through the evaluation view."""
    pre = functools.partial(plain_view, size=cfg.view_size)
    return embed(backbone, dataset, device=device, preprocess=pre, label_keys=label_keys, num_workers=cfg.num_workers)


def evaluate(backbone: nn.Module, cfg, data: SSLFERData, seed: int, device) -> dict:
    """Expression: linear probe, or the authors' fine-tuning with ``eval_protocol="finetune"`` (macro F1,
    accuracy, confusion [K, K]), and ridge V/A (CCC, RMSE) on frozen features of the evaluation set, train
    identities -> test identities. Identity leakage: logistic and 1-NN identity probes on the identity set's
    people (:func:`identity_scores`), clip-disjoint split (the same people on both sides)."""
    train_set, test_set, classes = expression_sets(cfg, data)
    keys = ("expression", "valence", "arousal")
    tr_x, tr = embed_frames(backbone, cfg, train_set, device, keys)
    te_x, te = embed_frames(backbone, cfg, test_set, device, keys)
    k = len(classes)
    if cfg.eval_protocol == "linear":
        probe = linear_probe(tr_x, tr["expression"], te_x, te["expression"], k, epochs=cfg.probe_epochs,
                             lr=cfg.probe_lr, seed=seed, device=device)
    else:
        probe = finetune_expression(backbone, cfg, train_set, test_set, np.bincount(tr["expression"], minlength=k),
                                    seed, device)
    va = ridge_probe(tr_x, np.stack([tr["valence"], tr["arousal"]], 1), te_x,
                     np.stack([te["valence"], te["arousal"]], 1))
    counts = np.bincount(te["expression"], minlength=k)
    out = {"F1": probe.macro_f1, "Acc": probe.accuracy, "V-CCC": va.ccc[0], "V-RMSE": va.rmse[0],
           "A-CCC": va.ccc[1], "A-RMSE": va.rmse[1],
           "confusion": confusion(te["expression"], probe.predictions, k).tolist(),
           "expr_majority": float(counts.max() / counts.sum()), "expr_uniform_chance": 1.0 / int((counts > 0).sum())}
    return {**out, **identity_scores(backbone, cfg, data, seed, device)}


def finetune_expression(backbone: nn.Module, cfg, train_set, test_set, class_counts: np.ndarray, seed: int,
                        device) -> ProbeResult:
    """The authors' downstream protocol on a copy of the encoder (the frozen probes keep the original):
    :class:`~fer_lib.protocols.probes.FineTuneClassifier` with their MLP head and Balanced-Softmax CE, trained for
    ``cfg.finetune_epochs`` with their optimiser; the last epoch is tested (no separate validation split here)."""
    torch.manual_seed(seed)
    model = FineTuneClassifier(copy.deepcopy(backbone), backbone.feature_dim, len(class_counts),
                               class_counts=np.maximum(class_counts, 1),
                               preprocess=functools.partial(plain_view, size=cfg.view_size))
    return fine_tune(model, train_set, test_set, len(class_counts), epochs=cfg.finetune_epochs,
                     batch_size=min(64, len(train_set)), seed=seed, device=device)


def identity_scores(backbone: nn.Module, cfg, data: SSLFERData, seed: int, device) -> dict:
    """Identity leakage: synthetic, the identity set's people (clip-disjoint split, drawn from ``data_seed``: the
    same frames on both sides for every training seed), and the scene index (:func:`scene_scores`); real: LFW
    (NaN without ``lfw_home``, no scene index)."""
    if data.real:
        if not cfg.lfw_home:
            return dict.fromkeys(("identity_probe_acc", "identity_1nn_acc", "identity_chance"), float("nan"))
        return real.lfw_identity(lambda ds: embed_frames(backbone, cfg, ds, device, ())[0], cfg, seed)
    frames = identity_frames(data.identities, cfg.identity_frame_step)
    id_x, ids = embed_frames(backbone, cfg, frames, device)
    leak = identity_leakage_probe(id_x, ids["identity"], groups=ids["clip"], seed=cfg.data_seed)
    return {"identity_probe_acc": leak.logistic_accuracy, "identity_1nn_acc": leak.nn1_accuracy,
            "identity_chance": leak.chance, **scene_scores(backbone, cfg, data, device)}


def scene_scores(backbone: nn.Module, cfg, data: SSLFERData, device) -> dict:
    """The scene index of the frozen features (:func:`~fer_lib.metrics.scene.scene_sensitivity`) on the data's
    scene triplets (:mod:`fer_lib.data.synth.scene_sets`, fixed across seeds): {"scene_index", "scene_index_low",
    "scene_index_high"} (95 % percentile bootstrap over the face states, resampled from ``data_seed``)."""
    images = data.scenes.images                                                 # [3, N, H, W, 3]
    flat = images.reshape(-1, *images.shape[2:])
    x, _ = embed_frames(backbone, cfg, Frames(flat, np.zeros(len(flat))), device, ())
    s = scene_sensitivity(*x.reshape(3, images.shape[1], -1), resamples=cfg.scene_resamples, seed=cfg.data_seed)
    return {"scene_index": s["index"], "scene_index_low": s["low"], "scene_index_high": s["high"]}


def scene_intervals(records: list[dict], seed: int) -> dict[str, str]:
    """{row: "index [low, high]"} of the records at ``seed`` that have a scene index (three decimals)."""
    return {r["row"]: f"{r['scene_index']:.3f} [{r['scene_index_low']:.3f}, {r['scene_index_high']:.3f}]"
            for r in records if r["seed"] == seed and r.get("scene_index") is not None}


def run_row(row: Row, cfg, data: SSLFERData, seed: int, run) -> dict:
    """Pretrain ``row`` with ``seed`` (checkpointed under ``run.checkpoint_root()``: an interrupted row resumes and
    a row trained beforehand, e.g. by :mod:`.train`, is loaded) and evaluate its frozen backbone.

    Returns the per-seed record: row, seed, :func:`evaluate`'s scores, images_per_s (None when loaded or
    untrained), swaps_skipped. The first seed's backbone and loss history are kept in ``data.encoders`` and
    ``data.histories`` (for the maps and curves). With ``cfg.curve_length`` 1 the rows of ``CURVE_ROWS`` also
    save the learning curve's snapshots on the first seed (:func:`learning_curve`)."""
    snapshots = row.row in CURVE_ROWS and seed == cfg.seeds[0] and cfg.curve_length == 1
    with run.stage(f"pretrain {row.row}"):
        method, result = pretrain(row, cfg, data, seed, run.torch_device, run.checkpoint_root(),
                                  TrainingLog(run, row.row, seed), snapshots=snapshots)
    with run.stage("evaluate"):
        scores = evaluate(method.backbone, cfg, data, seed, run.torch_device)
    if seed == cfg.seeds[0]:
        data.encoders[row.row], data.histories[row.row] = method.backbone, (result.history if result else [])
    return {"row": row.row, "seed": seed, **scores, "images_per_s": images_per_second(row, cfg, result),
            "swaps_skipped": getattr(method, "swaps_skipped", 0)}


def seed_record(records: list[dict], name: str, seed: int, what: str) -> dict:
    """The record of row ``name`` at ``seed``; none is an error naming ``what`` needed it."""
    found = [r for r in records if r["row"] == name and r["seed"] == seed]
    if not found:
        raise ValueError(f"{what}: no record of row {name!r} at seed {seed}")
    return found[0]


def learning_curve(rows: tuple[Row, ...], cfg, data: SSLFERData, seed: int, run, records: list[dict]) -> list[dict]:
    """``rows`` evaluated along their training (seed ``seed``): step 0 is the untrained control's record (every
    row starts from the same seeded initialisation), then each snapshot, then the end of training.

    ``cfg.curve_length`` 1: the snapshots :func:`run_row` saved of the table's own rows, the row's record at the
    end (a missing snapshot, of a row trained earlier without them, is left out). n > 1: each row is pretrained
    again for n times the chapter's epochs (checkpointed like any row, so a re-execution loads it), with
    snapshots, and its end is evaluated here: a row below the control, or an ordering, may change with more
    training. Returns [{"row", "step", "F1", "identity_probe_acc", "scene_index"}]."""
    record = functools.partial(seed_record, records, seed=seed, what="learning curve")
    control, n = next(r.row for r in rows if r.method == "none"), cfg.curve_length
    horizon = dataclasses.replace(cfg, epochs=cfg.epochs * n) if n > 1 else cfg
    total, out = total_steps(horizon, data), []
    for row in rows:
        points, end = [(0, record(control))], record(row.row) if n == 1 or row.method == "none" else None
        if end is None:
            with run.stage(f"pretrain {row.row} x{n}"):
                method, _ = pretrain(row, horizon, data, seed, run.torch_device, run.checkpoint_root(),
                                     TrainingLog(run, f"{row.row} x{n}", seed), snapshots=True)
        if row.method != "none":
            for step in curve_steps(cfg.curve_points, total):
                path = snapshot_path(checkpoint_dir(run.checkpoint_root(), row, horizon, seed), step)
                if path.exists():
                    backbone = build_method(row, horizon, seed, total).backbone
                    load_checkpoint(path, backbone)
                    with run.stage("learning curve"):
                        points.append((step, evaluate(backbone, cfg, data, seed, run.torch_device)))
        if end is None:
            with run.stage("learning curve"):
                end = evaluate(method.backbone, cfg, data, seed, run.torch_device)
        points.append((total, end))
        out += [{"row": row.row, "step": step, **{c: rec.get(c) for c in CURVE_COLUMNS}} for step, rec in points]
    return out


def summarise(records: list[dict], rows: tuple[Row, ...]) -> list[dict]:
    """One numeric line per re-run row (in the records' order): row, seeds, and each of :data:`COLUMNS` as its
    mean over seeds and ``<column>_std`` (fractions, as in the records), ``note`` "not in paper" for the rows
    of ``rows`` the paper does not have; then the rows not re-run, their numbers missing and their reason in
    ``note``. :func:`summary_view` renders it."""
    notes = {r.row: "" if r.in_paper else "not in paper" for r in rows}
    summary = [{**r, "note": notes.get(r["row"], "")} for r in summarise_seeds(records, COLUMNS)]
    missing = dict.fromkeys([c for col in COLUMNS for c in (col, f"{col}_std")])
    return summary + [{"row": r.row, "seeds": 0, **missing, "note": f"not re-run: {r.reason}"}
                      for r in rows if not r.rerun]


def isolating_table(records: list[dict], rows: tuple[Row, ...], seed: int) -> list[dict]:
    """Each isolating row against the paper row it changes one thing of (its name before " · "), at one seed:
    {"row", "base", and per column of ``CURVE_COLUMNS`` the row's value, the base's and the difference}."""
    out = []
    for row in rows:
        base = row.row.split(" · ")[0]
        line = {"row": row.row, "base": base}
        for col in CURVE_COLUMNS:
            a, b = (seed_record(records, name, seed, "isolating table").get(col) for name in (row.row, base))
            line |= {col: a, f"{col} (base)": b, f"{col} diff": None if a is None or b is None else a - b}
        out.append(line)
    return out


def summary_view(summary: list[dict]) -> pd.DataFrame:
    """The summary as shown: "mean ± std" per column, F1, accuracy and identity accuracies in percent with one
    decimal, CCC and RMSE with three."""
    return format_summary(summary, scale=dict.fromkeys(PERCENT, 100),
                          digits={c: 1 if c in PERCENT else 3 for c in COLUMNS})
