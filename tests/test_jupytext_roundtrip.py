"""Chapters are committed in Jupytext's canonical form: reading one as a notebook and writing it back with
the project's jupytext.toml (what JupyterLab does on save) changes no byte, so saving from Lab neither
dirties git nor changes the runner's cache key. Fix a failure with `.venv/bin/jupytext --to md:myst FILE`."""

from __future__ import annotations

import shutil
from pathlib import Path

import jupytext
import pytest
from jupyter_server.services.contents.largefilemanager import LargeFileManager
from jupytext.config import load_jupytext_config

from fer_lib.book import is_notebook

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p for p in (ROOT / "book").glob("*.md") if is_notebook(p))


def test_every_notebook_chapter_is_checked():
    assert {p.stem for p in CHAPTERS} >= {"data", "faces", "ssl_fer", "mae_dfer", "crs_cont", "abaw6"}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_round_trip_through_the_jupytext_api_is_byte_identical(chapter):
    config = load_jupytext_config(str(chapter))
    assert config is not None, "jupytext.toml not found above book/"
    text = chapter.read_text()
    notebook = jupytext.reads(text, fmt="md:myst", config=config)
    assert jupytext.writes(notebook, fmt="md:myst", config=config) == text, \
        f"{chapter.name} is not in canonical form: run `.venv/bin/jupytext --to md:myst book/{chapter.name}`"


def test_saving_from_jupyterlab_leaves_chapters_unchanged(tmp_path):
    """Jupytext's contents manager (the one JupyterLab uses) opens each chapter as a notebook and saves it:
    the Markdown file stays byte-identical, the .ipynb pair appears beside it, and no Jupytext version
    lands in the header."""
    shutil.copytree(ROOT / "book", tmp_path / "book", ignore=shutil.ignore_patterns("executed", "*.ipynb"))
    shutil.copy(ROOT / "jupytext.toml", tmp_path)
    manager = jupytext.build_sync_jupytext_contents_manager_class(LargeFileManager)(root_dir=str(tmp_path))
    for chapter in CHAPTERS:
        path = f"book/{chapter.name}"
        model = manager.get(path)
        assert model["type"] == "notebook"
        manager.save(model, path)
        saved = (tmp_path / path).read_text()
        assert saved == chapter.read_text(), f"saving {chapter.name} from JupyterLab rewrites it"
        assert "jupytext_version" not in saved and (tmp_path / path).with_suffix(".ipynb").is_file()
