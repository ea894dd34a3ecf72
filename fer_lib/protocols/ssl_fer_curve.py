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


def curve_reading(curve: list[dict], control: str, rows: dict[str, str], ahead: tuple[str, str]) -> dict[str, str]:
    """The reading's values of a learning curve (:func:`fer_lib.protocols.ssl_fer.learning_curve`'s records).

    rows: key -> row name. Per key: ``f1-<key>``, the row's F1 (%) at the curve's end, and ``reach-<key>``,
    the first step from which the row stays at or above the untrained ``control``'s F1 to the end ("from step
    s of S"; "at no point up to step S"). ``ahead``: at how many points after the start ``ahead[0]`` is above
    ``ahead[1]``. ``steps``: the last step. (The chapter glues them under its own prefix.)
    """
    f1 = {}
    for point in curve:
        f1.setdefault(point["row"], {})[point["step"]] = point["F1"]
    bar, last = f1[control][0], max(max(steps) for steps in f1.values())
    out = {"steps": str(last)}
    for key, name in rows.items():
        steps = sorted(s for s in f1[name] if s > 0)
        above = [s for i, s in enumerate(steps) if all(f1[name][t] >= bar for t in steps[i:])]
        out[f"f1-{key}"] = f"{f1[name][steps[-1]] * 100:.1f}"
        out[f"reach-{key}"] = f"from step {above[0]} of {last}" if above else f"at no point up to step {last}"
    later = [s for s in sorted(f1[ahead[0]]) if s > 0 and s in f1[ahead[1]]]
    out["ahead"] = f"{sum(f1[ahead[0]][s] > f1[ahead[1]][s] for s in later)} of {len(later)}"
    return out
