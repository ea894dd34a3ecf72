"""Seeding, device choice, mixed precision and environment capture: the run's physical context."""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import random
import subprocess
from pathlib import Path

import numpy as np
import torch

from fer_lib import __version__

REPO_ROOT = Path(__file__).resolve().parents[1]


#: Files beside the library whose content can change a number: the pins and the lock of the environment,
#: and the media wheels whose videos and model the faces chapter reads.
ENVIRONMENT_FILES = ("requirements.txt", "requirements.lock", "requirements-media.txt")


def library_files(lib_dir: Path) -> list[Path]:
    """Every file a chapter can read from the library (code, published tables, any data), sorted by path;
    caches (``__pycache__``) and hidden files (editor and checkpoint litter) are left out."""
    return sorted(p for p in lib_dir.rglob("*") if p.is_file()
                  and not any(part == "__pycache__" or part.startswith(".") for part in p.relative_to(lib_dir).parts))


def code_digest(lib_dir: Path = REPO_ROOT / "fer_lib") -> str:
    """SHA-256 of every library file (path and bytes, :func:`library_files`) and of the
    :data:`ENVIRONMENT_FILES` beside the library: what the runner's cache key and the chapters' checkpoint
    folders depend on (editing ``papers/<chapter>.json`` re-runs the chapter)."""
    digest = hashlib.sha256()
    for path in library_files(lib_dir):
        digest.update(str(path.relative_to(lib_dir).as_posix()).encode() + b"\0")
        digest.update(path.read_bytes())
    for name in ENVIRONMENT_FILES:
        if (lib_dir.parent / name).exists():
            digest.update(name.encode() + b"\0" + (lib_dir.parent / name).read_bytes())
    return digest.hexdigest()


def project_root(start: Path | None = None) -> Path | None:
    """The book project that holds ``start`` (default: the working directory): the nearest folder, itself or
    above, with a ``_toc.yml`` and a ``book/`` folder; None outside any. Results, checkpoints and caches
    land there, whichever checkout the library was installed from."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "_toc.yml").is_file() and (folder / "book").is_dir():
            return folder
    return None


def seed_everything(seed: int) -> torch.Generator:
    """Seed python, numpy and torch (CPU and CUDA); return a CPU generator seeded with ``seed``."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def pick_device(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA when present, else CPU; ``cuda`` without a GPU is an error, not a silent fallback."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device='cuda' was requested but torch sees no CUDA device")
    return device


def autocast(device: torch.device, enabled: bool = True):
    """bf16 autocast on CUDA; a no-op context on CPU (CPU runs stay fp32 and reproducible)."""
    if enabled and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def device_description(device: torch.device) -> str:
    """Human-readable device name for results tables, e.g. 'cpu (2 threads)' or 'NVIDIA H100 80GB HBM3'."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"cpu ({torch.get_num_threads()} threads, {platform.processor() or platform.machine()})"


def git_commit() -> str | None:
    """The repository's HEAD commit (with '+dirty' when the tree has changes), or None outside git."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def library_versions() -> dict[str, str]:
    """Versions of the libraries that can change a number in a results table."""
    import importlib.metadata as md

    names = ["torch", "torchvision", "numpy", "scikit-learn", "opencv-python-headless", "timm", "dlib-bin", "papermill"]
    versions = {"python": platform.python_version(), "fer_lib": __version__}
    for name in names:
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            continue
    return versions


def environment_info(device: torch.device) -> dict:
    """Everything about the machine a results file should record."""
    return {
        "device": str(device),
        "device_name": device_description(device),
        "cuda": torch.version.cuda if device.type == "cuda" else None,
        "host": platform.node(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "versions": library_versions(),
        "git_commit": git_commit(),
    }
