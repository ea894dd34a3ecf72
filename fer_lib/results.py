"""Results files: one JSON per executed chapter, ``results/<run>/<chapter>.json``, written atomically.

``<run>`` is the profile for a plain profile run, and its own folder for a run with overrides (named by
the runner's ``--name`` or by a short hash of the overrides: :func:`run_name`), so a run with ``-p epochs 5``
never replaces the ``default`` results. The file's fields are documented in the README ("Results files");
``schema_version`` changes when they do. Beside it, ``results/<run>/<chapter>/history/`` holds one CSV per
trained (row, seed[, stage]): the engine's training history (:meth:`Run.save_history`, :func:`read_histories`).

A chapter opens a :class:`Run`, times its stages, adds tables (lists of row dicts) and metrics, and
saves. The book renders its comparison tables from these files and from the published numbers in
``fer_lib/papers/<chapter>.json``, each column labelled with where it came from.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import math
import os
import re
import time
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from fer_lib.atomic import atomic_write
from fer_lib.config import PROFILE_NAMES
from fer_lib.runtime import project_root

PAPERS_DIR = Path(__file__).resolve().parent / "papers"
SCHEMA_VERSION = 2  # 2: numeric summaries (<c>, <c>_std), key column "row" everywhere
#: Set by the runner in the kernel: the run folder its ``--name`` or its parameters chose.
RUN_NAME_VARIABLE = "FER_RUN_NAME"
#: Set by the runner in the kernel, whose ``FER_RESULTS_DIR`` is a staging folder: where the published results
#: of the other chapters are (the claims ledger reads them).
PUBLISHED_VARIABLE = "FER_PUBLISHED_RESULTS_DIR"
#: "0" turns the training progress bars off (the runner's ``--no-progress`` sets it in the kernel).
PROGRESS_VARIABLE = "FER_PROGRESS"
#: The columns every history CSV starts with; the engine's logged values follow.
HISTORY_KEYS = ("row", "seed", "stage")


def _project_folder(variable: str, name: str) -> Path:
    """``$variable`` if set, else ``<project>/<name>`` (the book holding the working directory, else the
    working directory itself): never inside the checkout an editable install points to."""
    if os.environ.get(variable):
        return Path(os.environ[variable])
    return (project_root() or Path.cwd()) / name


def results_root() -> Path:
    """Where results files live: ``$FER_RESULTS_DIR`` or ``<project>/results``."""
    return _project_folder("FER_RESULTS_DIR", "results")


def checkpoints_root() -> Path:
    """Where chapters keep training checkpoints: ``$FER_CHECKPOINT_DIR`` or ``<project>/checkpoints``."""
    return _project_folder("FER_CHECKPOINT_DIR", "checkpoints")


def cache_root() -> Path:
    """Where rendered data are cached: ``$FER_CACHE_DIR`` or ``<project>/.cache``."""
    return _project_folder("FER_CACHE_DIR", ".cache")


def run_name(profile: str, overrides: dict | None = None) -> str:
    """The run folder of ``profile`` with ``overrides``: the profile itself without overrides, else
    ``<profile>-<8 hex digits of the overrides' SHA-256>`` (sorted JSON), e.g. ``smoke-3f2a9c1d``."""
    if not overrides:
        return profile
    text = json.dumps(overrides, sort_keys=True, default=str)
    return f"{profile}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def results_path(chapter: str, run: str, root: Path | None = None) -> Path:
    """``<root>/<run>/<chapter>.json`` (``run``: a profile or a run folder name, see :func:`run_name`)."""
    return (root or results_root()) / run / f"{chapter}.json"


def history_dir(chapter: str, run: str, root: Path | None = None) -> Path:
    """``<root>/<run>/<chapter>/history``: the training histories of a chapter's run."""
    return (root or results_root()) / run / chapter / "history"


def history_name(row: str, seed: int, stage: str | None = None) -> str:
    """``<row>-seed<seed>[-<stage>].csv`` with every run of characters other than letters and digits as one
    ``_`` (e.g. ``TimeAug_HardNeg-seed0-pretrain.csv``); the CSV itself keeps the exact names."""
    slug = lambda text: re.sub(r"[^A-Za-z0-9]+", "_", str(text)).strip("_") or "_"  # noqa: E731
    return f"{slug(row)}-seed{seed}" + (f"-{slug(stage)}" if stage else "") + ".csv"


def history_frame(history: list[dict], throughput: list[dict] = (), *, row: str, seed: int,
                  stage: str | None = None):
    """One DataFrame of a fit's ``history`` (step, epoch, lr, loss, logs) joined on ``step`` with its
    ``throughput`` (images_per_s), led by the :data:`HISTORY_KEYS` columns."""
    import pandas as pd

    frame = pd.DataFrame(list(history))
    if frame.empty:
        frame = pd.DataFrame({"step": pd.Series(dtype=int)})
    if throughput:
        frame = frame.merge(pd.DataFrame(list(throughput)), on="step", how="left")
    frame.insert(0, "stage", stage or "")
    frame.insert(0, "seed", seed)
    frame.insert(0, "row", row)
    return frame


def read_histories(folder: Path):
    """Every history CSV under ``folder`` as one DataFrame (rows of all files, columns the union); an empty
    or missing folder is an error naming it and the command that fills it."""
    import pandas as pd

    files = sorted(Path(folder).glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no training histories (*.csv) in {folder}: they are written when a chapter "
                                f"trains its rows (`fer-book run --profile smoke CHAPTER`)")
    frames = []
    for path in files:
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
        missing = [k for k in (*HISTORY_KEYS, "step") if k not in frame.columns]
        if missing:
            raise ValueError(f"{path}: not a training history, columns {missing} are missing")
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["stage"] = out["stage"].fillna("").astype(str)
    return out


def _jsonable(value: Any) -> Any:
    """numpy/torch scalars and arrays -> plain JSON types; NaN/inf -> None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "detach"):  # torch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (see :mod:`fer_lib.atomic`); an OS error (disk full, read-only
    folder) names ``path``."""
    try:
        with atomic_write(path, "w") as handle:
            handle.write(text)
    except OSError as err:
        raise OSError(err.errno, f"{err.strerror or err} (writing {path})", str(path)) from err


def atomic_write_json(path: Path, payload: dict) -> None:
    atomic_write_text(path, json.dumps(_jsonable(payload), indent=2, sort_keys=False, allow_nan=False) + "\n")


class Run:
    """Collects one chapter execution's tables, metrics, config, seeds and timings, then saves them.

    ``name`` is the run folder (default: the profile).

    >>> run = Run("data", "smoke", config={"seed": 0}, seeds=[0], data="synthetic (embedded)", device="cpu")
    >>> with run.stage("render"): ...
    >>> run.add_table("probe", [{"target": "identity", "accuracy": 0.9}])
    >>> run.save()
    """

    def __init__(self, chapter: str, profile: str, config: dict, seeds: Iterable[int], data: str,
                 device: str, environment: dict | None = None, name: str | None = None,
                 overrides: dict | None = None):
        self.chapter, self.profile, self.data, self.device = chapter, profile, data, device
        self.name = name or profile
        self.payload: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "chapter": chapter,
            "profile": profile,
            "run": self.name,
            "overrides": dict(overrides or {}),
            "data": data,
            "device": device,
            "seeds": list(seeds),
            "config": config,
            "environment": environment or {},
            "started": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "stages_s": {},
            "tables": {},
            "metrics": {},
        }
        self._t0 = time.perf_counter()
        #: show a progress bar while rows train (off with ``FER_PROGRESS=0``, e.g. ``fer-book run --no-progress``)
        self.progress = os.environ.get(PROGRESS_VARIABLE, "1") != "0"

    def history_dir(self, root: Path | None = None) -> Path:
        """``results/<run>/<chapter>/history``: where :meth:`save_history` writes (staged with the results
        under the runner, published with them when the chapter succeeds)."""
        return history_dir(self.chapter, self.name, root)

    def save_history(self, row: str, seed: int, history: list[dict], throughput: list[dict] = (),
                     stage: str | None = None, root: Path | None = None) -> Path:
        """Write one (row, seed[, stage]) training history as CSV (atomically; columns: row, seed, stage, step,
        epoch, lr, loss, the method's logs, images_per_s), replacing an earlier one of the same name."""
        path = self.history_dir(root) / history_name(row, seed, stage)
        frame = history_frame(history, throughput, row=row, seed=seed, stage=stage)
        atomic_write_text(path, frame.to_csv(index=False))
        return path

    def checkpoint_root(self) -> Path:
        """``<checkpoints>/<chapter>/<profile>``: this chapter's training checkpoints (resume, torchrun rows)."""
        return checkpoints_root() / self.chapter / self.profile

    @property
    def source_label(self) -> str:
        """Column label for numbers from this run, e.g. 'this run (default, synthetic, cpu)'."""
        return f"this run ({self.profile}, {self.data}, {self.device})"

    @contextlib.contextmanager
    def stage(self, name: str):
        """Time a stage; repeated names accumulate."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            stages = self.payload["stages_s"]
            stages[name] = round(stages.get(name, 0.0) + time.perf_counter() - t0, 3)

    def add_table(self, name: str, rows: list[dict] | Any) -> None:
        """Add a table as a list of row dicts (a DataFrame is converted with ``to_dict('records')``)."""
        if hasattr(rows, "to_dict"):
            rows = rows.to_dict("records")
        self.payload["tables"][name] = _jsonable(list(rows))

    def add_metrics(self, **metrics: Any) -> None:
        self.payload["metrics"].update(_jsonable(metrics))

    def save(self, root: Path | None = None) -> Path:
        self.payload["finished"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self.payload["wall_s"] = round(time.perf_counter() - self._t0, 3)
        path = results_path(self.chapter, self.name, root)
        atomic_write_json(path, self.payload)
        return path


def find_results(chapter: str, run: str, root: Path | None = None) -> Path:
    """The results file of ``chapter`` in ``run``: under ``root`` (default :func:`results_root`), or, inside
    a runner's kernel (whose results root is its staging folder), the published one of another chapter."""
    path = results_path(chapter, run, root)
    published = os.environ.get(PUBLISHED_VARIABLE)
    if root is None and not path.exists() and published:
        return results_path(chapter, run, Path(published))
    return path


def load_results(chapter: str, run: str, root: Path | None = None) -> dict:
    """Read a results file back (``run``: a profile or a run folder, :func:`find_results`); a missing one
    names the command that makes it."""
    path = find_results(chapter, run, root)
    if not path.exists():
        how = (f"`fer-book run --profile {run} {chapter}`" if run in PROFILE_NAMES else
               f"the chapter with the -p values (or --name) of run {run!r}")
        raise FileNotFoundError(f"{path} does not exist: run {how}")
    return json.loads(path.read_text())


def load_paper(chapter: str) -> dict:
    """The published numbers of a chapter's paper: ``{"source": ..., "tables": {name: [rows]}}``."""
    path = PAPERS_DIR / f"{chapter}.json"
    if not path.exists():
        raise FileNotFoundError(f"no published table for chapter {chapter!r} ({path})")
    return json.loads(path.read_text())


def mean_std(values: Iterable[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1; 0 for a single value)."""
    arr = np.asarray(list(values), dtype=float)
    if arr.size == 0:
        raise ValueError("mean_std of no values")
    return float(arr.mean()), float(arr.std(ddof=1)) if arr.size > 1 else 0.0


def format_mean_std(values: Iterable[float], scale: float = 1.0, digits: int = 1) -> str:
    """'58.3 ± 0.4' from seeds' values (scaled, e.g. ×100 for percentages)."""
    mean, std = mean_std(values)
    return f"{mean * scale:.{digits}f} ± {std * scale:.{digits}f}"


def summarise_seeds(records: list[dict], columns: Iterable[str], key: str = "row") -> list[dict]:
    """The numeric summary of per-seed ``records``: one dict per ``key`` value (in first-seen order) with
    ``key``, ``seeds`` (how many) and, for each column, the mean as ``<column>`` and the sample standard
    deviation (ddof=1; 0 for one seed) as ``<column>_std``; missing or None values are left out (NaN when a
    row has none). Render it with :func:`format_summary`."""
    columns = list(columns)
    groups: dict[Any, list[dict]] = {}
    for record in records:
        if key not in record:
            raise KeyError(f"summarise_seeds: a record has no {key!r} column (its keys: {sorted(record)})")
        groups.setdefault(record[key], []).append(record)
    out = []
    for name, group in groups.items():
        row: dict[str, Any] = {key: name, "seeds": len(group)}
        for col in columns:
            values = [r[col] for r in group if r.get(col) is not None]
            mean, std = mean_std(values) if values else (float("nan"), float("nan"))
            row[col], row[f"{col}_std"] = mean, std
        out.append(row)
    return out


def format_summary(rows: list[dict], key: str = "row", scale: float | dict[str, float] = 1.0,
                   digits: int | dict[str, int] = 1):
    """The rendered view of a numeric summary (:func:`summarise_seeds`): a DataFrame indexed by ``key`` in
    which every column ``c`` with a ``c_std`` partner becomes "mean ± std" (times ``scale``, ``digits``
    decimals; either may be a dict by column) and the ``_std`` columns are dropped; a missing mean shows
    as an empty cell."""
    import pandas as pd

    frame = pd.DataFrame(rows).set_index(key)
    for col in [c for c in frame.columns if f"{c}_std" in frame.columns]:
        k = scale.get(col, 1.0) if isinstance(scale, dict) else scale
        d = digits.get(col, 1) if isinstance(digits, dict) else digits
        frame[col] = [f"{m * k:.{d}f} ± {s * k:.{d}f}" if m == m and m is not None else ""
                      for m, s in zip(frame[col], frame[f"{col}_std"])]
        frame = frame.drop(columns=f"{col}_std")
    return frame


def side_by_side(paper_rows: list[dict], run_rows: list[dict], key: str | tuple[str, str], columns: list[str],
                 paper_label: str, run_label: str):
    """A DataFrame with one row per key value and, for each column, the paper's and this run's value.

    ``key``: the column naming the row in both tables, or ``(paper key, run key)`` when they differ (the
    paper's "Method" beside this run's "row"); the index takes the paper's name. Column headers are
    ``(column, source)`` pairs, so every number says where it came from. Rows only one side has are kept,
    with the other side empty. ``run_rows`` may be a DataFrame indexed by the run key (e.g. the
    :func:`format_summary` view).
    """
    import pandas as pd

    paper_key, run_key = (key, key) if isinstance(key, str) else key
    if isinstance(run_rows, pd.DataFrame):
        run_rows = run_rows.reset_index().to_dict("records")
    for rows, name, where in ((paper_rows, paper_key, "paper"), (run_rows, run_key, "run")):
        if any(name not in row for row in rows):
            raise KeyError(f"side_by_side: a {where} row has no key column {name!r}")
    paper = {row[paper_key]: row for row in paper_rows}
    run = {row[run_key]: row for row in run_rows}
    order = list(paper) + [k for k in run if k not in paper]
    data = {}
    for col in columns:
        data[(col, paper_label)] = [paper.get(k, {}).get(col, "") for k in order]
        data[(col, run_label)] = [run.get(k, {}).get(col, "") for k in order]
    frame = pd.DataFrame(data, index=pd.Index(order, name=paper_key))
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    return frame


def start_run(chapter: str, profile: str, device: str = "auto", overrides: dict | None = None) -> Run:
    """What a chapter calls first: resolve its config, pick the device, open its :class:`Run`.

    The experiment's ``Config`` must have ``seeds: tuple[int, ...]`` and ``dataset: str`` fields
    (``dataset`` names the data the numbers come from, e.g. ``"synthetic"`` or ``"AffectNet"``; the experiment's
    ``DATA_LABELS`` may spell a value out, e.g. ``"real"`` -> the datasets read, for ``run.source_label``).
    The resolved config is on ``run.cfg`` and the torch device on ``run.torch_device``; the results go to
    the run folder ``run.name`` (the runner's, else :func:`run_name` of ``profile`` and ``overrides``).
    """
    from fer_lib.config import as_dict, chapter_config, load_experiment
    from fer_lib.runtime import environment_info, pick_device

    cfg = chapter_config(chapter, profile, overrides)
    data = getattr(load_experiment(chapter), "DATA_LABELS", {}).get(cfg.dataset, cfg.dataset)
    torch_device = pick_device(device)
    env = environment_info(torch_device)
    name = os.environ.get(RUN_NAME_VARIABLE) or run_name(profile, overrides)
    run = Run(chapter, profile, config=as_dict(cfg), seeds=cfg.seeds, data=data,
              device=env["device_name"], environment=env, name=name, overrides=overrides)
    run.cfg = cfg
    run.torch_device = torch_device
    return run
