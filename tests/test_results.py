import json
import math

import numpy as np
import pytest

from fer_lib.results import (Run, atomic_write_json, format_mean_std, format_summary, load_results, mean_std,
                             side_by_side, summarise_seeds)


def test_run_saves_atomically_with_provenance(tmp_path):
    run = Run("demo", "smoke", config={"lr": 0.1}, seeds=[0, 1], data="synthetic", device="cpu")
    with run.stage("train"):
        pass
    run.add_table("rows", [{"method": "a", "f1": np.float32(0.5)}])
    run.add_metrics(loss=float("nan"), acc=np.float64(0.25))
    path = run.save(tmp_path)
    assert path == tmp_path / "smoke" / "demo.json"
    back = load_results("demo", "smoke", tmp_path)
    assert back["tables"]["rows"] == [{"method": "a", "f1": 0.5}]
    assert back["metrics"] == {"loss": None, "acc": 0.25}, "NaN is stored as null, never as invalid JSON"
    assert back["config"] == {"lr": 0.1} and back["seeds"] == [0, 1] and "train" in back["stages_s"]
    assert run.source_label == "this run (smoke, synthetic, cpu)"
    assert [p.name for p in (tmp_path / "smoke").iterdir()] == ["demo.json"], "no temporary file left behind"


def test_failed_write_keeps_previous_file(tmp_path):
    target = tmp_path / "r.json"
    atomic_write_json(target, {"a": 1})

    class Unserialisable:
        pass

    with pytest.raises(TypeError):
        atomic_write_json(target, {"a": Unserialisable()})
    assert json.loads(target.read_text()) == {"a": 1}
    assert len(list(tmp_path.iterdir())) == 1


def test_missing_results_names_the_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="fer-book run --profile smoke nothing"):
        load_results("nothing", "smoke", tmp_path)


def test_mean_std_matches_numpy():
    values = [0.5, 0.7, 0.9]
    mean, std = mean_std(values)
    assert mean == pytest.approx(0.7) and std == pytest.approx(np.std(values, ddof=1))
    assert format_mean_std(values, scale=100) == "70.0 ± 20.0"
    assert mean_std([0.3]) == (0.3, 0.0)


def test_side_by_side_labels_every_column():
    frame = side_by_side([{"m": "a", "f1": 1}], [{"m": "a", "f1": 2}, {"m": "b", "f1": 3}], "m", ["f1"],
                         "paper", "this run")
    assert list(frame.columns) == [("f1", "paper"), ("f1", "this run")]
    assert frame.loc["b", ("f1", "paper")] == "" and frame.loc["b", ("f1", "this run")] == 3
    assert not math.isnan(frame.loc["a", ("f1", "this run")])


def test_side_by_side_maps_the_paper_key_to_the_run_key():
    view = format_summary(summarise_seeds([{"row": "a", "seed": 0, "f1": 0.5}, {"row": "a", "seed": 1, "f1": 0.7}],
                                          ["f1"]), scale=100)
    frame = side_by_side([{"Method": "a", "f1": 58.3}], view, ("Method", "row"), ["f1"], "paper", "run")
    assert frame.index.name == "Method" and frame.loc["a", ("f1", "run")] == "60.0 ± 14.1"
    with pytest.raises(KeyError, match="'Method'"):
        side_by_side([{"row": "a"}], view, ("Method", "row"), ["f1"], "paper", "run")


def test_summaries_are_numeric_and_only_the_view_is_formatted():
    records = [{"row": "b", "seed": s, "f1": v, "acc": None if s == 2 else 0.1 * s}
               for s, v in enumerate((0.5, 0.7, 0.9))]
    records.append({"row": "a", "seed": 0, "f1": 0.4, "acc": None})
    summary = summarise_seeds(records, ["f1", "acc"])
    assert [r["row"] for r in summary] == ["b", "a"] and [r["seeds"] for r in summary] == [3, 1]
    b, a = summary
    assert b["f1"] == pytest.approx(0.7) and b["f1_std"] == pytest.approx(np.std([0.5, 0.7, 0.9], ddof=1))
    assert b["acc"] == pytest.approx(0.05) and b["acc_std"] == pytest.approx(np.std([0.0, 0.1], ddof=1))
    assert (a["f1"], a["f1_std"]) == (0.4, 0.0) and math.isnan(a["acc"])        # a row with no value: NaN
    view = format_summary(summary, scale={"f1": 100}, digits={"acc": 2})
    assert list(view.columns) == ["seeds", "f1", "acc"]
    assert view.loc["b", "f1"] == "70.0 ± 20.0" and view.loc["b", "acc"] == "0.05 ± 0.07"
    assert view.loc["a", "acc"] == ""
    with pytest.raises(KeyError, match="'row'"):
        summarise_seeds([{"Method": "a"}], ["f1"])


def test_published_file_has_umask_permissions(tmp_path):
    import os

    target = tmp_path / "p.json"
    atomic_write_json(target, {"a": 1})
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_run_folders_and_schema_version(tmp_path, monkeypatch):
    from fer_lib.results import SCHEMA_VERSION, run_name, start_run

    assert run_name("smoke") == run_name("smoke", {}) == "smoke"
    named = run_name("smoke", {"epochs": 5})
    assert named == "smoke-" + __import__("hashlib").sha256(b'{"epochs": 5}').hexdigest()[:8]
    assert run_name("smoke", {"epochs": 6}) != named
    run = Run("demo", "smoke", config={}, seeds=[0], data="synthetic", device="cpu", name=named, overrides={"epochs": 5})
    path = run.save(tmp_path)
    assert path == tmp_path / named / "demo.json"
    saved = json.loads(path.read_text())
    assert (saved["schema_version"], saved["run"], saved["profile"], saved["overrides"]) == \
        (SCHEMA_VERSION, named, "smoke", {"epochs": 5})
    monkeypatch.setenv("FER_RUN_NAME", "trial")
    assert start_run("data", "smoke", "cpu", {"n_identities": 3}).name == "trial", "the runner's folder wins"
    monkeypatch.delenv("FER_RUN_NAME")
    assert start_run("data", "smoke", "cpu", {"n_identities": 3}).name == run_name("smoke", {"n_identities": 3})


def test_results_land_in_the_current_project(tmp_path, monkeypatch):
    from fer_lib.results import checkpoints_root, results_root

    (tmp_path / "book" / "sub").mkdir(parents=True)
    (tmp_path / "_toc.yml").write_text("root: book/intro\n")
    monkeypatch.delenv("FER_RESULTS_DIR", raising=False)
    monkeypatch.delenv("FER_CHECKPOINT_DIR", raising=False)
    monkeypatch.chdir(tmp_path / "book" / "sub")  # a kernel runs in book/: still the project's folders
    assert results_root() == tmp_path / "results" and checkpoints_root() == tmp_path / "checkpoints"
    monkeypatch.setenv("FER_RESULTS_DIR", str(tmp_path / "elsewhere"))
    assert results_root() == tmp_path / "elsewhere"


def test_disk_full_names_the_file(tmp_path, monkeypatch):
    import errno
    import os

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    target = tmp_path / "smoke" / "demo.json"
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match=f"No space left on device \\(writing {target}\\)"):
        atomic_write_json(target, {"a": 1})
    assert list(target.parent.iterdir()) == [], "no torn file or temporary left"
