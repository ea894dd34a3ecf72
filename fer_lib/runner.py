"""The book runner: execute chapters headlessly with papermill under a profile, then build the site.

    python -m fer_lib.runner run  [--profile default] [--force] [-p KEY VALUE ...] [CHAPTER ...]
    python -m fer_lib.runner html [--profile default]

``run`` converts each chapter's Jupytext text file (``book/<chapter>.md``) to a notebook, injects the
parameters (``profile``, ``device``, dataset roots, and ``overrides`` for any config key) and executes
it with the ``fer-book`` kernel into ``book/executed/<profile>/<chapter>.ipynb``. A failing chapter is
reported by name and cell, its partly executed notebook is kept, the other chapters still run, and the
exit status is non-zero.

Cache: a chapter is skipped when its *cache key* equals the key stored by its last successful run under
that profile and its executed notebook and results file exist. The key is the SHA-256 of (1) the chapter's
text file, (2) the injected parameters as sorted JSON, (3) every ``fer_lib/**/*.py`` file (path and bytes,
sorted by path) and (4) ``requirements.txt``. ``--force`` ignores it. The claims ledger (``RUN_LAST``) runs
after the other chapters, and its key also covers the profile's results files.

``html`` stages the executed notebooks of one profile with the static pages into ``_build/src`` and runs
Jupyter Book 1.x (execution off: papermill already ran them) into ``_build/html``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, fields
from pathlib import Path

from fer_lib.config import PROFILE_NAMES, parse_value
from fer_lib.runtime import REPO_ROOT, code_digest

BOOK_DIR = REPO_ROOT / "book"
KERNEL = "fer-book"
#: Pages that read the other chapters' results (the claims ledger): they run after every other chapter, and
#: their cache key also covers the profile's results files, so a re-run chapter re-runs them.
RUN_LAST = ("claims",)


@dataclass
class Outcome:
    chapter: str
    status: str  # "ran", "skipped" or "failed"
    seconds: float = 0.0
    error: str = ""


def toc_pages(toc: Path = REPO_ROOT / "_toc.yml") -> list[str]:
    """Page names in book order, read from ``_toc.yml`` (entries ``file: book/<name>``)."""
    pages = []
    for line in toc.read_text().splitlines():
        line = line.strip().lstrip("- ").strip()
        for key in ("root:", "file:"):
            if line.startswith(key):
                pages.append(Path(line[len(key):].strip()).name)
    return pages


def is_notebook(path: Path) -> bool:
    """A chapter with code: its text file carries a Jupytext kernelspec header."""
    text = path.read_text()
    return text.startswith("---") and "kernelspec" in text.split("\n---", 1)[0]


def notebook_chapters(book_dir: Path = BOOK_DIR) -> list[str]:
    """Executable chapters in book order (static pages such as the intro are left out).

    The order is ``_toc.yml``'s for the book itself, alphabetical for any other folder of chapters.
    """
    pages = toc_pages() if book_dir == BOOK_DIR else sorted(p.stem for p in book_dir.glob("*.md"))
    return [p for p in pages if (book_dir / f"{p}.md").exists() and is_notebook(book_dir / f"{p}.md")]


def execution_order(chapters: list[str]) -> list[str]:
    """``chapters`` with the ``RUN_LAST`` pages moved to the end (otherwise in the given order)."""
    return sorted(chapters, key=lambda c: c in RUN_LAST)


def results_digest(profile: str) -> str:
    """SHA-256 over the profile's results files (name and bytes; the ledger's own ``claims.json`` left out)."""
    from fer_lib.results import results_root

    digest = hashlib.sha256()
    for path in sorted((results_root() / profile).glob("*.json")):
        if path.name != "claims.json":
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def config_keys(chapter: str) -> set[str] | None:
    """The config keys of a chapter's experiment module, or None when it has none."""
    import importlib

    try:
        module = importlib.import_module(f"fer_lib.experiments.{chapter}")
    except ModuleNotFoundError:
        return None
    return {f.name for f in fields(module.Config)}


def chapter_parameters(notebook, chapter: str, profile: str, params: dict) -> dict:
    """Split ``params`` into the notebook's own parameters and config ``overrides`` for this chapter."""
    import papermill

    declared = set(papermill.inspect_notebook(notebook).keys()) if notebook else set()
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
        injected["overrides"] = overrides
    return injected


def unknown_parameters(chapters: list[str], params: dict, book_dir: Path) -> list[str]:
    """``-p`` keys that no selected chapter declares or configures (an error, as in the config)."""
    import papermill

    known = {"overrides"}
    for chapter in chapters:
        known |= set(papermill.inspect_notebook(to_notebook(book_dir / f"{chapter}.md")).keys())
        known |= config_keys(chapter) or set()
    return sorted(set(params) - known)


def to_notebook(text_file: Path):
    import jupytext

    return jupytext.read(text_file)


def cache_key(text_file: Path, injected: dict, lib_dir: Path = REPO_ROOT / "fer_lib") -> str:
    digest = hashlib.sha256()
    digest.update(text_file.read_bytes())
    digest.update(json.dumps(injected, sort_keys=True, default=str).encode())
    digest.update(code_digest(lib_dir).encode())
    return digest.hexdigest()


def kernel_environment() -> dict:
    """The kernel imports this checkout's fer_lib (so worktrees and clones test their own code)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    env.setdefault("HF_HUB_OFFLINE", "1")
    return env


def execute_chapter(chapter: str, profile: str, params: dict, *, force: bool = False, book_dir: Path = BOOK_DIR,
                    out_dir: Path | None = None, progress: bool = True) -> Outcome:
    """Execute one chapter; return its outcome (never raises for a failing notebook)."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from fer_lib.results import results_path

    text_file = book_dir / f"{chapter}.md"
    if not text_file.exists():
        return Outcome(chapter, "failed", error=f"{text_file} does not exist")
    out_dir = out_dir or book_dir / "executed" / profile
    out_dir.mkdir(parents=True, exist_ok=True)
    output, key_file = out_dir / f"{chapter}.ipynb", out_dir / f"{chapter}.key"

    notebook = to_notebook(text_file)
    injected = chapter_parameters(notebook, chapter, profile, params)
    key = cache_key(text_file, injected)
    if chapter in RUN_LAST:
        key = hashlib.sha256((key + results_digest(profile)).encode()).hexdigest()
    produced = output.exists() and (config_keys(chapter) is None or results_path(chapter, profile).exists())
    if not force and produced and key_file.exists() and key_file.read_text().strip() == key:
        return Outcome(chapter, "skipped")

    key_file.unlink(missing_ok=True)  # a failed or interrupted run must not look cached
    source = out_dir / f".{chapter}.input.ipynb"
    nbformat.write(notebook, source)
    old_env = dict(os.environ)
    os.environ.update(kernel_environment())
    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(str(source), str(output), parameters=injected, kernel_name=KERNEL,
                                   cwd=str(book_dir), progress_bar=progress, log_output=False)
    except PapermillExecutionError as err:
        cells = nbformat.read(output, as_version=4).cells
        failing = [c for c in cells if c.cell_type == "code" and c.get("execution_count") == err.exec_count]
        first_line = failing[0].source.strip().splitlines()[0][:60] if failing else "?"
        return Outcome(chapter, "failed", time.perf_counter() - t0,
                       f"code cell In [{err.exec_count}] (`{first_line}`): {err.ename}: {err.evalue}")
    except Exception as err:  # kernel died, bad parameters, ...: still a named chapter failure
        return Outcome(chapter, "failed", time.perf_counter() - t0, f"{type(err).__name__}: {err}")
    finally:
        os.environ.clear()
        os.environ.update(old_env)
        source.unlink(missing_ok=True)
    key_file.write_text(key + "\n")
    return Outcome(chapter, "ran", time.perf_counter() - t0)


def run_chapters(chapters: list[str], profile: str, params: dict | None = None, *, force: bool = False,
                 book_dir: Path = BOOK_DIR, out_dir: Path | None = None, progress: bool = True) -> list[Outcome]:
    """Execute ``chapters`` in order, printing one line per chapter; return their outcomes."""
    params = params or {}
    outcomes = []
    for i, chapter in enumerate(chapters, 1):
        print(f"[{i}/{len(chapters)}] {chapter} (profile {profile}) ...", flush=True)
        outcome = execute_chapter(chapter, profile, params, force=force, book_dir=book_dir,
                                  out_dir=out_dir, progress=progress)
        detail = f" in {outcome.seconds:.1f} s" if outcome.status == "ran" else ""
        print(f"[{i}/{len(chapters)}] {chapter}: {outcome.status}{detail}{' - ' + outcome.error if outcome.error else ''}",
              flush=True)
        outcomes.append(outcome)
    return outcomes


def stage_site(profile: str, book_dir: Path = BOOK_DIR, stage: Path = REPO_ROOT / "_build" / "src") -> Path:
    """Lay out the site's sources: static pages, executed notebooks of ``profile``, a link to fer_lib.

    Chapters show library code with ``{literalinclude} ../fer_lib/...``; the link keeps that path valid.
    """
    if stage.exists():
        shutil.rmtree(stage)
    (stage / "book").mkdir(parents=True)
    missing = []
    for page in toc_pages():
        text_file = book_dir / f"{page}.md"
        if text_file.exists() and is_notebook(text_file):
            executed = book_dir / "executed" / profile / f"{page}.ipynb"
            if not executed.exists():
                missing.append(page)
                continue
            shutil.copy2(executed, stage / "book" / executed.name)
        elif text_file.exists():
            shutil.copy2(text_file, stage / "book" / text_file.name)
        else:
            missing.append(page)
    if missing:
        raise FileNotFoundError(f"no executed notebook for {missing} under profile {profile!r}: "
                                f"run `python -m fer_lib.runner run --profile {profile} {' '.join(missing)}`")
    for extra in ("references.bib", "logo.png"):
        if (book_dir / extra).exists():
            shutil.copy2(book_dir / extra, stage / "book" / extra)
    (stage / "fer_lib").symlink_to(REPO_ROOT / "fer_lib", target_is_directory=True)
    (stage / "vendor").mkdir()
    (stage / "vendor" / "mathjax").symlink_to(mathjax_dir(), target_is_directory=True)
    return stage


def mathjax_dir() -> Path:
    """MathJax 3's es5 build from the installed ``django-static-mathjax`` wheel (found, not imported).

    _config.yml serves it as ``_static/mathjax`` so formulas render without a network.
    """
    import importlib.util

    spec = importlib.util.find_spec("mathjax")
    es5 = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5" if spec else None
    if es5 is None or not (es5 / "tex-chtml.js").exists():
        raise FileNotFoundError("MathJax is not installed: run `make env` (requirements-media.txt)")
    return es5


def build_html(profile: str) -> Path:
    """Build ``_build/html`` with Jupyter Book from the executed notebooks of ``profile``."""
    stage = stage_site(profile)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jupyter_book), "build", str(stage), "--path-output", str(REPO_ROOT),
           "--config", str(REPO_ROOT / "_config.yml"), "--toc", str(REPO_ROOT / "_toc.yml")]
    subprocess.run(cmd, check=True, cwd=REPO_ROOT)
    index = REPO_ROOT / "_build" / "html" / "index.html"
    if not index.exists():
        raise FileNotFoundError(f"Jupyter Book finished but {index} is missing")
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fer_lib.runner", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute chapters with papermill")
    run.add_argument("chapters", nargs="*", help="chapter names (default: every chapter in _toc.yml)")
    run.add_argument("--profile", default="default", choices=PROFILE_NAMES)
    run.add_argument("--force", action="store_true", help="re-run even when the cache key is unchanged")
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"),
                     help="a notebook parameter or config override (value read as JSON when possible)")
    run.add_argument("--no-progress", action="store_true")
    run.add_argument("--book-dir", type=Path, default=BOOK_DIR, help=argparse.SUPPRESS)
    run.add_argument("--out-dir", type=Path, default=None, help=argparse.SUPPRESS)
    html = sub.add_parser("html", help="build the Jupyter Book site from executed notebooks")
    html.add_argument("--profile", default="default", choices=PROFILE_NAMES)
    args = parser.parse_args(argv)

    if args.command == "html":
        print(f"site: {build_html(args.profile)}")
        return 0

    available = notebook_chapters(args.book_dir)
    chapters = execution_order(args.chapters or available)
    unknown = [c for c in chapters if c not in available]
    if unknown:
        parser.error(f"unknown chapter(s) {unknown}; chapters: {available}")
    params = {key: parse_value(value) for key, value in args.parameter}
    bad = unknown_parameters(chapters, params, args.book_dir)
    if bad:
        parser.error(f"parameter(s) {bad} are neither notebook parameters nor config keys of {chapters}")
    out_dir = args.out_dir or args.book_dir / "executed" / args.profile
    outcomes = run_chapters(chapters, args.profile, params, force=args.force, book_dir=args.book_dir,
                            out_dir=out_dir, progress=not args.no_progress)
    failed = [o for o in outcomes if o.status == "failed"]
    for o in failed:
        print(f"FAILED {o.chapter}: {o.error}\n  partly executed notebook: {out_dir / (o.chapter + '.ipynb')}",
              file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
