"""Snapshots for the SSL-FER learning curve: the backbone saved at a few steps of a row's pretraining, into the
row's checkpoint folder, so that the curve (:func:`fer_lib.protocols.ssl_fer.learning_curve`) can evaluate it
later, also for a row an earlier execution trained.

    steps = curve_steps(cfg, total)                     # points strictly inside the run (the end is the row)
    fit(..., callbacks=[snapshot_callback(backbone, folder, steps)])
    load_checkpoint(snapshot_path(folder, step), backbone)
"""

from __future__ import annotations

from pathlib import Path

import torch

from fer_lib.engine.checkpoint import save_checkpoint
from fer_lib.engine.trainer import StepInfo

#: what a curve point keeps of an evaluation record
CURVE_COLUMNS = ("F1", "identity_probe_acc", "scene_index")


def curve_steps(points: int, total: int) -> tuple[int, ...]:
    """``points - 1`` evenly spaced steps strictly inside a run of ``total`` steps (the last point is its end)."""
    return tuple(sorted({max(1, round(total * k / points)) for k in range(1, points)} - {total}))


def snapshot_path(folder: str | Path, step: int) -> Path:
    return Path(folder) / f"backbone-step{step:06d}.pt"


def snapshot_callback(backbone: torch.nn.Module, folder: str | Path, steps: tuple[int, ...]):
    """An ``engine.fit`` callback that saves the backbone (an engine checkpoint) after each of ``steps``."""
    wanted = set(steps)

    def save(info: StepInfo) -> None:
        if info.step in wanted:
            save_checkpoint(snapshot_path(folder, info.step), backbone)
    return save
