"""The runner: failing chapters are named with a non-zero exit, unchanged chapters are skipped."""

import json
from pathlib import Path

import pytest

from fer_lib import runner

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: FER book (Python 3.11)
  language: python
  name: fer-book
---
"""


def write_chapter(book: Path, name: str, body: str) -> Path:
    path = book / f"{name}.md"
    path.write_text(HEADER + f"# {name}\n\n```{{code-cell}} ipython3\n:tags: [parameters]\nprofile = 'default'\nvalue = 1\n```\n\n" + body)
    return path


def code(src: str) -> str:
    return f"```{{code-cell}} ipython3\n{src}\n```\n\n"


@pytest.fixture()
def book(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    marker = tmp_path / "runs.txt"
    write_chapter(book, "good", code(f"open({str(marker)!r}, 'a').write(f'{{profile}} {{value}}\\n')"))
    write_chapter(book, "bad", code("x = 1") + code("raise ValueError('broken on purpose')"))
    return book, marker


def test_failing_chapter_named_with_nonzero_exit(book, capsys):
    book_dir, _ = book
    status = runner.main(["run", "--profile", "smoke", "--no-progress", "--book-dir", str(book_dir), "bad", "good"])
    err = capsys.readouterr().err
    assert status == 1
    assert "FAILED bad" in err and "`raise ValueError('broken on purpose')`" in err and "ValueError: broken on purpose" in err
    kept = book_dir / "executed" / "smoke" / "bad.ipynb"
    assert kept.exists(), "the partly executed notebook is kept for inspection"
    outputs = [c.get("outputs") for c in json.loads(kept.read_text())["cells"] if c["cell_type"] == "code"]
    assert any(o and o[0].get("ename") == "ValueError" for o in outputs)
    assert not (book_dir / "executed" / "smoke" / "bad.key").exists()


def test_unchanged_chapter_is_skipped_and_force_reruns(book):
    book_dir, marker = book
    first = runner.run_chapters(["good"], "smoke", {"value": 7}, book_dir=book_dir, progress=False)
    assert [o.status for o in first] == ["ran"]
    assert marker.read_text().splitlines() == ["smoke 7"], "parameters are injected"
    again = runner.run_chapters(["good"], "smoke", {"value": 7}, book_dir=book_dir, progress=False)
    assert [o.status for o in again] == ["skipped"]
    changed = runner.run_chapters(["good"], "smoke", {"value": 8}, book_dir=book_dir, progress=False)
    assert [o.status for o in changed] == ["ran"], "a changed parameter changes the cache key"
    forced = runner.run_chapters(["good"], "smoke", {"value": 8}, force=True, book_dir=book_dir, progress=False)
    assert [o.status for o in forced] == ["ran"]
    assert marker.read_text().splitlines() == ["smoke 7", "smoke 8", "smoke 8"]


def test_cache_key_tracks_text_and_parameters(tmp_path):
    text = tmp_path / "c.md"
    text.write_text("a")
    k1 = runner.cache_key(text, {"profile": "smoke"})
    assert k1 == runner.cache_key(text, {"profile": "smoke"})
    assert k1 != runner.cache_key(text, {"profile": "default"})
    text.write_text("b")
    assert k1 != runner.cache_key(text, {"profile": "smoke"})


def test_unknown_parameter_is_an_error(book):
    book_dir, _ = book
    with pytest.raises(SystemExit):
        runner.main(["run", "--profile", "smoke", "--book-dir", str(book_dir), "-p", "no_such_key", "1", "good"])


def test_ledger_runs_last_and_its_key_follows_the_results(tmp_path, monkeypatch):
    assert runner.execution_order(["claims", "data", "ssl_fer"]) == ["data", "ssl_fer", "claims"]
    assert runner.notebook_chapters().index("claims") < runner.notebook_chapters().index("ssl_fer")  # toc: after intro
    monkeypatch.setenv("FER_RESULTS_DIR", str(tmp_path))
    (tmp_path / "smoke").mkdir()
    before = runner.results_digest("smoke")
    (tmp_path / "smoke" / "claims.json").write_text("{}")  # the ledger's own output does not count
    assert runner.results_digest("smoke") == before
    (tmp_path / "smoke" / "ssl_fer.json").write_text("{}")
    assert runner.results_digest("smoke") != before
