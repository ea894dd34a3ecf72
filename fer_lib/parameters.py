"""A chapter's ``-p`` values: which are notebook parameters and which config overrides, and every problem
with them, found before any kernel starts (:func:`check_parameters`)."""

from __future__ import annotations

import ast
from pathlib import Path

from fer_lib.book import config_keys
from fer_lib.config import chapter_config, data_message, load_experiment, missing_data, unknown_key_message

#: Names the runner owns: a ``-p`` value for them would contradict the command line (``-p profile full``
#: with ``--profile smoke`` ran ``full`` and filed it under ``smoke``).
RESERVED = {"profile": "use --profile"}


def declared_parameters(notebook) -> set[str]:
    """The names a notebook's ``parameters`` cell assigns."""
    import papermill  # imported when used: `fer-book --help` and `list` stay quick

    return set(papermill.inspect_notebook(notebook).keys()) if notebook else set()


def notebook_parameter_problems(notebook, chapter: str, params: dict) -> list[str]:
    """``-p`` values whose type differs from the default in the chapter's ``parameters`` cell
    (``-p dfew_fold abc`` where the cell says ``dfew_fold = 1``); a ``None`` default accepts anything."""
    import papermill

    problems = []
    for name, info in papermill.inspect_notebook(notebook).items():
        if name not in params or name in RESERVED or name == "overrides":
            continue
        try:
            default = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            continue
        value, kind = params[name], type(default)
        fits = (default is None or isinstance(value, kind) and not (kind is int and isinstance(value, bool))
                or kind is float and isinstance(value, int) and not isinstance(value, bool))
        if not fits:
            problems.append(f"{chapter}: notebook parameter {name!r}: got {value!r}; "
                            f"must be of type {kind.__name__} like its default {info['default']}")
    return problems


def path_keys(chapter: str) -> set[str]:
    """The chapter's real-data path keys (every key of its experiment's ``REAL_PATHS``; none without one)."""
    if config_keys(chapter) is None:
        return set()
    return {key for needs in getattr(load_experiment(chapter), "REAL_PATHS", {}).values() for key in needs}


def absolute_paths(chapter: str, values: dict) -> dict:
    """``values`` with every relative real-data path made absolute against the current folder: the kernel runs
    in ``book/``, so ``-p own_annotation aligned/annotation.txt`` must mean the folder the command ran in."""
    keys = path_keys(chapter)
    return {k: str(Path(v).expanduser().absolute()) if k in keys and isinstance(v, str) and v else v
            for k, v in values.items()}


def chapter_parameters(notebook, chapter: str, profile: str, params: dict) -> dict:
    """Split ``params`` into the notebook's own parameters and config ``overrides`` for this chapter (relative
    real-data paths made absolute: :func:`absolute_paths`)."""
    reserved = sorted(set(params) & set(RESERVED))
    if reserved:
        raise ValueError(f"parameter(s) {reserved} are reserved for the runner: {RESERVED}")
    declared = declared_parameters(notebook)
    keys = config_keys(chapter) or set()
    injected: dict = {"profile": profile}
    overrides = dict(params.get("overrides") or {})
    for key, value in params.items():
        if key == "overrides":
            continue
        if key in declared:
            injected[key] = value
        elif key in keys:
            overrides[key] = value
    if overrides:
        injected["overrides"] = absolute_paths(chapter, overrides)
    return absolute_paths(chapter, injected)


def check_parameters(chapters: list[str], profile: str, params: dict, book_dir: Path) -> list[str]:
    """Every problem with the ``-p`` values, found before any kernel starts (empty list: all fine).

    Reserved names, keys that no selected chapter declares or configures (with close matches), and
    config values that the chapter's ``Config`` rejects (type and range, see :mod:`fer_lib.config`), and
    every real-data path the resolved config needs that is unset or absent (:func:`fer_lib.config.missing_data`).
    """
    problems = [f"-p {key} is reserved: {how}" for key, how in RESERVED.items() if key in params]
    params = {k: v for k, v in params.items() if k not in RESERVED}
    known: set[str] = {"overrides"}
    for chapter in chapters:
        known |= declared_parameters(to_notebook(book_dir / f"{chapter}.md")) | (config_keys(chapter) or set())
    problems += [unknown_key_message(key, sorted(known - set(RESERVED)), f"-p for {', '.join(chapters)}",
                                     what="parameter") for key in sorted(set(params) - known)]
    if "overrides" in params and not isinstance(params["overrides"], dict):
        problems.append(f"-p overrides must be a JSON object such as '{{\"epochs\": 3}}', got {params['overrides']!r}")
    if problems:
        return problems
    for chapter in chapters:
        notebook = to_notebook(book_dir / f"{chapter}.md")
        problems += notebook_parameter_problems(notebook, chapter, params)
        if config_keys(chapter) is None:
            continue
        injected = chapter_parameters(notebook, chapter, profile, params)
        try:
            cfg = chapter_config(chapter, profile, injected.get("overrides"))
        except (KeyError, ValueError) as err:
            problems.append(f"{chapter}: {err.args[0]}")
            continue
        missing = missing_data(chapter, cfg, injected)   # a path may be a notebook parameter (it wins)
        if missing:
            problems.append(data_message(chapter, cfg.dataset, missing))
    return problems


def to_notebook(text_file: Path):
    import jupytext

    return jupytext.read(text_file)
