"""CRS-CONT on the real datasets: pretraining on RAF-DB + AffectNet ("Mix") with coarse labels only, frozen
linear evaluation on RAF-DB, AffectNet (7 classes, the authors' imbalanced sampler), FERPlus and any target the
user names as ``<image path> <label>`` lists (``user_target_train``, ``user_target_test``).

Selected by ``cfg.dataset="real"`` with the paths in the chapter's config; every path is checked first
(:func:`fer_lib.config.require_data`, one error listing all that are missing). Files in the formats of
:mod:`fer_lib.data.formats.rafdb` (``path label coarse``), :mod:`~fer_lib.data.formats.affectnet_coarse`
(the CSV with the coarse column) and :mod:`~fer_lib.data.formats.ferplus` (the authors' HDF5). Nothing
synthetic is rendered.

Fine labels of the Mix are put in AffectNet's 8-class order (RAF-DB's 7 mapped by name), so the fine-label
rows see one label space; the pretraining sees only the coarse group unless a row keeps the fine label
(:class:`fer_lib.data.coarse.CoarseLabelled`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import ConcatDataset, Dataset

from fer_lib.config import require_data
from fer_lib.data.coarse import CoarseLabelled
from fer_lib.data.formats.affectnet_coarse import affectnet_coarse_dataset
from fer_lib.data.formats.ferplus import FerPlusDataset
from fer_lib.data.formats.frame_folder import read_path_label_lines
from fer_lib.data.formats.image_list import read_image
from fer_lib.data.formats.rafdb import rafdb_dataset
from fer_lib.data.labels import AFFECTNET_7, AFFECTNET_8, RAFDB_7
from fer_lib.data.paired import Relabelled
from fer_lib.experiments.crs_cont import REAL_FINE_TARGET, Target


@dataclass(frozen=True)
class RealTarget(Target):
    """A frozen-evaluation target on a real dataset; imbalanced: the authors' inverse-frequency sampler."""

    imbalanced: bool = False


#: the paper's frozen evaluations (set names "<dataset>/<split>")
REAL_TARGETS = (
    RealTarget("RAF-DB 7", "rafdb/train", "rafdb/test", "expression", 7),
    RealTarget("AffectNet 7", "affectnet/train", "affectnet/test", "expression", 7, imbalanced=True),
    RealTarget("AffectNet coarse 4", "affectnet/train", "affectnet/test", "coarse", 4, imbalanced=True),
    RealTarget("FERPlus 8", "ferplus/train", "ferplus/test", "expression", 8),
)
#: AffectNet label values left out: 8 none, 9 uncertain, 10 no face (and 7 contempt in the 7-class evaluation)
NOT_EXPRESSIONS = (8, 9, 10)


class LabelledImages(Dataset):
    """A user's ``<image path> <label>`` list (paths relative to the list's folder, labels 0..K-1) ->
    dict(image uint8 [3, S, S], expression); a missing or corrupt image is an error naming its line."""

    def __init__(self, list_path: str | Path, size: int):
        rows = read_path_label_lines(list_path, "image path")
        base = Path(list_path).parent
        self.where = [w for w, _, _ in rows]
        self.paths = [Path(p) if Path(p).is_absolute() else base / p for _, p, _ in rows]
        self.labels, self.size = np.array([label for _, _, label in rows], dtype=np.int64), size
        if self.labels.min() < 0:
            raise ValueError(f"{self.where[int(self.labels.argmin())]}: negative label")

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> dict:
        image = read_image(self.paths[i], size=self.size, source=self.where[i])
        return {"image": torch.from_numpy(image).permute(2, 0, 1).contiguous(), "expression": int(self.labels[i])}


def user_target(cfg) -> tuple[dict, tuple]:
    """The target the user names (``user_target_train`` / ``user_target_test`` lists): its sets and target."""
    if not cfg.user_target_train:
        return {}, ()
    if not cfg.user_target_test:
        raise ValueError("user_target_train is set but user_target_test is not: a target needs both lists")
    sets = {"user/train": LabelledImages(cfg.user_target_train, cfg.image_size),
            "user/test": LabelledImages(cfg.user_target_test, cfg.image_size)}
    classes = int(max(s.labels.max() for s in sets.values())) + 1
    return sets, (RealTarget(cfg.user_target_name, "user/train", "user/test", "expression", classes),)


def eval_sets(cfg) -> dict:
    """"<dataset>/<split>" -> dataset of dict(image uint8 [3, S, S], expression, coarse, ...), S = cfg.image_size."""
    size = cfg.image_size
    affectnet = dict(num_classes=7, drop_labels=(7, *NOT_EXPRESSIONS), size=size)
    return {"rafdb/train": rafdb_dataset(cfg.rafdb_train_list, cfg.rafdb_images, size=size),
            "rafdb/test": rafdb_dataset(cfg.rafdb_test_list, cfg.rafdb_images, size=size),
            "affectnet/train": affectnet_coarse_dataset(cfg.affectnet_train_csv, cfg.affectnet_images, **affectnet),
            "affectnet/test": affectnet_coarse_dataset(cfg.affectnet_val_csv, cfg.affectnet_images, **affectnet),
            "ferplus/train": FerPlusDataset(cfg.ferplus_h5, "Training", size=size),
            "ferplus/test": FerPlusDataset(cfg.ferplus_h5, "PrivateTest", size=size)}


def pretrain_sets(cfg, sets: dict) -> dict:
    """keep_fine -> the Mix (RAF-DB train + AffectNet train, 8 classes) with coarse labels (and fine ones)."""
    affectnet8 = affectnet_coarse_dataset(cfg.affectnet_train_csv, cfg.affectnet_images, num_classes=8,
                                          drop_labels=NOT_EXPRESSIONS, size=cfg.image_size)
    mix = (Relabelled(sets["rafdb/train"], RAFDB_7, AFFECTNET_8), affectnet8)   # one fine label order
    return {keep: ConcatDataset([CoarseLabelled(d, AFFECTNET_8, keep_fine=keep) for d in mix]) for keep in (False, True)}


def load_data(cfg, data_cls):
    """``data_cls`` (:class:`fer_lib.protocols.crs_cont.CrsContData`) of the real sets and :data:`REAL_TARGETS`,
    plus the user's target when ``user_target_train`` is set."""
    require_data("crs_cont", cfg)
    sets = eval_sets(cfg)
    mine, target = user_target(cfg)
    mix = pretrain_sets(cfg, sets)
    return data_cls(sets | mine, pool={}, cache={(keep_fine, 0.0, False): mix[keep_fine] for keep_fine in mix},
                    targets=REAL_TARGETS + target, real=True, fine_target=REAL_FINE_TARGET, negative_target=None,
                    classes=AFFECTNET_7)
