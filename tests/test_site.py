"""The site publishes only successful runs, hides the parameter cells and says which run made each page."""

import json

import nbformat
import pytest

from fer_lib import runner, site
from tests.test_runner import code, project_folders, write_chapter  # noqa: F401 (autouse fixture)


@pytest.fixture()
def project(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    (book / "intro.md").write_text("# Intro\n\nA static page.\n")
    write_chapter(book, "good", code("print('fine')"))
    write_chapter(book, "bad", code("raise ValueError('broken on purpose')"))
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n- file: book/good\n- file: book/bad\n")
    return book


def test_a_chapter_without_a_successful_run_is_not_published(project):
    outcomes = runner.run_chapters(["good", "bad"], "smoke", book_dir=project, progress=False)
    assert [o.status for o in outcomes] == ["ran", "failed"]
    with pytest.raises(FileNotFoundError, match=r"no successful run of \['bad \(its last run failed: .*bad.failed.ipynb\)'\] "
                                                r"in run folder 'smoke'"):
        site.stage_site("smoke", project)


def test_staged_page_hides_parameter_cells_and_names_its_run(project):
    (project.parent / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n- file: book/good\n")
    runner.run_chapters(["good"], "smoke", {"value": 3}, name="trial", book_dir=project, progress=False)
    stage = site.stage_site("trial", project)
    staged = nbformat.read(stage / "book" / "good.ipynb", as_version=4)
    tags = {i: c.metadata.get("tags", []) for i, c in enumerate(staged.cells)}
    hidden = [i for i, t in tags.items() if "remove-cell" in t]
    assert [tags[i][0] for i in hidden] == ["parameters", "injected-parameters"]
    line = staged.cells[hidden[0] - 1]
    assert line.cell_type == "markdown" and line.source.startswith(
        "*This page was produced by run `trial`: profile `smoke`, `value=3`, device auto, finished 20")
    assert "commit `" in line.source
    executed = json.loads((project / "executed" / "trial" / "good.ipynb").read_text())
    assert not any("remove-cell" in c["metadata"].get("tags", []) for c in executed["cells"]), \
        "the executed notebook keeps both parameter cells as they were"
    assert (stage / "book" / "intro.md").exists()


def test_progress_bars_show_their_final_state_in_the_site():
    stream = lambda name, text: nbformat.v4.new_output("stream", name=name, text=text)  # noqa: E731
    cell = nbformat.v4.new_code_cell("train()")
    cell.outputs = [stream("stderr", "\rA · seed 0:   0%|  | 0/3"), stream("stderr", "\rA · seed 0:  67%|# | 2/3"),
                    stream("stderr", "\rA · seed 0: 100%|##| 3/3, loss=1.2"), stream("stdout", "A · seed 0: 3 steps\n"),
                    stream("stderr", "\n"), stream("stderr", "\rB · seed 0: 100%|##| 3/3"), stream("stderr", "\n"),
                    nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=1)]
    site.settle_progress(cell)
    assert [(o.output_type, o.get("text")) for o in cell.outputs] == [
        ("stream", "A · seed 0: 100%|##| 3/3, loss=1.2\n"), ("stream", "A · seed 0: 3 steps\n"),
        ("stream", "B · seed 0: 100%|##| 3/3\n"), ("execute_result", None)]
    assert site.settle_carriage_returns("\n\n") == ""


def test_html_command_refuses_without_a_traceback(project, monkeypatch):
    from tests.test_runner import run_main

    monkeypatch.chdir(project.parent)
    status, err = run_main(["html", "--run", "never-ran"])
    assert status == 2 and "fer-book html: no successful run of ['good', 'bad'] in run folder 'never-ran'" in err
