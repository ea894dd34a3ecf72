"""ABAW6 on the real datasets: Aff-Wild2 EXPR, AffectNet + ExpW as extra labelled stills, MS1MV2 as the pool.

Selected by ``cfg.dataset="real"`` with the paths in the chapter's config; every path is checked first
(:func:`fer_lib.config.require_data`, one error listing all that are missing). Nothing synthetic is rendered.

- labelled: every valid frame of the EXPR ``Train_Set`` (``-1`` frames skipped by
  :func:`fer_lib.data.formats.affwild2.load_expr_split`); the teacher's class-balanced sampler draws
  ``per_class`` of them per class, as the paper samples 8,000 per class;
- unlabelled: the same training frames with their labels hidden (the paper makes the Aff-Wild2 images it does
  not sample unlabelled); their truth is kept for the pseudo-label logs only;
- evaluation: every valid frame of the ``Validation_Set``, video by video (temporal windows and the vote run
  over the real videos' frame order);
- extra: AffectNet (8 classes; contempt, which Aff-Wild2 lacks, becomes "other") + ExpW (7 classes);
- pool: MS1MV2 ``train.rec``; no expression truth (label -1: left out of the pseudo-label logs).
"""

from __future__ import annotations

import numpy as np
import torch

from fer_lib.config import require_data
from fer_lib.data.formats.affectnet import AffectNetImages
from fer_lib.data.formats.affwild2 import ExprFrames, load_expr_split
from fer_lib.data.formats.expw import ExpwFaces
from fer_lib.data.formats.ms1m_recordio import MS1MRecordIO
from fer_lib.data.labels import AFFECTNET_8, AFFWILD2_8, EXPW_7
from fer_lib.data.paired import Concat, Relabelled

UNKNOWN = -1


class Labelled(torch.utils.data.Dataset):
    """Any image dataset + its labels [N] known without decoding -> items dict(image, expression), ``labels``.
    Unlike :class:`fer_lib.data.label_noise.WithLabels` it keeps only the image, so that sets whose items carry
    other fields (AffectNet's valence and arousal, MS1MV2's identity) concatenate and collate together."""

    def __init__(self, dataset, labels: np.ndarray):
        if len(labels) != len(dataset):
            raise ValueError(f"{type(dataset).__name__}: {len(dataset)} items but {len(labels)} labels")
        self.dataset, self.labels = dataset, np.asarray(labels, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict:
        return {"image": self.dataset[i]["image"], "expression": int(self.labels[i])}


def expr_split(annotations: str, cfg) -> tuple[Labelled, np.ndarray]:
    """An EXPR split's valid frames (items at ``cfg.image_size``) and their video ids [N] (ints, per video name)."""
    index = load_expr_split(annotations, cfg.aw2_frames)
    _, video = np.unique(index.videos, return_inverse=True)
    frames = ExprFrames(index, size=cfg.image_size, skip_corrupt=cfg.skip_corrupt)
    return Labelled(frames, index.labels), video.astype(np.int64)


def load_data(cfg, data_cls):
    """``data_cls`` (:class:`fer_lib.protocols.abaw6.AbawData`) of the real sets."""
    require_data("abaw6", cfg)
    size = cfg.image_size
    labelled, labelled_video = expr_split(cfg.aw2_train_annotations, cfg)
    evaluation, evaluation_video = expr_split(cfg.aw2_val_annotations, cfg)
    affectnet = AffectNetImages(cfg.affectnet_train_csv, cfg.affectnet_images, size=size,
                                skip_corrupt=cfg.skip_corrupt)
    expw = ExpwFaces(cfg.expw_root, size=size, skip_corrupt=cfg.skip_corrupt)
    extra = Concat([Relabelled(Labelled(affectnet, affectnet.targets), AFFECTNET_8, AFFWILD2_8, missing_as="other"),
                    Relabelled(Labelled(expw, expw.list.labels), EXPW_7, AFFWILD2_8)])
    ms1m = MS1MRecordIO(cfg.ms1m_rec, size=size, skip_corrupt=cfg.skip_corrupt)
    pool = Labelled(ms1m, np.full(len(ms1m), UNKNOWN))
    return data_cls(labelled=labelled, labelled_video=labelled_video, unlabelled=labelled, extra=extra, pool=pool,
                    evaluation=evaluation, evaluation_video=evaluation_video,
                    loaders=[labelled.dataset, evaluation.dataset, affectnet, expw, ms1m])
