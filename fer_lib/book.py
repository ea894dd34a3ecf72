"""The book on disk: where it is, its pages and chapters, and what a run folder holds for a chapter.

The book is found from the working directory (the nearest folder with ``_toc.yml`` and ``book/``), so
``fer-book`` works from any checkout, whichever one the library was installed from.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from fer_lib.runtime import project_root


@dataclass(frozen=True)
class ChapterFiles:
    """What a run folder holds for one chapter."""

    folder: Path
    chapter: str

    @property
    def notebook(self) -> Path:  # the last successful run's executed notebook
        return self.folder / f"{self.chapter}.ipynb"

    @property
    def key(self) -> Path:  # its cache key: present only after a successful run
        return self.folder / f"{self.chapter}.key"

    @property
    def provenance(self) -> Path:  # which run produced it (profile, parameters, date, commit)
        return self.folder / f"{self.chapter}.run.json"

    @property
    def failed(self) -> Path:  # the last failed run's partial notebook
        return self.folder / f"{self.chapter}.failed.ipynb"

    @property
    def running(self) -> Path:  # papermill's output while it runs
        return self.folder / f".{self.chapter}.running.ipynb"

    @property
    def source(self) -> Path:  # the unexecuted notebook papermill reads
        return self.folder / f".{self.chapter}.input.ipynb"


def find_book(start: Path | None = None) -> Path:
    """The ``book/`` folder of the project holding the working directory; a clear error outside one."""
    root = project_root(start)
    if root is None:
        raise FileNotFoundError(f"no book in {(start or Path.cwd()).resolve()} or its parents (looked for a folder "
                                "with _toc.yml and book/): run fer-book from a checkout of the FER book")
    return root / "book"


def toc_pages(toc: Path) -> list[str]:
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


def notebook_chapters(book_dir: Path | None = None) -> list[str]:
    """Executable chapters in book order (static pages such as the intro are left out).

    The order is ``_toc.yml``'s beside the book folder, alphabetical for a folder without one.
    """
    book_dir = book_dir or find_book()
    toc = book_dir.parent / "_toc.yml"
    pages = toc_pages(toc) if toc.exists() else sorted(p.stem for p in book_dir.glob("*.md"))
    return [p for p in pages if (book_dir / f"{p}.md").exists() and is_notebook(book_dir / f"{p}.md")]


def config_keys(chapter: str) -> set[str] | None:
    """The config keys of a chapter's experiment module, or None when it has none."""
    import importlib

    try:
        module = importlib.import_module(f"fer_lib.experiments.{chapter}")
    except ModuleNotFoundError:
        return None
    return {f.name for f in fields(module.Config)}
