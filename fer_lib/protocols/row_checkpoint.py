"""Where a chapter's trainings checkpoint: one folder per training, keyed by what trained it (every chapter).

    folder = row_checkpoint_dir(run.checkpoint_root(), row, cfg, seed, not_training=NOT_TRAINING)
    folder = checkpoint_folder(root, name, seed, [training_keys(cfg, NOT_TRAINING), ...])  # a chapter's own parts
    log.fit(..., **fit_checkpointing(folder, cfg.checkpoint_every))

A folder's name hashes what the training depends on (its config's training keys: every key but the chapter's
``not_training``, so evaluation and bookkeeping keys may change without retraining; the row or the part of it the
training reads) and the library's code, so a checkpoint is only ever picked up by the very same training (in the
notebook, or earlier under torchrun by :mod:`.train`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path

from fer_lib.config import as_dict
from fer_lib.runtime import code_digest


def folder_name(name: str) -> str:
    """``name`` as a file name: every run of characters other than letters and digits becomes one ``_``
    (none at either end)."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")


def checkpoint_folder(root: str | Path, name: str, seed: int, parts) -> Path:
    """``<root>/<folder_name(name)>-seed<seed>-<hash>``: the hash is the first 12 hex digits of the sha256 of
    ``json.dumps([*parts, code_digest()], sort_keys=True, default=str)``."""
    text = json.dumps([*parts, code_digest()], sort_keys=True, default=str)
    return Path(root) / f"{folder_name(name)}-seed{seed}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def training_keys(cfg, not_training: tuple[str, ...] = (), paths=()) -> dict:
    """The config as a dict without the ``not_training`` keys; the set keys in ``paths`` as resolved absolute
    paths (a torchrun command given a relative path and the chapter given the absolute one hash alike)."""
    return {k: str(Path(v).expanduser().resolve()) if k in paths and v else v
            for k, v in as_dict(cfg).items() if k not in not_training}


def row_checkpoint_dir(root: str | Path, row, cfg, seed: int, not_training: tuple[str, ...] = (),
                       paths=()) -> Path:
    """The :func:`checkpoint_folder` of (row, seed) hashing the :func:`training_keys` and the whole row;
    ``row``: a dataclass with a ``row`` name field."""
    return checkpoint_folder(root, row.row, seed,
                             [training_keys(cfg, not_training, paths), dataclasses.asdict(row)])


def fit_checkpointing(folder: str | Path | None, every: int) -> dict:
    """:func:`fer_lib.engine.trainer.fit`'s checkpoint arguments: every ``every`` steps (0: at the end only) into
    ``folder``, resumed from there (a finished training is loaded, not retrained); none without a folder."""
    if folder is None:
        return {}
    return {"checkpoint_dir": folder, "checkpoint_every": every, "resume": True}
