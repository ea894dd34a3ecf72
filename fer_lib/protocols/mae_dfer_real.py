"""MAE-DFER on the real datasets: VoxCeleb2 to pretrain, DFEW / FERV39k / MAFW to fine-tune and test.

Selected by ``cfg.dataset`` ("DFEW", "FERV39k", "MAFW") with the paths in the chapter's config
(``voxceleb2_list``, ``dfew_root`` / ``ferv39k_root`` / ``mafw_root``, ``fold``): every path is checked
first (:func:`fer_lib.config.require_data`, one error listing all that are missing), then the release's
split files are turned into MAE-DFER's annotation files (``<frame_dir> <label>``) and read by
:class:`fer_lib.data.formats.frame_folder.FrameFolderClips`. Nothing synthetic is rendered.

``dataset`` "own" reads a user's clips instead: ``own_annotation`` (``<frame_dir> <label>``, as
``python -m fer_lib.faces.video --labels`` writes it) with its labels in the class order ``own_classes``,
evaluated on ``own_test_annotation`` or on a class-stratified ``own_test_fraction`` of the annotated clips;
pretraining on ``voxceleb2_list`` when set, else on the training clips (their labels unused).

DFEW and MAFW report per fold and the mean over the 5 folds: one run per fold (``-p fold k``); FERV39k has
one split. Test clips are read whole-window as the synthetic test set is (``clip_frames`` frames, stride 1),
and :func:`fer_lib.protocols.mae_dfer.evaluate` takes the paper's 2 temporal x 2 spatial views of each.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from fer_lib.config import require_data
from fer_lib.data.formats import dfew, ferv39k, mafw
from fer_lib.data.formats.frame_csv import write_annotation
from fer_lib.data.formats.frame_folder import FrameFolderClips, read_annotations
from fer_lib.data.formats.voxceleb2 import VideoListClips
from fer_lib.data.synth import cache_root
from fer_lib.predict.classifier import resolve_classes
from fer_lib.protocols.mae_dfer_probe import label_subset

#: cfg.dataset -> (format module, root key, folds or None)
BENCHMARKS = {"DFEW": (dfew, "dfew_root", dfew.FOLDS), "FERV39k": (ferv39k, "ferv39k_root", None),
              "MAFW": (mafw, "mafw_root", mafw.FOLDS)}


def split_pairs(cfg, split: str) -> list[tuple[str, int]]:
    """[(frame_dir relative to the root, label)] of ``split`` ("train" / "test") of ``cfg.dataset``'s fold."""
    module, _, folds = BENCHMARKS[cfg.dataset]
    root = getattr(cfg, BENCHMARKS[cfg.dataset][1])
    path = module.split_file(root, cfg.fold, split) if folds else module.split_file(root, split)
    return module.read_split(path)


def annotation_files(cfg) -> dict[str, Path]:
    """Write the fold's ``train.csv`` / ``test.csv`` (absolute frame folders) under the cache; their paths."""
    if cfg.dataset == "own":
        return own_annotation_files(cfg)
    _, key, folds = BENCHMARKS[cfg.dataset]
    root = Path(getattr(cfg, key)).resolve()
    tag = hashlib.sha1(str(root).encode()).hexdigest()[:8]
    folder = cache_root().parent / "annotations" / f"{cfg.dataset}-{tag}" / (f"fold{cfg.fold}" if folds else "all")
    return {split: write_annotation(split_pairs(cfg, split), root, folder / f"{split}.csv")
            for split in ("train", "test")}


def own_annotation_files(cfg) -> dict[str, Path]:
    """``own_annotation`` (and ``own_test_annotation``) as ``train.csv`` / ``test.csv`` of absolute frame folders
    under the cache; without a test file a class-stratified ``own_test_fraction`` of the clips (drawn with seed 0)
    is held out. Every line is checked (frame folder present, label in ``own_classes``) naming file and line."""
    classes = resolve_classes(cfg.own_classes)
    root = cfg.own_root or None
    train = read_annotations(cfg.own_annotation, classes, root)
    if cfg.own_test_annotation:
        test = read_annotations(cfg.own_test_annotation, classes, root)
    else:
        held = set(label_subset([e.label for e in train], cfg.own_test_fraction, 0).tolist())
        train, test = [e for i, e in enumerate(train) if i not in held], [train[i] for i in sorted(held)]
    if not train or not test:
        raise ValueError(f"{cfg.own_annotation}: {len(train)} training and {len(test)} evaluation clips; both must "
                         "be non-empty (annotate more clips, or set own_test_annotation)")
    untrained = sorted({classes[e.label] for e in test} - {classes[e.label] for e in train})
    if untrained:
        raise ValueError(f"{cfg.own_annotation}: no training clip of the evaluated class(es) {untrained} (a class "
                         "needs two clips to be held out from; annotate more, or set own_test_annotation)")
    key = str([str(Path(cfg.own_annotation).resolve()), root, cfg.own_test_annotation, cfg.own_test_fraction])
    folder = cache_root().parent / "annotations" / f"own-{hashlib.sha1(key.encode()).hexdigest()[:8]}"
    return {split: write_annotation([(str(e.frame_dir.resolve()), e.label) for e in entries], "",
                                    folder / f"{split}.csv") for split, entries in (("train", train), ("test", test))}


def classes_of(cfg) -> tuple[str, ...]:
    """The label names of ``cfg.dataset`` in label order."""
    return resolve_classes(cfg.own_classes) if cfg.dataset == "own" else BENCHMARKS[cfg.dataset][0].CLASSES


def load_data(cfg, data_cls):
    """``data_cls`` (:class:`fer_lib.protocols.mae_dfer.MaeDferData`) of the real pretraining list and benchmark fold.

    Raises FileNotFoundError listing every unset or missing path, and ValueError when ``cfg.num_classes``
    differs from the benchmark's classes (MAFW: 11).
    """
    require_data("mae_dfer", cfg)
    classes = classes_of(cfg)
    if cfg.num_classes != len(classes):
        raise ValueError(f"{cfg.dataset} has {len(classes)} classes: set -p num_classes "
                         f"{len(classes)} (got {cfg.num_classes})")
    files = annotation_files(cfg)
    skip = cfg.skip_corrupt
    train = FrameFolderClips(files["train"], classes, num_frames=cfg.frames, stride=cfg.stride,
                             size=cfg.image_size, seed=0, skip_corrupt=skip)
    pool = (VideoListClips(cfg.voxceleb2_list, cfg.voxceleb2_root or None, num_frames=cfg.frames,
                           stride=cfg.stride, size=cfg.image_size, seed=0) if cfg.voxceleb2_list else train)
    test = FrameFolderClips(files["test"], classes, num_frames=cfg.clip_frames, stride=1,
                            size=cfg.image_size, skip_corrupt=skip)
    probe_train, probe_test = (FrameFolderClips(files[split], classes, num_frames=cfg.frames,
                                                stride=cfg.stride, size=cfg.image_size, skip_corrupt=skip)
                               for split in ("train", "test"))
    return data_cls(pool, train, test, probe_train, probe_test, labelled=None, classes=tuple(classes),
                    loaders=[train, test, probe_train, probe_test])


def with_notebook_paths(cfg, dfew_root: str | None, dfew_fold: int, voxceleb2_list: str | None):
    """The chapter's older notebook parameters (``dfew_root``, ``dfew_fold``, ``voxceleb2_list``) as config keys."""
    changes = {}
    if dfew_root is not None:
        if cfg.dataset != "DFEW":
            raise ValueError("dfew_root is set: pass -p dataset DFEW so every table names its data")
        changes |= {"dfew_root": str(dfew_root), "fold": int(dfew_fold)}
    if voxceleb2_list is not None:
        changes["voxceleb2_list"] = str(voxceleb2_list)
    return dataclasses.replace(cfg, **changes)


def fold_summary(results: list[dict]) -> list[dict]:
    """The paper's per-fold and mean table from the results of one run per fold (:func:`fer_lib.results.load_results`).

    results: payloads of the same benchmark (``config["dataset"]``), each with ``config["fold"]`` and the
    chapter's ``per_seed`` table (records with ``row``, ``uar``, ``war`` in %). Returns one record per row:
    ``UAR fold k`` / ``WAR fold k`` (mean over that fold's seeds) and ``UAR`` / ``WAR``, the mean over folds.
    """
    datasets = {r["config"]["dataset"] for r in results}
    if len(datasets) != 1:
        raise ValueError(f"fold_summary: runs of several datasets {sorted(datasets)}")
    folds = [r["config"]["fold"] for r in results]
    if len(set(folds)) != len(folds):
        raise ValueError(f"fold_summary: a fold appears twice in {folds}")
    rows: dict[str, dict] = {}
    for fold, payload in sorted(zip(folds, results), key=lambda p: p[0]):
        for name in dict.fromkeys(rec["row"] for rec in payload["tables"]["per_seed"]):
            mine = [rec for rec in payload["tables"]["per_seed"] if rec["row"] == name]
            for metric in ("uar", "war"):
                rows.setdefault(name, {"row": name})[f"{metric.upper()} fold {fold}"] = (
                    sum(rec[metric] for rec in mine) / len(mine))
    for record in rows.values():
        for metric in ("UAR", "WAR"):
            values = [record[f"{metric} fold {f}"] for f in sorted(folds) if f"{metric} fold {f}" in record]
            record[metric] = sum(values) / len(values)
            record[f"{metric} folds"] = len(values)
    return list(rows.values())
