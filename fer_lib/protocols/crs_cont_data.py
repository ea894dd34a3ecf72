"""The CRS-CONT chapter's data: the pretraining pool and its premise conditions, and the evaluation sets.

Synthetic (``cfg.dataset = "synthetic"``):

- pretraining pool: apex stills of ``pretrain_identities`` people per pretraining domain (RAF-like and
  AffectNet-like, their long-tailed priors); a row sees it through :func:`pretraining_set`: coarse labels only,
  or fine labels too (fine-label rows), with ``noise`` of the fine labels swapped inside their coarse group,
  and without the held-out classes for the "unseen" rows;
- evaluation: per target domain, apex stills of ``eval_identities`` people of its class-balanced preset, split
  by person into a probe-training and a test half; the lab (CK+-like) sequences tested whole; the AffectNet-like
  test half under a landmark occluder (FED-RO analogue).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from torch.utils.data import ConcatDataset, Subset

from fer_lib.data.ck_frames import ck_style_frames
from fer_lib.data.coarse import CoarseLabelled
from fer_lib.data.datasets import FrameDataset
from fer_lib.data.label_noise import WithLabels, swap_within_groups
from fer_lib.data.labels import DEFAULT_COARSE_MAP, SYNTH_8
from fer_lib.data.occluded import Occluded
from fer_lib.data.synth import SynthConfig, load_synth
from fer_lib.experiments.crs_cont import FINE_TARGET, NEGATIVE_TARGET, TARGETS, Row

NOISE_SEED = 1000   # the label noise is part of the data: one draw per level, the same for every training seed


@dataclass
class CrsContData:
    """eval_sets: "<domain>/<half>", "lab/ck", "affectnet/occluded" -> frame Dataset (items carry ``identity``);
    pool: pretraining domain -> FrameDataset of its stills; held_out: the fine classes of the "unseen" rows;
    targets: the frozen evaluations; fine_target: the weight sweep's fine-grained target (a name in targets);
    negative_target: the 5-way target inside the negative group (None: none); classes: the expression names of
    "affectnet/test" (the maps). Real data (``real``, :mod:`.crs_cont_real`): no pool and no generator labels
    (the premise and mechanism sections do not run); ``cache`` holds the clean pretraining sets (the Mix) and
    the targets are :data:`.crs_cont_real.REAL_TARGETS`."""

    eval_sets: dict
    pool: dict
    held_out: tuple[str, ...] = ()
    cache: dict = field(default_factory=dict)   # (keep_fine, noise, held_out) -> the built pretraining set
    targets: tuple = TARGETS
    real: bool = False
    fine_target: str = FINE_TARGET
    negative_target: str | None = NEGATIVE_TARGET
    classes: tuple[str, ...] = SYNTH_8

    @property
    def fine(self):
        """The :class:`~fer_lib.experiments.crs_cont.Target` named ``fine_target``."""
        return next(t for t in self.targets if t.name == self.fine_target)

    @property
    def sweep_targets(self) -> tuple[str, ...]:
        """The targets the weight sweep plots: the negative group's (synthetic data) and the fine one."""
        return tuple(t for t in (self.negative_target, self.fine_target) if t)

    def sizes(self) -> dict[str, int]:
        pool = len(self.cache[CLEAN[False]]) if self.real else sum(len(p) for p in self.pool.values())
        return {k: len(v) for k, v in self.eval_sets.items()} | {"pretraining pool": pool}


#: keep_fine -> the cache key of the clean pretraining set (no noise, nothing held out)
CLEAN = {keep_fine: (keep_fine, 0.0, False) for keep_fine in (False, True)}


def load_data(cfg) -> CrsContData:
    """The chapter's data: :func:`synthetic_data`, or with ``cfg.dataset="real"`` RAF-DB, AffectNet and FERPlus
    from disk (:mod:`.crs_cont_real`)."""
    if cfg.dataset == "real":
        from fer_lib.protocols import crs_cont_real
        return crs_cont_real.load_data(cfg, CrsContData)
    return synthetic_data(cfg)


def stills(domain: str, people: int, per_person: int, size: int, seed: int = 0, test_fraction: float = 0.0):
    """Apex stills (clips of one frame) of ``people`` people of ``domain``, split by person."""
    return load_synth(SynthConfig(domain=domain, n_identities=people, clips_per_identity=per_person,
                                  frames_per_clip=1, size=size, seed=seed,
                                  split=(1 - test_fraction, 0.0, test_fraction)))


def synthetic_data(cfg) -> CrsContData:
    """Render (or read from the cache) the pool, the evaluation stills, the lab sequences; build the sets."""
    pool = {d: FrameDataset(stills(d, cfg.pretrain_identities, cfg.pretrain_stills, cfg.render_size), "train")
            for d in cfg.pretrain_domains}
    eval_sets = {}
    for d in ("rafdb", "affectnet", "fer2013"):
        videos = stills(f"{d}_balanced", cfg.eval_identities, cfg.eval_stills, cfg.render_size,
                        test_fraction=cfg.test_fraction)
        eval_sets |= {f"{d}/train": FrameDataset(videos, "train"), f"{d}/test": FrameDataset(videos, "test")}
    lab = load_synth(SynthConfig(domain="lab_balanced", n_identities=cfg.lab_identities, clips_per_identity=1,
                                 frames_per_clip=cfg.lab_frames, size=cfg.render_size, seed=0, split=(1.0, 0.0, 0.0)))
    eval_sets["lab/ck"] = ck_style_frames(lab, splits=("train",))
    eval_sets["affectnet/occluded"] = Occluded(eval_sets["affectnet/test"], cfg.occlusion_margin)
    unknown = sorted(set(cfg.held_out) - set(DEFAULT_COARSE_MAP))
    if unknown:
        raise ValueError(f"held_out names unknown classes {unknown}; classes: {sorted(DEFAULT_COARSE_MAP)}")
    return CrsContData(eval_sets, pool, tuple(cfg.held_out))


def pool_labels(data: CrsContData, noise: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """domain -> (true fine labels [N], the labels a row with ``noise`` sees [N]) of the pool's stills."""
    out = {}
    for k, (d, ds) in enumerate(data.pool.items()):
        true = ds.targets
        seen = swap_within_groups(true, ds.classes, noise, seed=NOISE_SEED + k) if noise > 0 else true
        out[d] = (true, seen)
    return out


def pretraining_set(data: CrsContData, row: Row):
    """The set a row pretrains on: items dict(image, coarse, index[, expression]) (fine labels only for
    label_key "expression", noisy with ``row.noise``), without the held-out classes when ``row.held_out``."""
    keep_fine = row.label_key == "expression"
    key = (keep_fine, row.noise if keep_fine else 0.0, row.held_out)
    if data.real and key not in data.cache:
        raise ValueError(f"row {row.row!r}: label noise and held-out classes are conditions of the synthetic data "
                         "(they need the generator's labels); on real data only the clean rows run")
    if key not in data.cache:
        parts = []
        for d, (true, seen) in pool_labels(data, key[1]).items():
            ds = data.pool[d]
            out = [ds.classes.index(c) for c in data.held_out if c in ds.classes] if row.held_out else []
            keep = np.flatnonzero(~np.isin(true, out))
            relabelled = WithLabels(ds, seen)
            parts.append(CoarseLabelled(Subset(relabelled, keep.tolist()), ds.classes, keep_fine=keep_fine))
        data.cache[key] = ConcatDataset(parts)
    return data.cache[key]


def premise_table(data: CrsContData, noise_levels: tuple[float, ...]) -> list[dict]:
    """What each pretraining condition hands the encoder, against the generator's ground truth: one line per
    condition with the pool's items, negative-group items, items per negative class, the share of fine labels
    that are right (all and inside the negative group) and of coarse labels that are right."""
    if data.real:   # the ground truth is the generator's: nothing to measure on real data
        return []
    rows = []
    for name, noise, held in [("clean", 0.0, False)] + [(f"noise={p:g}", p, False) for p in noise_levels] + [
            ("unseen (" + ", ".join(data.held_out) + " removed)", 0.0, True)]:
        true_all, seen_all, names = [], [], []
        for d, (true, seen) in pool_labels(data, noise).items():
            classes = data.pool[d].classes
            keep = ~np.isin(np.asarray(classes)[true], data.held_out) if held else np.ones(len(true), bool)
            true_all.append(np.asarray(classes)[true[keep]])
            seen_all.append(np.asarray(classes)[seen[keep]])
        true, seen = np.concatenate(true_all), np.concatenate(seen_all)
        group = np.array([DEFAULT_COARSE_MAP[c] for c in true])
        neg = group == "negative"
        rows.append({"condition": name, "noise": noise, "items": len(true), "negative-group items": int(neg.sum()),
                     **{c: int((true == c).sum()) for c in ("sad", "fear", "disgust", "anger", "contempt")},
                     "fine labels right": float((true == seen).mean()),
                     "fine labels right (negative group)": float((true[neg] == seen[neg]).mean()),
                     "coarse labels right": float((group == np.array([DEFAULT_COARSE_MAP[c] for c in seen])).mean())})
    return rows
