"""Where ABAW6's phase 1 keeps its checkpoints, and which rows share them.

    folder = checkpoint_dir(run.checkpoint_root(), row, cfg, seed)   # <spatial>-seed<s>-<hash>/<stage>/last.pt
    runs = trainable_rows(cfg)                                       # {spatial run: its first row}

The folder's hash covers only what phase 1 depends on (the config without :data:`NOT_TRAINING`, the row's
:data:`SPATIAL_FIELDS`, the library's code), so evaluation and phase-2 settings never invalidate a trained
student, and a folder is never picked up by another training.
"""

from __future__ import annotations

from pathlib import Path

from fer_lib.experiments.abaw6 import ROWS, Row
from fer_lib.protocols.row_checkpoint import checkpoint_folder, training_keys

#: Config keys that change only the evaluation, phase 2 or the bookkeeping, never phase 1: its checkpoints stay
#: valid when they change (see :func:`checkpoint_dir`).
NOT_TRAINING = ("seeds", "key_seeds", "val_identities", "val_clips_per_identity", "val_min_clips_per_class",
                "bootstrap_resamples", "temporal_window", "temporal_dim", "temporal_depth", "temporal_heads",
                "temporal_lr", "temporal_steps", "vote_window", "vote_stride", "demo_videos", "demo_step",
                "demo_vote_window", "checkpoint_every", "aw2_val_annotations")
#: The fields of a Row that phase 1 depends on: the rows of one ``Row.spatial`` must agree on them.
SPATIAL_FIELDS = ("extra", "pool", "ssl", "feedback", "teacher_balanced", "warmup", "finetune")


def checkpoint_dir(root: str | Path, row: Row, cfg, seed: int) -> Path:
    """``<root>/<row.spatial>-seed<seed>-<hash>``: phase 1 of (row.spatial, seed), one subfolder per stage
    (:func:`fer_lib.protocols.abaw6.labelled_budget`'s names). The hash covers the training config (every key but
    :data:`NOT_TRAINING`), the row's :data:`SPATIAL_FIELDS` and the library's code: a checkpoint is only ever
    picked up by the very same training, and the rows that share a spatial run share its folder
    (:func:`.row_checkpoint.checkpoint_folder`)."""
    spatial = {name: getattr(row, name) for name in SPATIAL_FIELDS}
    return checkpoint_folder(root, row.spatial, seed, [training_keys(cfg, NOT_TRAINING), spatial])


def trainable_rows(cfg, rows: tuple[Row, ...] = ROWS) -> dict[str, Row]:
    """Phase 1 runs that :mod:`.train` trains outside the notebook, by ``Row.spatial`` (the first row of each;
    ``ssl_all`` also serves the temporal rows). Rows of one spatial run must agree on :data:`SPATIAL_FIELDS`."""
    out: dict[str, Row] = {}
    for row in rows:
        first = out.setdefault(row.spatial, row)
        differ = [f for f in SPATIAL_FIELDS if getattr(first, f) != getattr(row, f)]
        if differ:
            raise ValueError(f"rows {first.row!r} and {row.row!r} share spatial run {row.spatial!r} but differ in "
                             f"{differ}: phase 1 would be trained once for both")
    return out
