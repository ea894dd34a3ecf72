"""SSL-FER on the real datasets: VoxCeleb1 face tracks to pretrain, AffectNet to evaluate, LFW for identity.

Selected by ``dataset="real"`` with the paths in the chapter's config (``vox_index``, ``vox_root``,
``affectnet_train_csv``, ``affectnet_val_csv``, ``affectnet_images``, ``lfw_home``). What the synthetic
path takes from the ground truth is measured here, as in the authors' code:

- landmarks come from dlib (HOG detector, upsample 1, 68 points) on the frame at its stored resolution,
  scaled to the training size; computed once per clip when FaceSwap or MaskFN first needs it and kept on
  disk (:class:`ClipLandmarks`), where the authors ran dlib on every image every epoch;
- a frame where dlib finds no face or several cannot be swapped or described. FaceSwap leaves it
  unswapped (the authors' fallback) and its MaskFN descriptor is zero (the authors describe a black
  crop). Such frames are counted (``ClipLandmarks.misses``, ``SSLFER.swaps_skipped``), not hidden.
- the mechanism checks need per-frame expression labels, which VoxCeleb does not have: none here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from fer_lib.atomic import atomic_write
from fer_lib.data.formats.affectnet import AffectNetImages
from fer_lib.data.formats.frame_folder import read_rgb
from fer_lib.data.formats.lfw import lfw_pairs, lfw_people
from fer_lib.data.formats.voxceleb import VoxClip
from fer_lib.data.synth import cache_root
from fer_lib.data.tuple_collate import TUPLE_ORDER
from fer_lib.faces.crops import mouth_eye_crops
from fer_lib.faces.descriptor import describe
from fer_lib.faces.detect import FaceCountError, detect_one
from fer_lib.faces.landmarks import predict
from fer_lib.metrics.identity import cosine_scores, verification

#: the config keys each part of the real-data path needs
PRETRAIN_KEYS = ("vox_index", "vox_root")
EVAL_KEYS = ("affectnet_train_csv", "affectnet_val_csv", "affectnet_images")


def check_paths(cfg) -> None:
    """Every real-data path the config needs is set and exists; the error lists each one that is not."""
    problems = []
    for key in PRETRAIN_KEYS + EVAL_KEYS:
        value = getattr(cfg, key)
        if not value:
            problems.append(f"{key} is not set")
        elif not Path(value).exists():
            problems.append(f"{key}={value} does not exist")
    if cfg.lfw_home and not Path(cfg.lfw_home).is_dir():
        problems.append(f"lfw_home={cfg.lfw_home} is not a folder")
    if problems:
        raise FileNotFoundError("dataset='real' needs the real datasets: " + "; ".join(problems))


class ClipLandmarks:
    """dlib's 68 landmarks of a clip's frames, computed once per clip and kept on disk.

    ``landmarks(clip, t)`` -> float32 [68, 2] in the coordinates of the frame resized to ``size`` x ``size``,
    all NaN where dlib finds no face or several. A clip's first use runs dlib on all its frames and writes
    ``<cache_dir>/<key>.npy`` (float32 [T, 68, 2] in [0, 1] image coordinates; written atomically; the key
    hashes the folder and its frames' names, sizes and times), so later epochs, rows, seeds and data-loading
    workers read the file instead of running dlib again. ``misses``: no-face frames among the clips this
    instance computed or read.
    """

    def __init__(self, size: int, cache_dir: str | Path | None = None):
        self.size, self.misses, self.clips = size, 0, {}
        self.cache_dir = Path(cache_dir) if cache_dir else cache_root().parent / "landmarks"

    @staticmethod
    def key(clip: VoxClip) -> str:
        stats = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in clip.frames]
        return hashlib.sha1(repr((str(clip.folder.resolve()), stats)).encode()).hexdigest()

    def _detect(self, path: Path) -> np.ndarray:
        image = read_rgb(path)
        try:
            box = detect_one(image, upsample=1, where=str(path))
        except FaceCountError:
            return np.full((68, 2), np.nan, np.float32)
        return predict(image, box) / np.array([image.shape[1], image.shape[0]], np.float32)

    def clip(self, clip: VoxClip) -> np.ndarray:
        """float32 [T, 68, 2] in [0, 1] image coordinates (NaN: no single face)."""
        if clip.folder not in self.clips:
            path = self.cache_dir / f"{self.key(clip)}.npy"
            if path.exists():
                marks = np.load(path)
            else:
                marks = np.stack([self._detect(f) for f in clip.frames]).astype(np.float32)
                with atomic_write(path, "wb") as handle:
                    np.save(handle, marks)
            self.misses += int(np.isnan(marks).all(axis=(1, 2)).sum())
            self.clips[clip.folder] = marks
        return self.clips[clip.folder]

    def __call__(self, clip: VoxClip, t: int) -> np.ndarray:
        return self.clip(clip)[t] * self.size


def descriptors(images: torch.Tensor, landmarks: torch.Tensor, crop_size: int, eye_margin: float) -> torch.Tensor:
    """Mouth-eye descriptors [B, D] of uint8 images [B, 3, H, W] with landmarks [B, 68, 2]; zero where NaN."""
    found = torch.isfinite(landmarks).all(dim=(1, 2))
    fill = landmarks.nan_to_num(0.0)
    crops = [mouth_eye_crops(img.permute(1, 2, 0).numpy(), lm.numpy(), crop_size, eye_margin)
             for img, lm in zip(images, fill)]
    eyes = torch.from_numpy(np.stack([c[0] for c in crops]))
    mouths = torch.from_numpy(np.stack([c[1] for c in crops]))
    return describe(eyes, mouths) * found[:, None]


class RealTupleCollate:
    """``collate_fn`` for :class:`fer_lib.data.formats.voxceleb.VoxTupleDataset` items -> SSLFER's batch.

    The real-data counterpart of :class:`fer_lib.data.tuple_collate.TupleCollate`: landmarks from dlib
    (only with ``landmarks=True``: FaceSwap, MaskFN or LandmarkMask on), descriptors from those landmarks
    (``descriptor_crop`` > 0), and a donor frame of another identity, drawn from ``(seed, clip, t...)``.
    """

    def __init__(self, clips: list[VoxClip], identity: np.ndarray, size: int, *, landmarks: bool,
                 descriptor_crop: int = 0, eye_margin: float = 10.0, seed: int = 0, donor_tries: int = 4):
        self.clips, self.identity, self.size, self.seed = clips, np.asarray(identity), size, seed
        self.landmarks = ClipLandmarks(size) if landmarks else None
        self.descriptor_crop, self.eye_margin, self.donor_tries = descriptor_crop, eye_margin, donor_tries

    def _landmarks(self, clip: np.ndarray, t: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.stack([self.landmarks(self.clips[c], s) for c, s in zip(clip, t)]))

    def _donor(self, clip: int, ts: np.ndarray) -> tuple[int, int]:
        """A frame of another identity's clip; with landmarks on, one where dlib finds a face if any try does."""
        rng = np.random.default_rng([self.seed, clip, *[int(s) for s in ts]])
        pool = np.flatnonzero(self.identity != self.identity[clip])
        if len(pool) == 0:
            raise ValueError(f"no donor clip of another identity than {self.clips[clip].folder}")
        for _ in range(self.donor_tries):
            d = int(pool[rng.integers(len(pool))])
            s = int(rng.integers(len(self.clips[d].frames)))
            if self.landmarks is None or np.isfinite(self.landmarks(self.clips[d], s)).all():
                break
        return d, s

    def __call__(self, items: list[dict]) -> dict:
        images = torch.stack([it["images"] for it in items])                        # [B, K, 3, H, W]
        t = torch.stack([it["t"] for it in items]).numpy()                          # [B, K]
        clip = np.array([int(it["clip"]) for it in items], dtype=np.int64)
        batch = {"clip": torch.from_numpy(clip), "identity": torch.from_numpy(self.identity[clip].astype(np.int64))}
        for k, role in enumerate(TUPLE_ORDER[: images.shape[1]]):
            batch[role], batch[f"{role}_t"] = images[:, k], torch.from_numpy(t[:, k].copy())
            if self.landmarks is not None:
                batch[f"{role}_landmarks"] = self._landmarks(clip, t[:, k])
                if self.descriptor_crop:
                    batch[f"{role}_descriptor"] = descriptors(images[:, k], batch[f"{role}_landmarks"],
                                                              self.descriptor_crop, self.eye_margin)
        donors = np.array([self._donor(int(c), ts) for c, ts in zip(clip, t)], dtype=np.int64)   # [B, 2]
        frames = [read_rgb(self.clips[d].frames[s], self.size) for d, s in donors]
        batch["donor"] = torch.from_numpy(np.ascontiguousarray(np.stack(frames).transpose(0, 3, 1, 2)))
        if self.landmarks is not None:
            batch["donor_landmarks"] = self._landmarks(donors[:, 0], donors[:, 1])
        batch["donor_clip"], batch["donor_t"] = torch.from_numpy(donors[:, 0]), torch.from_numpy(donors[:, 1])
        return batch


class ImageArray(Dataset):
    """Float images [N, h, w(, 3)] in 0..255 (scikit-learn's LFW) as items dict(image uint8 [3, size, size])."""

    def __init__(self, images: np.ndarray, size: int):
        import cv2

        images = np.clip(np.asarray(images), 0, 255).astype(np.uint8)
        if images.ndim == 3:
            images = np.repeat(images[..., None], 3, axis=-1)
        self.images = np.stack([cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA) for im in images])

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> dict:
        return {"image": torch.from_numpy(np.ascontiguousarray(self.images[i].transpose(2, 0, 1)))}


def affectnet_sets(cfg) -> tuple[AffectNetImages, AffectNetImages]:
    """(probe-train, probe-test) = AffectNet's train CSV and its (balanced) validation CSV, 8 classes."""
    return (AffectNetImages(cfg.affectnet_train_csv, cfg.affectnet_images, size=cfg.view_size),
            AffectNetImages(cfg.affectnet_val_csv, cfg.affectnet_images, size=cfg.view_size))


def lfw_identity(embed_fn, cfg, seed: int) -> dict:
    """LFW: the authors' 1-NN identification (people with >= ``lfw_min_faces`` images, 70/30 split) through
    :func:`fer_lib.protocols.probes.identity_leakage_probe`, and standard pair verification (pairs.txt, 10 folds).

    embed_fn: dataset -> features [N, D]. Lower identification accuracy = less identity in the embedding.
    """
    from fer_lib.protocols.probes import identity_leakage_probe

    images, target, _ = lfw_people(cfg.lfw_home, min_faces_per_person=cfg.lfw_min_faces, color=True)
    leak = identity_leakage_probe(embed_fn(ImageArray(images, cfg.view_size)), target, test_fraction=0.3, seed=seed)
    pairs, same = lfw_pairs(cfg.lfw_home, subset="10_folds", color=True)
    a = embed_fn(ImageArray(pairs[:, 0], cfg.view_size))
    b = embed_fn(ImageArray(pairs[:, 1], cfg.view_size))
    ver = verification(cosine_scores(a, b), same, n_folds=min(10, len(same)))
    return {"identity_probe_acc": leak.logistic_accuracy, "identity_1nn_acc": leak.nn1_accuracy,
            "identity_chance": leak.chance, "lfw_verification_acc": ver.accuracy, "lfw_verification_auc": ver.auc}
