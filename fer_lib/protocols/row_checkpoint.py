"""Where a chapter row's training checkpoints: one folder per (row, seed, training), shared by the chapters.

    folder = row_checkpoint_dir(run.checkpoint_root(), row, cfg, seed, not_training=NOT_TRAINING)

The folder name hashes the config's training keys (every key but ``not_training``: evaluation and bookkeeping
keys may change without retraining), the row record and the library's code, so a checkpoint is only ever picked
up by the very same training (in the notebook, or earlier under torchrun by :mod:`.train`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path

from fer_lib.config import as_dict
from fer_lib.runtime import code_digest


def row_checkpoint_dir(root: str | Path, row, cfg, seed: int, not_training: tuple[str, ...] = ()) -> Path:
    """``<root>/<row name, non-alphanumerics as _>-seed<seed>-<12 hex digits>``; ``row``: a dataclass with a
    ``row`` name field."""
    training = {k: v for k, v in as_dict(cfg).items() if k not in not_training}
    key = hashlib.sha256(json.dumps([training, dataclasses.asdict(row), code_digest()], sort_keys=True,
                                    default=str).encode())
    return Path(root) / f"{re.sub(r'[^A-Za-z0-9]+', '_', row.row)}-seed{seed}-{key.hexdigest()[:12]}"
