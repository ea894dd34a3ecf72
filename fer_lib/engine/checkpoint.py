"""Checkpoints: atomic save, safe load (``weights_only=True``), and clear errors for the wrong model.

A training checkpoint is one ``torch.save`` file holding only tensors and plain Python values, so it
loads with ``torch.load(weights_only=True)`` (no arbitrary unpickling)::

    {"format": "fer_lib.engine/1",
     "model_class": "fer_lib.methods.simclr.SimCLR",   # module.qualname of the saved nn.Module
     "fingerprint": "3f2a...",                         # sha256 of class + parameter names/shapes/dtypes + config
     "config": "{...}",                                # JSON text of the optional config dict (or "null")
     "model": state_dict,
     "trainer": {...},                                 # optimizers, schedulers, step, epoch, RNG states (trainer.py)
     "checksum": "9c1e..."}                            # sha256 of every tensor under "model" and "trainer"

Loading into a different model raises :class:`CheckpointMismatchError` naming the file and the
difference (class, missing/unexpected keys, shapes), never a half-loaded model. A file whose tensor bytes
no longer match its checksum (a flipped bit, a partly overwritten file) raises :class:`CorruptCheckpointError`
naming the file; checkpoints written before the checksum existed load without the check.
:func:`check_resume` refuses a training checkpoint of another run (seed, dataset length, batch size, process
count) before the engine resumes from it.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from fer_lib.atomic import atomic_write

FORMAT = "fer_lib.engine/1"


class CheckpointMismatchError(RuntimeError):
    """The checkpoint at ``path`` does not fit the model it is being loaded into."""


class CorruptCheckpointError(CheckpointMismatchError):
    """The checkpoint's tensor data differ from what was written (its checksum does not match)."""


def tensor_checksum(tree: Any) -> str:
    """sha256 over every tensor in a nested dict/list/tuple: its key path, dtype, shape and raw bytes.

    Dicts are walked in sorted key order, so the digest depends only on the content (not on insertion order).
    """
    h = hashlib.sha256()

    def walk(node, where: str) -> None:
        if isinstance(node, torch.Tensor):
            t = node.detach().cpu().contiguous().reshape(-1)
            h.update(f"{where}:{t.dtype}:{tuple(node.shape)};".encode())
            h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
        elif isinstance(node, dict):
            for key in sorted(node, key=str):
                walk(node[key], f"{where}/{key}")
        elif isinstance(node, (list, tuple)):
            for i, item in enumerate(node):
                walk(item, f"{where}/{i}")

    walk(tree, "")
    return h.hexdigest()


def model_class_name(model: nn.Module) -> str:
    """``module.QualName`` of ``model`` (a DDP wrapper is looked through)."""
    model = getattr(model, "module", model) if isinstance(model, nn.parallel.DistributedDataParallel) else model
    cls = type(model)
    return f"{cls.__module__}.{cls.__qualname__}"


def fingerprint(model: nn.Module, config: dict | None = None) -> str:
    """sha256 over the class name, every state-dict entry's (name, shape, dtype) and the JSON config."""
    h = hashlib.sha256(model_class_name(model).encode())
    for name, value in sorted(model.state_dict().items()):
        desc = f"{tuple(value.shape)}:{value.dtype}" if isinstance(value, torch.Tensor) else type(value).__name__
        h.update(f"{name}:{desc};".encode())
    h.update(json.dumps(config, sort_keys=True, default=str).encode())
    return h.hexdigest()


def atomic_torch_save(obj: Any, path: str | Path) -> Path:
    """``torch.save`` through :func:`fer_lib.atomic.atomic_write` (never a torn checkpoint)."""
    with atomic_write(path, "wb") as handle:
        torch.save(obj, handle)
    return Path(path)


def safe_load(path: str | Path) -> dict:
    """``torch.load(path, map_location='cpu', weights_only=True)`` with errors that name the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # corrupt file or a pickle that needs arbitrary code
        raise CheckpointMismatchError(f"checkpoint {path} cannot be loaded safely (weights_only=True): {exc}") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointMismatchError(
            f"checkpoint {path} is not a fer_lib engine checkpoint (expected format {FORMAT!r}, "
            f"got {payload.get('format') if isinstance(payload, dict) else type(payload).__name__!r})")
    if "checksum" in payload:
        actual = tensor_checksum({"model": payload["model"], "trainer": payload["trainer"]})
        if actual != payload["checksum"]:
            raise CorruptCheckpointError(
                f"checkpoint {path} is corrupt: the sha256 of its tensors is {actual[:16]}..., but "
                f"{payload['checksum'][:16]}... was stored when it was written (damaged file; delete it to retrain)")
    return payload


def _shape(value) -> tuple | str:
    """Tensor shape, or the type name of a non-tensor entry (a module's ``get_extra_state``)."""
    return tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__


def _to_cpu(value):
    """Detached CPU copy of tensors, recursively through the dicts/lists of extra state."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: _to_cpu(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_cpu(v) for v in value)
    return value


def check_state_dict(path: Path, model: nn.Module, state: dict[str, torch.Tensor], what: str = "model") -> None:
    """Raise :class:`CheckpointMismatchError` listing missing/unexpected keys and shape mismatches."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = [f"{k}: checkpoint {_shape(state[k])} vs {what} {_shape(own[k])}"
              for k in sorted(set(own) & set(state)) if _shape(own[k]) != _shape(state[k])]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing key(s) {missing[:5]}")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected key(s) {unexpected[:5]}")
    if shapes:
        problems.append(f"{len(shapes)} shape mismatch(es) {shapes[:5]}")
    if problems:
        raise CheckpointMismatchError(f"checkpoint {path} does not fit {what} {model_class_name(model)}: "
                                      + "; ".join(problems))


def save_checkpoint(path: str | Path, model: nn.Module, *, config: dict | None = None,
                    trainer: dict | None = None) -> Path:
    """Atomically save ``model``'s state dict with its class name, fingerprint, config and trainer state."""
    payload = {
        "format": FORMAT,
        "model_class": model_class_name(model),
        "fingerprint": fingerprint(model, config),
        "config": json.dumps(config, sort_keys=True, default=str),
        "model": {k: _to_cpu(v) for k, v in model.state_dict().items()},
        "trainer": trainer or {},
    }
    payload["checksum"] = tensor_checksum({"model": payload["model"], "trainer": payload["trainer"]})
    return atomic_torch_save(payload, path)


def load_checkpoint(path: str | Path, model: nn.Module, *, config: dict | None = None,
                    check_config: bool = True, check_trainer: Callable[[dict], None] | None = None) -> dict:
    """Load ``path`` into ``model`` after checking checksum, class, keys, shapes (and config); return the payload.

    check_trainer: called with the stored trainer state; it raises to refuse the file (e.g. another seed).
    The model is only modified once every check has passed.
    """
    path = Path(path)
    payload = safe_load(path)
    if payload["model_class"] != model_class_name(model):
        raise CheckpointMismatchError(f"checkpoint {path} was saved from model {payload['model_class']}, "
                                      f"not {model_class_name(model)}")
    check_state_dict(path, model, payload["model"])
    saved_config = json.loads(payload["config"])
    if check_config and config is not None and saved_config != json.loads(json.dumps(config, sort_keys=True,
                                                                                     default=str)):
        diff = sorted(k for k in set(config) | set(saved_config or {})
                      if (saved_config or {}).get(k) != config.get(k))
        raise CheckpointMismatchError(f"checkpoint {path} was saved with a different config; keys that differ: {diff}")
    if check_trainer is not None:
        check_trainer(payload["trainer"])
    model.load_state_dict(payload["model"])
    return payload


def load_weights(path: str | Path, module: nn.Module, *, prefix: str = "") -> None:
    """Load the sub-state-dict under ``prefix`` (e.g. ``"encoder."``) of a checkpoint into ``module``.

    For downstream use of a pretrained part (an SSL encoder into a probe); keys and shapes must match
    exactly, the class check is skipped (the checkpoint's class is the whole method).
    """
    path = Path(path)
    payload = safe_load(path)
    state = {k[len(prefix):]: v for k, v in payload["model"].items() if k.startswith(prefix)}
    if not state:
        raise CheckpointMismatchError(f"checkpoint {path} (model {payload['model_class']}) has no keys under "
                                      f"prefix {prefix!r}")
    check_state_dict(path, module, state, what=f"module (prefix {prefix!r})")
    module.load_state_dict(state)


# --- RNG states (all plain tensors / ints so that weights_only loading works) -------------------------

def rng_state(device: torch.device | None = None) -> dict:
    """Python, numpy, torch CPU (and CUDA on a CUDA device) RNG states as weights_only-safe values."""
    np_name, np_keys, np_pos, np_has_gauss, np_cached = np.random.get_state()
    version, py_state, gauss = random.getstate()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": {"name": np_name, "keys": torch.from_numpy(np_keys.astype(np.int64)), "pos": int(np_pos),
                  "has_gauss": int(np_has_gauss), "cached_gaussian": float(np_cached)},
        "python": {"version": version, "state": torch.tensor(py_state, dtype=torch.int64), "gauss": gauss},
    }
    if device is not None and device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def set_rng_state(state: dict, device: torch.device | None = None) -> None:
    """Inverse of :func:`rng_state`."""
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state((n["name"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"],
                         n["cached_gaussian"]))
    p = state["python"]
    random.setstate((p["version"], tuple(int(v) for v in p["state"].tolist()), p["gauss"]))
    if "cuda" in state and device is not None and device.type == "cuda":
        torch.cuda.set_rng_state(state["cuda"], device)


def generators_of(module: nn.Module) -> dict[str, torch.Generator]:
    """Every ``torch.Generator`` stored as an attribute of ``module`` or a submodule, by dotted name.

    Methods keep their augmentation generator as an attribute (e.g. ``self.gen``); the trainer saves and
    restores these so that a resumed run draws the same augmentations.
    """
    found = {}
    for mod_name, mod in module.named_modules():
        for attr, value in vars(mod).items():
            if isinstance(value, torch.Generator):
                found[f"{mod_name}.{attr}" if mod_name else attr] = value
    return found


def check_resume(path: Path, saved: dict, *, seed: int, batch_size: int, dataset_length: int, world_size: int,
                 sampler_length: int, finished: bool) -> None:
    """Refuse a checkpoint of another run: exact resume needs the same seed, dataset length and batch size
    (per process x processes); an unfinished run also the same process count and items per epoch per process
    (the sampler's length: the data position is counted in it). A field the checkpoint does not store (older
    files) is not checked."""
    saved_world = saved.get("world_size", 1)
    if not finished and saved_world != world_size:
        raise ValueError(f"checkpoint {path} was written with {saved_world} processes, this run has {world_size}: "
                         f"the data position would not match")
    saved_batch = saved.get("batch_size")
    for name, old, new in (("seed", saved.get("seed"), seed),
                           ("dataset length", saved.get("dataset_length"), dataset_length),
                           ("batch_size x processes", None if saved_batch is None else saved_batch * saved_world,
                            batch_size * world_size),
                           ("items per epoch per process", None if finished else saved.get("sampler_length"),
                            sampler_length)):
        if old is not None and old != new:
            raise ValueError(f"checkpoint {path} was written with {name} = {old}, this run has {name} = {new}: "
                             f"exact resume needs them equal (pass the same value, or use another checkpoint_dir)")
