"""The book runner (``fer-book``): execute chapters headlessly with papermill, then build the site.

    fer-book run    [--profile default] [--name NAME] [--force] [-p KEY VALUE ...] [CHAPTER ...]
    fer-book html   [--profile default | --run NAME]
    fer-book list                                   chapters, profiles, estimated CPU time
    fer-book config CHAPTER [--profile default]     every config key: type, value, paper default, comment
    fer-book predict VIDEO_OR_FOLDER --out DIR      per-frame expressions (CSV + timeline), fer_lib.predict.cli

The book is found from the working directory (the nearest folder with ``_toc.yml`` and ``book/``);
results, checkpoints and caches land in that project (:mod:`fer_lib.results`).

``run`` converts each chapter's Jupytext text file (``book/<chapter>.md``) to a notebook, injects the
parameters (``profile``, ``device``, dataset roots, and ``overrides`` for any config key) and executes it
with the ``fer-book`` kernel. Every ``-p`` value is checked (name, type, range) before any kernel starts.
A run without ``-p`` is filed under its profile: ``book/executed/<profile>/`` and ``results/<profile>/``;
a run with ``-p`` gets its own run folder (``--name``, else ``<profile>-<hash of the -p values>``), so it
never replaces the profile's results or pages.

The notebook executes into a hidden temporary file and writes its results into a staging folder; both
replace ``<chapter>.ipynb`` and ``results/<run>/<chapter>.json`` only on success, so a failed, killed or
disk-full run keeps the last good notebook and results. Its partial notebook is kept beside the good one
as ``<chapter>.failed.ipynb``, the failing cell is named (also when the kernel died), the other chapters
still run and the exit status is non-zero. The claims
ledger (``RUN_LAST``) runs after the other chapters, and its key also covers the run's results files.

Cache: a chapter is skipped when its *cache key* equals the key stored by its last successful run in that
run folder and its executed notebook and results file exist. The key is the SHA-256 of (1) the chapter's
text file, (2) the injected parameters as sorted JSON, (3) every file under ``fer_lib/`` (code, published
tables; path and bytes) and (4) the environment files (:data:`fer_lib.runtime.ENVIRONMENT_FILES`).
``--force`` ignores it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from fer_lib.book import ChapterFiles, config_keys, find_book, notebook_chapters
from fer_lib.config import PROFILE_NAMES, parse_value
from fer_lib.parameters import RESERVED, chapter_parameters, check_parameters, to_notebook
from fer_lib.results import (PROGRESS_VARIABLE, PUBLISHED_VARIABLE, RUN_NAME_VARIABLE, atomic_write_json, atomic_write_text, cache_root,
                             checkpoints_root, results_path, results_root, run_name)
from fer_lib.runtime import REPO_ROOT, code_digest, git_commit

KERNEL = "fer-book"
LIB_DIR = REPO_ROOT / "fer_lib"
#: Pages that read the other chapters' results (the claims ledger): they run after every other chapter, and
#: their cache key also covers the run's results files, so a re-run chapter re-runs them.
RUN_LAST = ("claims",)


@dataclass
class Outcome:
    chapter: str
    status: str  # "ran", "skipped" or "failed"
    seconds: float = 0.0
    error: str = ""
    partial: Path | None = None  # a failed run's partly executed notebook


def execution_order(chapters: list[str]) -> list[str]:
    """``chapters`` with the ``RUN_LAST`` pages moved to the end (otherwise in the given order)."""
    return sorted(chapters, key=lambda c: c in RUN_LAST)


def results_digest(run: str) -> str:
    """SHA-256 over a run's results files (name and bytes; the ledger's own ``claims.json`` left out)."""
    digest = hashlib.sha256()
    for path in sorted((results_root() / run).glob("*.json")):
        if path.name != "claims.json":
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def cache_key(text_file: Path, injected: dict, lib_dir: Path = LIB_DIR) -> str:
    digest = hashlib.sha256()
    digest.update(text_file.read_bytes())
    digest.update(json.dumps(injected, sort_keys=True, default=str).encode())
    digest.update(code_digest(lib_dir).encode())
    return digest.hexdigest()


def kernel_environment(run: str, results_dir: Path, progress: bool = True) -> dict:
    """The kernel imports this checkout's fer_lib (so worktrees and clones test their own code), files its
    results in the runner's run folder under ``results_dir`` (a staging folder, see :func:`publish_staged`),
    and writes checkpoints and caches where the runner does; ``progress=False`` turns its training bars off."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    env.setdefault("HF_HUB_OFFLINE", "1")
    env[RUN_NAME_VARIABLE] = run
    env[PROGRESS_VARIABLE] = "1" if progress else "0"
    env[PUBLISHED_VARIABLE] = str(results_root().resolve())  # the other chapters' results (the ledger reads them)
    env["FER_RESULTS_DIR"] = str(results_dir.resolve())
    for variable, folder in (("FER_CHECKPOINT_DIR", checkpoints_root), ("FER_CACHE_DIR", cache_root)):
        env[variable] = str(folder().resolve())  # the kernel runs in book/: pin the project's folders
    return env


def staging_dir(run: str, chapter: str) -> Path:
    """Where a running chapter writes its results: beside the results (same file system), hidden."""
    return results_root() / ".staging" / f"{run}.{chapter}"


def publish_staged(staging: Path, root: Path) -> None:
    """Move every file a successful run wrote under ``staging`` to the same place under ``root`` (each with
    ``os.replace``: a reader sees the old file or the new one), then remove ``staging``. A failed run's
    staging folder is just removed, so its results never replace the last good ones."""
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        target = root / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    discard(staging)


def discard(staging: Path) -> None:
    """Remove a staging folder, and ``.staging`` itself once no other chapter's run uses it."""
    shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):
        staging.parent.rmdir()


def missing_kernel() -> str | None:
    """Why the ``fer-book`` kernel cannot start, with the fix; None when it is installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        return (f"the Jupyter kernel {KERNEL!r} that runs the chapters is not installed: run `make env`, or register "
                f"this environment with `{sys.executable} -m ipykernel install --sys-prefix --name {KERNEL} "
                f"--display-name 'FER book (Python 3.11)'`")
    return None


def unwritable(folder: Path) -> str | None:
    """Why nothing can be written in ``folder`` (created if missing); None when a file can be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        return f"cannot write to {folder}: {err.strerror or err}"
    return None


def name_running_cell(partial: Path, reason: str) -> str:
    """After the kernel died, find the cell it was running in the partial notebook, mark it failed there
    (papermill marks it "completed") with ``reason`` as its error output, and describe it."""
    import nbformat

    try:
        nb = nbformat.read(partial, as_version=4)
    except (OSError, ValueError):
        return "no partial notebook to tell which cell"
    code = [c for c in nb.cells if c.cell_type == "code"]
    started = [c for c in code if c.metadata.get("papermill", {}).get("start_time")]
    if not started:
        return "before the first cell"
    cell = started[-1]  # its execution count may be missing: the kernel can die before announcing it
    cell.metadata["papermill"].update(status="failed", exception=True)
    cell.outputs.append(nbformat.v4.new_output("error", ename="DeadKernelError", evalue=reason, traceback=[reason]))
    for later in nb.cells[nb.cells.index(cell) + 1:]:
        if later.cell_type == "code":
            later.metadata.setdefault("papermill", {})["status"] = "pending"
    nbformat.write(nb, partial)
    return f"in code cell {code.index(cell) + 1} of {len(code)} (`{first_line(cell.source)}`)"


def first_line(source: str) -> str:
    lines = source.strip().splitlines()
    return lines[0][:60] if lines else ""


def execute_chapter(chapter: str, profile: str, params: dict, *, force: bool = False, book_dir: Path | None = None,
                    out_dir: Path | None = None, progress: bool = True, name: str | None = None) -> Outcome:
    """Execute one chapter into its run folder; return its outcome (never raises for a failing notebook)."""
    import nbformat
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel
    from papermill.exceptions import PapermillExecutionError

    book_dir = book_dir or find_book()
    text_file = book_dir / f"{chapter}.md"
    if not text_file.exists():
        return Outcome(chapter, "failed", error=f"{text_file} does not exist")
    run = name or run_name(profile, params)
    files = ChapterFiles(out_dir or book_dir / "executed" / run, chapter)
    notebook = to_notebook(text_file)
    try:
        injected = chapter_parameters(notebook, chapter, profile, params)
    except ValueError as err:
        return Outcome(chapter, "failed", error=str(err))
    key = cache_key(text_file, injected)
    if chapter in RUN_LAST:
        key = hashlib.sha256((key + results_digest(run)).encode()).hexdigest()
    writes_results = config_keys(chapter) is not None
    produced = files.notebook.exists() and (not writes_results or results_path(chapter, run).exists())
    if not force and produced and files.key.exists() and files.key.read_text().strip() == key:
        return Outcome(chapter, "skipped")
    for folder in [files.folder] + ([results_root() / run] if writes_results else []):
        if problem := unwritable(folder):
            return Outcome(chapter, "failed", error=problem)

    nbformat.write(notebook, files.source)
    staging = staging_dir(run, chapter)
    shutil.rmtree(staging, ignore_errors=True)  # an interrupted run's leftovers
    old_env = dict(os.environ)
    os.environ.update(kernel_environment(run, staging, progress))
    t0 = time.perf_counter()
    error = ""
    try:
        papermill.execute_notebook(str(files.source), str(files.running), parameters=injected, kernel_name=KERNEL,
                                   cwd=str(book_dir), progress_bar=progress, log_output=False)
    except PapermillExecutionError as err:
        error = f"code cell In [{err.exec_count}] (`{first_line(err.source)}`): {err.ename}: {err.evalue}"
    except NoSuchKernel:
        error = missing_kernel() or f"no Jupyter kernel {KERNEL!r}"
    except OSError as err:  # disk full, read-only folder: name the file
        error = f"{type(err).__name__}: {err} (writing {files.running} or reading {files.source})"
    except Exception as err:  # the kernel died (out of memory, killed), bad parameters, ...
        error = f"{type(err).__name__}: {err}, {name_running_cell(files.running, str(err))}"
    except BaseException:  # Ctrl-C: keep what ran, leave the last good notebook and results alone
        keep_failed(files)
        discard(staging)
        raise
    finally:
        os.environ.clear()
        os.environ.update(old_env)
        files.source.unlink(missing_ok=True)
    seconds = time.perf_counter() - t0
    if error:
        discard(staging)
        return Outcome(chapter, "failed", seconds, error, keep_failed(files))
    try:  # results and notebook first, then the key that says they are complete
        publish_staged(staging, results_root())
        os.replace(files.running, files.notebook)
        atomic_write_text(files.key, key + "\n")
        atomic_write_json(files.provenance, {
            "run": run, "profile": profile, "parameters": params, "injected": injected,
            "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "commit": git_commit(), "seconds": round(seconds, 1)})
    except OSError as err:  # names the file (fer_lib.results.atomic_write_text)
        return Outcome(chapter, "failed", seconds, f"the notebook ran but publishing it failed: {err}")
    files.failed.unlink(missing_ok=True)
    return Outcome(chapter, "ran", seconds)


def keep_failed(files: ChapterFiles) -> Path | None:
    """Move a failed run's partial notebook to ``<chapter>.failed.ipynb`` (the good one stays)."""
    if not files.running.exists():
        return None
    os.replace(files.running, files.failed)
    return files.failed


def run_chapters(chapters: list[str], profile: str, params: dict | None = None, *, force: bool = False,
                 book_dir: Path | None = None, out_dir: Path | None = None, progress: bool = True,
                 name: str | None = None) -> list[Outcome]:
    """Execute ``chapters`` in order, printing one line per chapter; return their outcomes."""
    params = params or {}
    outcomes = []
    for i, chapter in enumerate(chapters, 1):
        print(f"[{i}/{len(chapters)}] {chapter} (profile {profile}) ...", flush=True)
        outcome = execute_chapter(chapter, profile, params, force=force, book_dir=book_dir,
                                  out_dir=out_dir, progress=progress, name=name)
        detail = f" in {outcome.seconds:.1f} s" if outcome.status == "ran" else ""
        error = f" - {outcome.error}" if outcome.error else ""
        print(f"[{i}/{len(chapters)}] {chapter}: {outcome.status}{detail}{error}", flush=True)
        outcomes.append(outcome)
    return outcomes


RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fer-book", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute chapters with papermill")
    run.add_argument("chapters", nargs="*", help="chapter names (default: every chapter in _toc.yml)")
    run.add_argument("--profile", default="default", choices=PROFILE_NAMES)
    run.add_argument("--name", help="run folder for a run with -p values (default: <profile>-<hash of them>)")
    run.add_argument("--force", action="store_true", help="re-run even when the cache key is unchanged")
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"),
                     help="a notebook parameter or config override (value read as JSON when possible)")
    run.add_argument("--no-progress", action="store_true", help="no progress bars (papermill's and training's)")
    run.add_argument("--book-dir", type=Path, default=None, help=argparse.SUPPRESS)
    run.add_argument("--out-dir", type=Path, default=None, help=argparse.SUPPRESS)
    html = sub.add_parser("html", help="build the Jupyter Book site from executed notebooks")
    html.add_argument("--profile", default="default", choices=PROFILE_NAMES)
    html.add_argument("--run", help="run folder to publish (default: the plain --profile run)")
    sub.add_parser("list", help="chapters, profiles and their estimated CPU time")
    config = sub.add_parser("config", help="a chapter's config keys: type, value under a profile, default, comment")
    config.add_argument("chapter")
    config.add_argument("--profile", default="default", choices=PROFILE_NAMES)
    from fer_lib.predict import cli as predict_cli

    predict_cli.add_arguments(sub.add_parser("predict", help="detect, align and classify every frame of videos"))
    args = parser.parse_args(argv)
    if args.command == "predict":
        return predict_cli.run(args)

    try:
        book_dir = getattr(args, "book_dir", None) or find_book()
    except FileNotFoundError as err:
        print(f"fer-book: {err}", file=sys.stderr)
        return 2
    if args.command in ("list", "config"):
        from fer_lib import catalogue

        if args.command == "config" and args.chapter not in catalogue.configured_chapters(book_dir):
            parser.error(catalogue.unknown_chapter(args.chapter, book_dir))
        print(catalogue.list_text(book_dir) if args.command == "list" else
              catalogue.config_text(args.chapter, args.profile))
        return 0
    if args.command == "html":
        from fer_lib.site import build_html

        try:
            print(f"site: {build_html(args.run or args.profile, book_dir)}")
        except FileNotFoundError as err:  # a chapter without a successful run, MathJax missing, ...
            print(f"fer-book html: {err}", file=sys.stderr)
            return 2
        return 0

    available = notebook_chapters(book_dir)
    chapters = execution_order(args.chapters or available)
    unknown = [c for c in chapters if c not in available]
    if unknown:
        parser.error(f"unknown chapter(s) {unknown}; chapters: {available}")
    if args.name is not None and (not RUN_NAME.fullmatch(args.name) or args.name in PROFILE_NAMES):
        parser.error(f"--name {args.name!r}: use letters, digits, '.', '_' or '-', and not a profile name "
                     f"{PROFILE_NAMES} (those folders hold the plain profile runs)")
    params = {key: parse_value(value) for key, value in args.parameter}
    problems = check_parameters(chapters, args.profile, params, book_dir)
    if problems:
        parser.error("\n  ".join(["bad -p value(s), nothing was run:"] + problems))
    name = args.name
    run_folder = name or run_name(args.profile, params)
    out_dir = args.out_dir or book_dir / "executed" / run_folder
    blocked = [p for p in (missing_kernel(), unwritable(out_dir), unwritable(results_root() / run_folder)) if p]
    if blocked:
        print("fer-book: nothing was run:\n  " + "\n  ".join(blocked), file=sys.stderr)
        return 2
    if params:
        print(f"run folder {run_folder!r}: {out_dir} and {results_root() / run_folder}", flush=True)
    outcomes = run_chapters(chapters, args.profile, params, force=args.force, book_dir=book_dir,
                            out_dir=out_dir, progress=not args.no_progress, name=name)
    failed = [o for o in outcomes if o.status == "failed"]
    for o in failed:
        kept = f"\n  partly executed notebook: {o.partial}" if o.partial else ""
        print(f"FAILED {o.chapter}: {o.error}{kept}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
