"""The runner: failing chapters are named with a non-zero exit, unchanged chapters are skipped."""

import json
from pathlib import Path

import pytest

from fer_lib import book as book_files
from fer_lib import runner

REPO = Path(__file__).resolve().parents[1]

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


@pytest.fixture(autouse=True)
def project_folders(tmp_path, monkeypatch):
    """Results, checkpoints and caches of these runs go to a temporary folder, not the checkout's."""
    for variable, name in (("FER_RESULTS_DIR", "results"), ("FER_CHECKPOINT_DIR", "checkpoints"),
                           ("FER_CACHE_DIR", "cache")):
        monkeypatch.setenv(variable, str(tmp_path / name))


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
    kept = book_dir / "executed" / "smoke" / "bad.failed.ipynb"
    assert kept.exists(), "the partly executed notebook is kept for inspection, under another name"
    assert f"partly executed notebook: {kept}" in err
    assert not (book_dir / "executed" / "smoke" / "bad.ipynb").exists(), "a failed run publishes no notebook"
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


def run_main(argv):
    """``runner.main`` -> (exit status, stderr)."""
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            status = runner.main(argv)
        except SystemExit as exit_:
            status = exit_.code
    return status, err.getvalue()


@pytest.mark.parametrize("key, value, message", [
    ("n_identities", "abc", "data: config key 'n_identities': got 'abc', not an integer; must be int >= 1"),
    ("n_identities", "-3", "data: config key 'n_identities': got -3; must be int >= 1"),
    ("seeds", "0,1", "data: config key 'seeds': got '0,1', not a list"),
    ("n_identitis", "3", "unknown parameter 'n_identitis' in -p for data; did you mean 'n_identities'"),
    ("profile", "full", "-p profile is reserved: use --profile"),
    ("value", "abc", "data: notebook parameter 'value': got 'abc'; must be of type int like its default 1"),
])
def test_bad_parameters_are_refused_before_any_kernel_starts(tmp_path, key, value, message):
    book_dir = tmp_path / "book"
    book_dir.mkdir()
    write_chapter(book_dir, "data", code("raise SystemExit('the kernel must not start')"))
    status, err = run_main(["run", "--profile", "smoke", "--book-dir", str(book_dir), "-p", key, value, "data"])
    assert status == 2 and message in err and "nothing was run" in err
    assert not (book_dir / "executed").exists()


def test_reserved_parameter_is_refused_by_the_api_too(book):
    book_dir, _ = book
    [outcome] = runner.run_chapters(["good"], "smoke", {"profile": "full"}, book_dir=book_dir, progress=False)
    assert outcome.status == "failed" and "reserved" in outcome.error


def test_failed_run_keeps_the_last_good_notebook(book):
    book_dir, marker = book
    folder = book_dir / "executed" / "smoke"
    [first] = runner.run_chapters(["good"], "smoke", book_dir=book_dir, progress=False)
    assert first.status == "ran"
    good, key = (folder / "good.ipynb").read_bytes(), (folder / "good.key").read_text()
    write_chapter(book_dir, "good", code("raise RuntimeError('typo caught in the kernel')"))
    [second] = runner.run_chapters(["good"], "smoke", book_dir=book_dir, progress=False)
    assert second.status == "failed" and second.partial == folder / "good.failed.ipynb"
    assert (folder / "good.ipynb").read_bytes() == good and (folder / "good.key").read_text() == key
    assert "typo caught in the kernel" in (folder / "good.failed.ipynb").read_text()
    assert sorted(p.name for p in folder.iterdir()) == ["good.failed.ipynb", "good.ipynb", "good.key", "good.run.json"]


def test_kernel_death_names_the_running_cell(book):
    book_dir, _ = book
    write_chapter(book_dir, "oom", code("x = 1") + code("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
                  + code("y = 2"))
    [outcome] = runner.run_chapters(["oom"], "smoke", book_dir=book_dir, progress=False)
    assert outcome.status == "failed" and "DeadKernelError" in outcome.error, outcome.error
    assert "in code cell 4 of 5 (`import os, signal`)" in outcome.error, outcome.error
    cells = [c for c in json.loads(outcome.partial.read_text())["cells"] if c["cell_type"] == "code"]
    killed, after = cells[3], cells[4]
    assert killed["metadata"]["papermill"]["status"] == "failed" and killed["outputs"][-1]["ename"] == "DeadKernelError"
    assert after["metadata"]["papermill"]["status"] == "pending"


def test_unwritable_results_folder_stops_before_the_kernel_starts(book, tmp_path, monkeypatch):
    book_dir, marker = book
    blocker = tmp_path / "results-is-a-file"
    blocker.write_text("")
    monkeypatch.setenv("FER_RESULTS_DIR", str(blocker))
    status, err = run_main(["run", "--profile", "smoke", "--book-dir", str(book_dir), "good"])
    assert status == 2 and f"cannot write to {blocker / 'smoke'}" in err and not marker.exists()
    monkeypatch.setattr(runner, "config_keys", lambda chapter: {"value"})  # the fake chapter writes results
    [outcome] = runner.run_chapters(["good"], "smoke", book_dir=book_dir, progress=False)
    assert outcome.status == "failed" and outcome.error.startswith(f"cannot write to {blocker / 'smoke'}")
    assert not marker.exists(), "no cell ran"


def test_runs_with_parameters_get_their_own_folders(book):
    book_dir, marker = book
    executed = book_dir / "executed"
    assert runner.main(["run", "--profile", "smoke", "--no-progress", "--book-dir", str(book_dir), "good"]) == 0
    assert runner.main(["run", "--profile", "smoke", "--no-progress", "--book-dir", str(book_dir), "-p", "value", "5",
                        "good"]) == 0
    assert runner.main(["run", "--profile", "smoke", "--no-progress", "--book-dir", str(book_dir), "-p", "value", "6",
                        "--name", "trial", "good"]) == 0
    hashed = runner.run_name("smoke", {"value": 5})
    assert hashed == "smoke-" + __import__("hashlib").sha256(b'{"value": 5}').hexdigest()[:8]
    assert sorted(p.name for p in executed.iterdir()) == sorted(["smoke", hashed, "trial"])
    assert marker.read_text().splitlines() == ["smoke 1", "smoke 5", "smoke 6"]
    for folder, value in (("smoke", 1), (hashed, 5), ("trial", 6)):
        assert f"value = {value}" in (executed / folder / "good.ipynb").read_text().replace('"', "")
    provenance = json.loads((executed / hashed / "good.run.json").read_text())
    assert provenance["run"] == hashed and provenance["parameters"] == {"value": 5}
    status, err = run_main(["run", "--profile", "smoke", "--book-dir", str(book_dir), "--name", "default", "good"])
    assert status == 2 and "not a profile name" in err


def test_cache_key_covers_every_library_file_and_the_lock(tmp_path):
    text = tmp_path / "c.md"
    text.write_text("a")
    lib = tmp_path / "fer_lib"
    (lib / "papers").mkdir(parents=True)
    (lib / "mod.py").write_text("x = 1\n")
    (lib / "papers" / "c.json").write_text('{"f1": 57.5}')
    key = runner.cache_key(text, {}, lib)
    (lib / "papers" / "c.json").write_text('{"f1": 59.3}')
    edited = runner.cache_key(text, {}, lib)
    assert edited != key, "editing a published table re-runs the chapter"
    (lib / "__pycache__").mkdir()
    (lib / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    (lib / ".mod.py.swp").write_bytes(b"\0")
    assert runner.cache_key(text, {}, lib) == edited, "caches and hidden files do not count"
    (tmp_path / "requirements.lock").write_text("torch==2.4.0\n")
    assert runner.cache_key(text, {}, lib) != edited, "the lock file counts"


def test_missing_kernel_says_how_to_fix_it(book, monkeypatch):
    book_dir, marker = book
    monkeypatch.setattr(runner, "KERNEL", "no-such-kernel-fer")
    status, err = run_main(["run", "--profile", "smoke", "--book-dir", str(book_dir), "good"])
    assert status == 2 and "'no-such-kernel-fer'" in err and "make env" in err and "ipykernel install" in err
    [outcome] = runner.run_chapters(["good"], "smoke", book_dir=book_dir, progress=False)
    assert outcome.status == "failed" and "make env" in outcome.error and "ipykernel install" in outcome.error
    assert not marker.exists()


def test_outside_a_book_the_runner_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, err = run_main(["run", "--profile", "smoke"])
    assert status == 2 and f"no book in {tmp_path.resolve()}" in err


WRITE_RESULTS = ("import json, os, pathlib\n"
                 "path = pathlib.Path(os.environ['FER_RESULTS_DIR']) / os.environ['FER_RUN_NAME'] / 'good.json'\n"
                 "path.parent.mkdir(parents=True, exist_ok=True)\n"
                 "path.write_text(json.dumps({'value': value}))")


def test_failed_run_keeps_the_last_good_results(book, tmp_path):
    book_dir, _ = book
    write_chapter(book_dir, "good", code(WRITE_RESULTS))
    [ran] = runner.run_chapters(["good"], "smoke", book_dir=book_dir, progress=False)
    results = tmp_path / "results" / "smoke" / "good.json"
    assert ran.status == "ran" and json.loads(results.read_text()) == {"value": 1}
    write_chapter(book_dir, "good", code(WRITE_RESULTS.replace("'value': value", "'value': 2"))
                  + code("raise RuntimeError('after saving')"))
    [failed] = runner.run_chapters(["good"], "smoke", book_dir=book_dir, progress=False)
    assert failed.status == "failed" and json.loads(results.read_text()) == {"value": 1}
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["smoke"], "no staging folder left"


def test_ledger_runs_last_and_its_key_follows_the_results(tmp_path, monkeypatch):
    assert runner.execution_order(["claims", "data", "ssl_fer"]) == ["data", "ssl_fer", "claims"]
    assert book_files.notebook_chapters(REPO / "book").index("claims") < book_files.notebook_chapters(REPO / "book").index("ssl_fer")  # toc: after intro
    monkeypatch.setenv("FER_RESULTS_DIR", str(tmp_path))
    (tmp_path / "smoke").mkdir()
    before = runner.results_digest("smoke")
    (tmp_path / "smoke" / "claims.json").write_text("{}")  # the ledger's own output does not count
    assert runner.results_digest("smoke") == before
    (tmp_path / "smoke" / "ssl_fer.json").write_text("{}")
    assert runner.results_digest("smoke") != before


SAVE_HISTORY = """from fer_lib.results import Run
run = Run("good", "smoke", config={}, seeds=[0], data="synthetic", device="cpu")
run.save_history("A", 0, [{"step": 1, "loss": 2.0}], [{"step": 1, "images_per_s": 5.0}], stage="pretrain")
open(run.history_dir() / "progress.txt", "w").write(str(run.progress))"""


@pytest.mark.parametrize("progress", [True, False])
def test_histories_are_staged_and_published_with_the_results(book, tmp_path, progress):
    book_dir, _ = book
    write_chapter(book_dir, "good", code(SAVE_HISTORY))
    [ran] = runner.run_chapters(["good"], "smoke", book_dir=book_dir, progress=progress)
    history = tmp_path / "results" / "smoke" / "good" / "history"
    assert ran.status == "ran", ran.error
    assert (history / "A-seed0-pretrain.csv").read_text() == \
        "row,seed,stage,step,loss,images_per_s\nA,0,pretrain,1,2.0,5.0\n"
    assert (history / "progress.txt").read_text() == str(progress)   # --no-progress reaches the kernel
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["smoke"], "no staging folder left"


def test_a_chapter_reads_the_published_results_of_another(book, tmp_path):
    """Inside the runner a chapter's results root is its staging folder; the ledger still finds the other
    chapters' published results (it listed every claim as "not run" before)."""
    book_dir, _ = book
    write_chapter(book_dir, "good", code(WRITE_RESULTS))
    write_chapter(book_dir, "reader", code("from fer_lib.results import Run, load_results\n"
                                           "run = Run('reader', 'smoke', config={}, seeds=[0], data='x', device='cpu')\n"
                                           "run.add_metrics(seen=load_results('good', 'smoke')['value'])\n"
                                           "run.save()"))
    outcomes = runner.run_chapters(["good", "reader"], "smoke", book_dir=book_dir, progress=False)
    assert [o.status for o in outcomes] == ["ran", "ran"], [o.error for o in outcomes]
    saved = json.loads((tmp_path / "results" / "smoke" / "reader.json").read_text())
    assert saved["metrics"] == {"seen": 1}
