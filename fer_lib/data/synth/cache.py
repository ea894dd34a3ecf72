"""Render once, cache on disk as memory-mappable ``.npy`` arrays keyed by a hash of the config.

Layout: ``<cache>/<domain>-<key>/frames.npy`` (uint8 [n_clips, T, H, W, 3], opened with
``mmap_mode='r'``), ``labels.npz`` (every per-clip / per-frame label) and ``config.json``.
The cache folder is ``$FER_CACHE_DIR/synth`` or ``<repo>/.cache/synth``. A set is rendered into a
temporary folder and renamed into place when complete, so a half-written set is never read and two
processes rendering the same set at once both end up with identical bytes.

With ``workers > 1`` clips are rendered in worker processes that write straight into the
memory-mapped output; since every clip has its own seeds, the bytes do not depend on ``workers``.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing as mp
import os
import resource
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fer_lib.data.synth.config import (SynthConfig, clip_factors, clip_scene, identity_of, identity_splits,
                                       render_rng)
from fer_lib.data.synth.dynamics import ClipFactors
from fer_lib.data.synth.landmarks import N_LANDMARKS
from fer_lib.data.synth.render import render_clip, render_points

_REPO_ROOT = Path(__file__).resolve().parents[3]


def cache_root() -> Path:
    """``$FER_CACHE_DIR/synth`` if set, else ``<repo>/.cache/synth``."""
    env = os.environ.get("FER_CACHE_DIR")
    return (Path(env) if env else _REPO_ROOT / ".cache") / "synth"


@dataclass
class SynthVideos:
    """A rendered set. Per-clip arrays have leading dim n_clips, per-frame arrays [n_clips, T, ...]."""

    config: SynthConfig
    classes: tuple[str, ...]
    frames: np.ndarray      # uint8 [n, T, H, W, 3] RGB (memmap when loaded from the cache)
    landmarks: np.ndarray   # float32 [n, T, 68, 2] pixel (x, y), dlib 68-point order
    expression: np.ndarray  # int64 [n, T] index into classes
    phase: np.ndarray       # int8 [n, T] 0 none, 1 onset, 2 apex, 3 offset
    intensity: np.ndarray   # float32 [n, T]
    valence: np.ndarray     # float32 [n, T]
    arousal: np.ndarray     # float32 [n, T]
    blink: np.ndarray       # float32 [n, T]
    aus: np.ndarray         # float32 [n, T, A] (expression.AU_NAMES)
    pose: np.ndarray        # float32 [n, T, 3] yaw, pitch, roll (degrees)
    gaze: np.ndarray        # float32 [n, T, 2] pitch, yaw (radians)
    identity: np.ndarray    # int64 [n]
    split: np.ndarray       # str [n] in {"train", "val", "test"}
    clip_label: np.ndarray  # int64 [n] the clip's class (its main episode)

    def __len__(self) -> int:
        return len(self.identity)

    @property
    def n_frames(self) -> int:
        return self.frames.shape[1]

    def clips(self, split: str) -> np.ndarray:
        """Clip indices [n_split] of a split."""
        if split not in ("train", "val", "test", "all"):
            raise ValueError(f"split must be train, val, test or all, got {split!r}")
        return np.arange(len(self)) if split == "all" else np.flatnonzero(self.split == split)


_LABEL_FIELDS = ("landmarks", "expression", "phase", "intensity", "valence", "arousal", "blink", "aus", "pose",
                 "gaze", "identity", "split", "clip_label")


def clip_labels(cfg: SynthConfig, c: int, f: ClipFactors | None = None) -> dict[str, np.ndarray]:
    """The label arrays of clip ``c`` (landmarks at the output size)."""
    idt = identity_of(cfg, c // cfg.clips_per_identity)
    f = f or clip_factors(cfg, c, idt)
    marks = render_points(idt, f.aus, f.blink, f.gaze, f.pose, f.centre, f.scale, cfg.size)[:, :N_LANDMARKS]
    return {"landmarks": marks.astype(np.float32), "expression": f.expression, "phase": f.phase,
            "intensity": f.intensity, "valence": f.valence, "arousal": f.arousal, "blink": f.blink,
            "aus": f.aus, "pose": f.pose, "gaze": f.gaze, "clip_label": np.int64(f.clip_label)}


def render_clip_index(cfg: SynthConfig, c: int) -> np.ndarray:
    """Frames uint8 [T, H, W, 3] of clip ``c``."""
    idt = identity_of(cfg, c // cfg.clips_per_identity)
    f = clip_factors(cfg, c, idt)
    return render_clip(idt, f.aus, f.blink, f.gaze, f.pose, f.centre, f.scale, clip_scene(cfg, c),
                       cfg.domain_preset, cfg.size, render_rng(cfg, c))


def _render_chunk(args: tuple[dict, str, int, int]) -> int:
    """Worker: render clips [start, stop) into the memmapped ``frames.npy`` at ``path``."""
    import cv2

    cv2.setNumThreads(1)
    cfg_dict, path, start, stop = args
    cfg = SynthConfig(**{**cfg_dict, "split": tuple(cfg_dict["split"])})
    out = np.load(path, mmap_mode="r+")
    for c in range(start, stop):
        out[c] = render_clip_index(cfg, c)
    out.flush()
    del out
    return stop - start


def render_into(cfg: SynthConfig, path: Path, workers: int = 1) -> None:
    """Render every clip of ``cfg`` into a new ``.npy`` file at ``path`` (uint8 [n, T, H, W, 3])."""
    shape = (cfg.n_clips, cfg.frames_per_clip, cfg.size, cfg.size, 3)
    np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=shape).flush()
    n_chunks = min(cfg.n_clips, max(1, workers) * 4)
    bounds = np.linspace(0, cfg.n_clips, n_chunks + 1).astype(int)
    jobs = [(dataclasses.asdict(cfg), str(path), int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    if workers <= 1:
        for job in jobs:
            _render_chunk(job)
        return
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    with mp.get_context(method).Pool(workers) as pool:
        for _ in pool.imap_unordered(_render_chunk, jobs):
            pass


def _cpu_seconds() -> float:
    """CPU seconds used so far by this process and its finished children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def render_speed(cfg: SynthConfig, workers: int = 1, repeats: int = 1) -> tuple[float, float]:
    """Rendering throughput of ``render_into`` (worker start-up included, labels not), best of ``repeats``.

    Returns (wall-clock frames/s, frames per CPU-second summed over this process and its workers). On a
    loaded machine the first drops while the second, what one idle core renders per second, stays put.
    """
    wall, cpu = float("inf"), float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(repeats):
            t0, c0 = time.perf_counter(), _cpu_seconds()
            render_into(cfg, Path(tmp) / f"frames{r}.npy", workers)
            wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, _cpu_seconds() - c0)
    n = cfg.n_clips * cfg.frames_per_clip
    return n / wall, n / max(cpu, 1e-9)


def _labels(cfg: SynthConfig) -> dict[str, np.ndarray]:
    per_clip = [clip_labels(cfg, c) for c in range(cfg.n_clips)]
    out = {k: np.stack([p[k] for p in per_clip]) for k in per_clip[0]}
    identity = np.arange(cfg.n_clips, dtype=np.int64) // cfg.clips_per_identity
    out["identity"] = identity
    out["split"] = identity_splits(cfg)[identity]
    return out


def _open(cfg: SynthConfig, folder: Path) -> SynthVideos:
    with np.load(folder / "labels.npz") as z:
        labels = {k: z[k] for k in _LABEL_FIELDS}
    frames = np.load(folder / "frames.npy", mmap_mode="r")
    return SynthVideos(config=cfg, classes=cfg.domain_preset.classes, frames=frames, **labels)


def load_synth(cfg: SynthConfig, workers: int = 1, cache: bool = True) -> SynthVideos:
    """The rendered set of ``cfg``: read from the cache, or rendered (with ``workers`` processes) and cached.

    ``cache=False`` renders into memory only (no files are left behind).
    """
    if not cache:
        with tempfile.TemporaryDirectory() as tmp:
            render_into(cfg, Path(tmp) / "frames.npy", workers)
            frames = np.load(Path(tmp) / "frames.npy")
        return SynthVideos(config=cfg, classes=cfg.domain_preset.classes, frames=frames, **_labels(cfg))
    folder = cache_root() / f"{cfg.domain}-{cfg.key()}"
    if not (folder / "config.json").exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            render_into(cfg, tmp / "frames.npy", workers)
            np.savez(tmp / "labels.npz", **_labels(cfg))
            (tmp / "config.json").write_text(json.dumps(dataclasses.asdict(cfg), indent=1) + "\n")
            try:
                os.rename(tmp, folder)
            except OSError:
                if not (folder / "config.json").exists():  # not a concurrent winner: a real failure
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return _open(cfg, folder)
