"""The SSL-FER chapter's data: the pretraining pool, the evaluation stills and a row's tuple dataset.

Synthetic (default): the rendered "talking" pool with per-frame mouth-eye descriptors (and a second pool,
``cfg.compare_domain``, for the rows that pretrain on it), and class-balanced stills of other people split by
identity; ``cfg.dataset="real"``: VoxCeleb1 face tracks and AffectNet (:mod:`fer_lib.protocols.ssl_fer_real`).
FaceSwap runs in the tuple collate (the data-loader workers): the landmark warp, or the renderer's exact answer
for the oracle row.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.utils.data import Subset

from fer_lib.data.datasets import FrameDataset
from fer_lib.data.samplers import GroupBatchSampler
from fer_lib.data.formats.voxceleb import VoxFrames, VoxTupleDataset, clip_identities, read_vox_index
from fer_lib.data.synth import SynthConfig, load_synth, swap_frame
from fer_lib.data.synth.scene_sets import SceneTriplets, scene_triplets
from fer_lib.data.tuple_collate import TupleCollate
from fer_lib.data.tuples import TimeTupleDataset
from fer_lib.experiments.ssl_fer import Row
from fer_lib.faces.crops import mouth_eye_crops
from fer_lib.faces.descriptor import describe
from fer_lib.faces.swap import swap_faces
from fer_lib.protocols import ssl_fer_real as real


@dataclass
class SSLFERData:
    pretrain: object          # SynthVideos of the pretraining pool | real: list[VoxClip]
    evaluation: object        # SynthVideos of the evaluation set | real: (AffectNet train, AffectNet val)
    descriptors: np.ndarray | None  # float32 [n_clips, T, D] mouth-eye descriptors | real: None (per batch)
    real: bool = False
    identities: object = None  # SynthVideos of the identity-leakage set (other people, fixed seed) | real: None
    compare: object = None     # SynthVideos of the second pool (cfg.compare_domain) | None
    compare_descriptors: np.ndarray | None = None   # float32 [n_clips, T, D] of the second pool
    scenes: SceneTriplets | None = None  # the scene index's triplets, of the identity set's people | real: None
    encoders: dict = field(default_factory=dict)    # row -> the first seed's pretrained backbone (run_row)
    histories: dict = field(default_factory=dict)   # row -> the first seed's training history (run_row)

    def summary(self) -> str:
        if self.real:
            frames = sum(len(c.frames) for c in self.pretrain)
            return (f"VoxCeleb1: {len(self.pretrain)} clips, {frames} frames, "
                    f"{len(set(c.identity for c in self.pretrain))} people | AffectNet: "
                    f"{len(self.evaluation[0])} train, {len(self.evaluation[1])} validation images")
        return (f"pretraining frames {self.pretrain.frames.shape} | train clips {len(self.pretrain.clips('train'))} "
                f"| evaluation frames {self.evaluation.frames.shape} | descriptors {self.descriptors.shape}")


def frame_descriptors(videos, crop_size: int, eye_margin: float, chunk: int = 1024) -> np.ndarray:
    """Mouth-eye descriptor of every frame (faces.crops + faces.descriptor): float32 [n_clips, T, D]."""
    n, t = videos.frames.shape[:2]
    flat_frames = videos.frames.reshape(n * t, *videos.frames.shape[2:])
    flat_lms = videos.landmarks.reshape(n * t, 68, 2)
    out = []
    for start in range(0, n * t, chunk):
        crops = [mouth_eye_crops(np.asarray(flat_frames[i]), flat_lms[i], crop_size, eye_margin)
                 for i in range(start, min(start + chunk, n * t))]
        eyes = torch.from_numpy(np.stack([c[0] for c in crops]))
        mouths = torch.from_numpy(np.stack([c[1] for c in crops]))
        out.append(describe(eyes, mouths).numpy())
    return np.concatenate(out).reshape(n, t, -1)


def load_data(cfg) -> SSLFERData:
    """Render (or read from the cache) both synthetic sets and compute the pretraining frames' descriptors;
    ``dataset="real"``: read the VoxCeleb1 index and AffectNet's CSVs (every path checked first)."""
    if cfg.eval_protocol not in ("linear", "finetune"):
        raise ValueError(f"eval_protocol must be 'linear' or 'finetune', got {cfg.eval_protocol!r}")
    if cfg.dataset == "real":
        real.check_paths(cfg)
        return SSLFERData(read_vox_index(cfg.vox_index, cfg.vox_root), real.affectnet_sets(cfg), None, real=True)
    if cfg.dataset != "synthetic":
        raise ValueError(f"dataset must be 'synthetic' or 'real', got {cfg.dataset!r}")
    pre, ev = synthetic_sets(cfg)
    margin = cfg.eye_margin * cfg.size / 224
    compare, identities = compare_pool(cfg), identity_set(cfg)
    return SSLFERData(pre, ev, frame_descriptors(pre, cfg.descriptor_crop, margin), identities=identities,
                      compare=compare, compare_descriptors=None if compare is None else
                      frame_descriptors(compare, cfg.descriptor_crop, margin),
                      scenes=scene_triplets(identities, cfg.scene_triplets, cfg.data_seed))


def pool_config(cfg, domain: str) -> SynthConfig:
    """A pretraining pool of ``domain`` with the config's sizes (both pools: the same people count and seed)."""
    return SynthConfig(domain=domain, n_identities=cfg.n_identities, clips_per_identity=cfg.clips_per_identity,
                       frames_per_clip=cfg.frames_per_clip, size=cfg.size, seed=cfg.data_seed)


def compare_pool(cfg):
    """The second pretraining pool (``cfg.compare_domain``), or None when it is empty or the main one."""
    if not cfg.compare_domain or cfg.compare_domain == cfg.pretrain_domain:
        return None
    return load_synth(pool_config(cfg, cfg.compare_domain))


def pool_data(row: Row, data: SSLFERData) -> SSLFERData:
    """The data a row pretrains on: ``data`` itself, or with the second pool as the pretraining pool."""
    if row.pool == "main":
        return data
    if data.compare is None:
        raise ValueError(f"row {row.row!r} pretrains on the second pool, but none was loaded (compare_domain "
                         "is empty or equals pretrain_domain, or the data are real)")
    return dataclasses.replace(data, pretrain=data.compare, descriptors=data.compare_descriptors)


def synthetic_sets(cfg):
    """The rendered pretraining pool and the evaluation stills (a data seed of their own, one apart)."""
    pre = load_synth(pool_config(cfg, cfg.pretrain_domain))
    ev = load_synth(SynthConfig(domain=cfg.eval_domain, n_identities=cfg.eval_identities,
                                clips_per_identity=cfg.eval_clips_per_identity,
                                frames_per_clip=cfg.eval_frames_per_clip, size=cfg.size, seed=cfg.data_seed + 1,
                                split=(1 - cfg.eval_test_fraction, 0.0, cfg.eval_test_fraction)))
    return pre, ev


def identity_set(cfg):
    """The identity-leakage probe's own people: ``identity_set_identities`` x ``identity_set_clips`` clips of the
    pretraining domain, rendered from ``data_seed + 2`` (never the training seed), so every seed and every row is
    probed on the same frames; none of them is in the pretraining pool (another seed draws other faces)."""
    return load_synth(SynthConfig(domain=cfg.pretrain_domain, n_identities=cfg.identity_set_identities,
                                  clips_per_identity=cfg.identity_set_clips, frames_per_clip=cfg.identity_set_frames,
                                  size=cfg.size, seed=cfg.data_seed + 2))


#: people of the identity set drawn in the t-SNE maps
MAP_PEOPLE = 16


def total_steps(cfg, data: SSLFERData) -> int:
    """``cfg.epochs`` paper epochs: one 4-image tuple per training clip per epoch, views_per_step/4 tuples per step
    (the second pool has the same number of clips)."""
    n_train = len(data.pretrain) if data.real else len(data.pretrain.clips("train"))
    return max(1, cfg.epochs * n_train // max(1, cfg.views_per_step // 4))


def items_per_step(row: Row, cfg) -> int:
    """Dataset items per step, one per clip: ``views_per_step`` images in 4-image HardNeg tuples, 2-image tuples or
    frames (two views each); with ``equal_clips_per_step`` every row takes HardNeg's number of clips."""
    return cfg.views_per_step // (4 if row.hard_neg or cfg.equal_clips_per_step else 2)


def tuple_dataset(row: Row, cfg, data: SSLFERData, seed: int):
    """(dataset, collate_fn, batch size in dataset items) of a row (on its pool: :func:`pool_data`)."""
    data = pool_data(row, data)
    single = row.method in ("byol", "moco")
    gap = cfg.hard_negative_gap if row.hard_neg else None
    if data.real:
        return _real_tuple_dataset(row, cfg, data, seed) if not single else (
            VoxFrames(data.pretrain, cfg.size), None, items_per_step(row, cfg))
    if single:
        return FrameDataset(data.pretrain, "train"), None, items_per_step(row, cfg)
    ds = TimeTupleDataset(data.pretrain, "train", offsets=cfg.time_offsets, weights=cfg.offset_weights,
                          hard_negative_gap=gap, per_clip=2 if gap is None else 1, seed=seed,
                          fixed_tuples=cfg.fixed_tuples)
    donors = "same_identity" if row.swap == "same_identity" else (
        "other_identity" if cfg.donor_other_identity else "any")
    swap = functools.partial(oracle_swap if row.swap == "oracle" else estimated_swap, feather=cfg.swap_feather)
    descriptors = oracle_descriptors(data.pretrain, seed) if row.fn_oracle else data.descriptors
    collate = TupleCollate(data.pretrain, data.pretrain.clips("train"), descriptors, seed=seed, donors=donors,
                           swap=swap if row.face_swap else None, swap_p=cfg.face_swap_p if row.face_swap else 0.0)
    return ds, collate, items_per_step(row, cfg)


def estimated_swap(videos, clip: int, t: int, image: np.ndarray, landmarks: np.ndarray, donor_clip: int,
                   donor_t: int, donor: np.ndarray, donor_landmarks: np.ndarray, feather: int = 0):
    """The authors' FaceSwap (landmark warp, :func:`~fer_lib.faces.swap.swap_faces`): (image, landmarks)."""
    result = swap_faces(image, donor, landmarks, donor_landmarks, feather=feather)
    return result.image, result.source_landmarks


def oracle_swap(videos, clip: int, t: int, image: np.ndarray, landmarks: np.ndarray, donor_clip: int,
                donor_t: int, donor: np.ndarray, donor_landmarks: np.ndarray, feather: int = 0):
    """The renderer's exact swap (the donor's identity, pose and scene; the frame's expression): an upper bound
    for FaceSwap (:func:`~fer_lib.data.synth.swap_frame`); feather is unused (no seam to hide)."""
    return swap_frame(videos, clip, t, donor_clip, donor_t)


def oracle_descriptors(videos, seed: int) -> np.ndarray:
    """MaskFN's oracle descriptor: the frame's ground-truth expression, one-hot, plus Gaussian noise of 0.01
    (seeded) that breaks ties at random; unit length. float32 [n_clips, T, K]."""
    onehot = np.eye(len(videos.classes), dtype=np.float32)[np.asarray(videos.expression)]
    noisy = onehot + 0.01 * np.random.default_rng(seed).standard_normal(onehot.shape).astype(np.float32)
    return noisy / np.linalg.norm(noisy, axis=-1, keepdims=True)


def clip_groups(ds) -> np.ndarray:
    """The clip of each item of a row's pretraining dataset, int64 [N]: what :func:`batch_sampler` keeps apart."""
    if isinstance(ds, TimeTupleDataset):
        return np.asarray(ds.clip, np.int64)
    if isinstance(ds, VoxTupleDataset):
        return np.asarray(ds.clip_of, np.int64)
    if isinstance(ds, (FrameDataset, VoxFrames)):
        return np.asarray(ds.index[:, 0], np.int64)
    raise TypeError(f"no clip ids for a pretraining dataset of type {type(ds).__name__}")


def batch_sampler(ds, per_step: int, seed: int, rank: int = 0, world_size: int = 1) -> GroupBatchSampler:
    """Every step's ``per_step`` items come from as many distinct clips (one item per clip): no row gets
    same-clip negatives it did not ask for (HardNeg asks inside its 4-image item). Items are tuples, or frames
    for MoCo / BYOL; a pool with fewer training clips than that is an error naming both numbers."""
    groups = clip_groups(ds)
    clips = len(np.unique(groups))
    if clips < per_step:
        raise ValueError(f"a step takes {per_step} items of distinct clips but the pretraining pool has only "
                         f"{clips} training clips: lower views_per_step or render more clips")
    return GroupBatchSampler(groups, per_step, seed=seed, rank=rank, world_size=world_size)


def _real_tuple_dataset(row: Row, cfg, data: SSLFERData, seed: int):
    gap = cfg.hard_negative_gap if row.hard_neg else None
    ds = VoxTupleDataset(data.pretrain, cfg.size, offsets=cfg.time_offsets, weights=cfg.offset_weights,
                         hard_negative_gap=gap, per_clip=2 if gap is None else 1, seed=seed,
                         fixed_tuples=cfg.fixed_tuples)
    needs_landmarks = row.face_swap or row.mask_fn or cfg.landmark_mask_p > 0
    collate = real.RealTupleCollate(data.pretrain, clip_identities(data.pretrain), cfg.size,
                                    landmarks=needs_landmarks, descriptor_crop=cfg.descriptor_crop if row.mask_fn else 0,
                                    eye_margin=cfg.eye_margin * cfg.size / 224, seed=seed)
    return ds, collate, items_per_step(row, cfg)


def expression_frames(videos, split: str, frame_step: int) -> Subset:
    """AffectNet-like stills from a split: the apex frames of expressive clips and every ``frame_step``-th
    frame of neutral clips (onset/offset frames carry weak, ambiguous expressions)."""
    ds = FrameDataset(videos, split, frame_step=1)
    c, t = ds.index[:, 0], ds.index[:, 1]
    neutral = videos.classes.index("neutral")
    keep = (videos.phase[c, t] == 2) | ((videos.clip_label[c] == neutral) & (t % frame_step == 0))
    return Subset(ds, np.flatnonzero(keep & (videos.expression[c, t] == videos.clip_label[c])))


def identity_frames(videos, frame_step: int) -> FrameDataset:
    """Every ``frame_step``-th frame of every clip of the identity set (:func:`identity_set`, several clips a
    person)."""
    return FrameDataset(videos, "all", frame_step=frame_step)


def expression_sets(cfg, data: SSLFERData) -> tuple[object, object, tuple[str, ...]]:
    """(probe-train set, probe-test set, class names): synthetic apex stills or AffectNet train / validation."""
    if data.real:
        return data.evaluation[0], data.evaluation[1], data.evaluation[0].classes
    return (expression_frames(data.evaluation, "train", cfg.eval_frame_step),
            expression_frames(data.evaluation, "test", cfg.eval_frame_step), data.evaluation.classes)


def map_frames(cfg, data: SSLFERData) -> tuple[object, tuple[str, ...], tuple[str, ...]]:
    """Frames for the t-SNE maps: (dataset, label keys, class names). Synthetic: the identity set's first
    ``MAP_PEOPLE`` people (several clips each, few enough colours for identity clusters to show); real:
    AffectNet validation."""
    if data.real:
        return data.evaluation[1], ("expression",), data.evaluation[1].classes
    frames = identity_frames(data.identities, cfg.identity_frame_step)
    people = data.identities.identity[frames.index[:, 0]]
    return Subset(frames, np.flatnonzero(people < MAP_PEOPLE)), ("expression", "identity"), data.identities.classes
