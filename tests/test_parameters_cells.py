"""Every chapter's ``parameters`` cell annotates its names, so ``papermill --help-notebook`` shows each type."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import papermill
import pytest

from fer_lib.book import is_notebook

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p for p in (ROOT / "book").glob("*.md") if is_notebook(p))
#: what papermill must infer for names several chapters share, and for mae_dfer's data roots
EXPECTED = {"profile": "str", "device": "str", "overrides": "dict", "dfew_root": "Optional[str]",
            "dfew_fold": "int", "voxceleb2_list": "Optional[str]"}


def _parameters(chapter: Path) -> dict:
    return papermill.inspect_notebook(jupytext.read(chapter))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_parameter_has_a_type_papermill_reads(chapter):
    params = _parameters(chapter)
    assert "profile" in params, f"{chapter.name}: no profile parameter found"
    for name, info in params.items():
        assert info["inferred_type_name"] != "None", f"{chapter.name}: parameter {name!r} has no annotation"
        if name in EXPECTED:
            assert info["inferred_type_name"] == EXPECTED[name], (chapter.name, name, info)


def test_mae_dfer_declares_its_data_roots():
    params = _parameters(ROOT / "book" / "mae_dfer.md")
    assert {"dfew_root", "dfew_fold", "voxceleb2_list"} <= set(params)
    assert params["dfew_fold"]["default"] == "1" and params["dfew_root"]["default"] == "None"


def test_relative_data_paths_mean_the_folder_the_command_ran_in(tmp_path, monkeypatch):
    """The kernel runs in book/: -p paths are made absolute against the caller's folder first."""
    from fer_lib.parameters import chapter_parameters

    monkeypatch.chdir(tmp_path)
    notebook = jupytext.read(ROOT / "book" / "mae_dfer.md")
    injected = chapter_parameters(notebook, "mae_dfer", "full", {
        "own_annotation": "aligned/annotation.txt", "voxceleb2_list": "/data/vox2.txt", "dfew_root": "DFEW",
        "own_classes": "happy,sad", "frames": 4})
    assert injected["overrides"] == {"own_annotation": str(tmp_path / "aligned" / "annotation.txt"),
                                     "own_classes": "happy,sad", "frames": 4}       # not a path: kept
    assert injected["voxceleb2_list"] == "/data/vox2.txt" and injected["dfew_root"] == str(tmp_path / "DFEW")


def test_help_notebook_prints_the_types(tmp_path):
    notebook = tmp_path / "ssl_fer.ipynb"
    nbformat.write(jupytext.read(ROOT / "book" / "ssl_fer.md"), notebook)
    out = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook", str(notebook)],
                         capture_output=True, text=True, check=True).stdout
    assert "profile: str (default \"default\")" in out and "overrides: dict (default {})" in out
