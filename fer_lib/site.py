"""The rendered site: stage one run's executed notebooks with the static pages, then run Jupyter Book.

Only chapters with a successful run in that run folder (their cache key is there) are published; a
chapter whose last run failed or never ran stops the build with the command that makes it. In each staged
notebook the tagged ``parameters`` cell and papermill's ``injected-parameters`` cell get the
``remove-cell`` tag (the executed notebook keeps both untouched), and one line in their place says which
run produced the page: profile, parameters, device, date and commit. Training progress bars, stored as every
update they drew (carriage returns between), are shown at their final state: one line per bar
(:func:`settle_progress`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from fer_lib.results import results_path
from fer_lib.book import ChapterFiles, is_notebook, toc_pages
from fer_lib.runtime import REPO_ROOT

HIDDEN_TAGS = ("parameters", "injected-parameters")


def provenance_line(files: ChapterFiles, run: str) -> str:
    """'*This page: run `smoke`, profile `smoke`, no parameters, device ..., 2026-12-04 22:10 UTC, commit abc1234.*'"""
    info = json.loads(files.provenance.read_text()) if files.provenance.exists() else {}
    parameters = info.get("parameters") or {}
    device = str(info.get("injected", {}).get("device", "auto"))
    results = results_path(files.chapter, run)
    if results.exists():
        device = json.loads(results.read_text()).get("device", device)
    shown = ", ".join(f"`{k}={json.dumps(v)}`" for k, v in parameters.items()) or "no parameters"
    finished = info.get("finished", "?").replace("T", " ").replace("+00:00", " UTC")
    commit = (info.get("commit") or "unknown")[:12] + ("+dirty" if str(info.get("commit")).endswith("+dirty") else "")
    return (f"*This page was produced by run `{run}`: profile `{info.get('profile', '?')}`, {shown}, "
            f"device {device}, finished {finished}, commit `{commit}`.*")


def settle_carriage_returns(text: str) -> str:
    """What a terminal leaves on screen of ``text``: each line keeps what follows its last carriage return;
    lines left empty are dropped (``"\\rA 0%\\rA 100%\\n"`` -> ``"A 100%\\n"``)."""
    lines = [line.rsplit("\r", 1)[-1] for line in text.split("\n")]
    return "".join(f"{line}\n" for line in lines if line.strip())


def settle_progress(cell) -> None:
    """Merge each run of consecutive stderr outputs of a code cell into one (order kept) and settle its
    carriage returns, so a progress bar shows as its last state rather than one line per update."""
    import nbformat

    outputs = []
    for output in cell.get("outputs", []):
        merge = outputs and output.get("output_type") == "stream" and output.get("name") == "stderr" \
            and outputs[-1].get("output_type") == "stream" and outputs[-1].get("name") == "stderr"
        if merge:
            outputs[-1] = nbformat.v4.new_output("stream", name="stderr", text=outputs[-1]["text"] + output["text"])
        else:
            outputs.append(output)
    for output in outputs:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            output["text"] = settle_carriage_returns(output["text"])
    cell["outputs"] = [o for o in outputs if not (o.get("output_type") == "stream" and not o["text"])]


def staged_notebook(files: ChapterFiles, run: str) -> dict:
    """The executed notebook with its parameter cells tagged ``remove-cell`` and the provenance line
    inserted before the first of them."""
    import nbformat

    nb = nbformat.read(files.notebook, as_version=4)
    hidden = [i for i, c in enumerate(nb.cells) if set(c.metadata.get("tags", [])) & set(HIDDEN_TAGS)]
    for i in hidden:
        tags = nb.cells[i].metadata.setdefault("tags", [])
        if "remove-cell" not in tags:
            tags.append("remove-cell")
    where = hidden[0] if hidden else min(1, len(nb.cells))
    nb.cells.insert(where, nbformat.v4.new_markdown_cell(provenance_line(files, run)))
    for cell in nb.cells:
        if cell.cell_type == "code":
            settle_progress(cell)
    return nb


def stage_site(run: str, book_dir: Path, stage: Path | None = None) -> Path:
    """Lay out the site's sources: static pages, the executed notebooks of run folder ``run``, a link to
    fer_lib (chapters show library code with ``{literalinclude} ../fer_lib/...``; the link keeps it valid)."""
    import nbformat

    project = book_dir.parent
    stage = stage or project / "_build" / "src"
    if stage.exists():
        shutil.rmtree(stage)
    (stage / "book").mkdir(parents=True)
    missing = []
    for page in toc_pages(project / "_toc.yml"):
        text_file = book_dir / f"{page}.md"
        if text_file.exists() and is_notebook(text_file):
            files = ChapterFiles(book_dir / "executed" / run, page)
            if not (files.notebook.exists() and files.key.exists()):
                failed = " (its last run failed: " + str(files.failed) + ")" if files.failed.exists() else ""
                missing.append(page + failed)
                continue
            nbformat.write(staged_notebook(files, run), stage / "book" / files.notebook.name)
        elif text_file.exists():
            shutil.copy2(text_file, stage / "book" / text_file.name)
        else:
            missing.append(page)
    if missing:
        raise FileNotFoundError(f"no successful run of {missing} in run folder {run!r} "
                                f"({book_dir / 'executed' / run}): run `fer-book run --profile <profile> ...` "
                                f"with that run's -p values and --name first; nothing was published")
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


def build_html(run: str, book_dir: Path) -> Path:
    """Build ``_build/html`` with Jupyter Book from the executed notebooks of run folder ``run``."""
    project = book_dir.parent
    stage = stage_site(run, book_dir)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jupyter_book), "build", str(stage), "--path-output", str(project),
           "--config", str(project / "_config.yml"), "--toc", str(project / "_toc.yml")]
    subprocess.run(cmd, check=True, cwd=project)
    index = project / "_build" / "html" / "index.html"
    if not index.exists():
        raise FileNotFoundError(f"Jupyter Book finished but {index} is missing")
    return index
