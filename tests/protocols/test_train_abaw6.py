"""ABAW6's phase 1 outside the notebook: the torchrun entry point trains it (one process or DDP), the chapter's
``run_row`` loads it without retraining, evaluation keys keep its folder, an interrupted run resumes."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import types

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp

from fer_lib.config import chapter_config
from fer_lib.engine import trainer as engine_trainer
from fer_lib.engine.checkpoint import safe_load
from fer_lib.experiments import abaw6 as E
from fer_lib.protocols import abaw6 as P
from fer_lib.protocols import train, training_log

ROWS = {r.row: r for r in E.ROWS}
CPU = torch.device("cpu")
SSL_STAGES = ("teacher_warmup", "teacher_student", "student_finetune")
#: a smaller evaluation set than smoke's (evaluation keys: phase 1's folder stays the same)
EVAL = {"val_identities": 40, "val_clips_per_identity": 4, "val_min_clips_per_class": 1}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")   # the smoke sets, rendered once for the module


@pytest.fixture
def root(tmp_path, monkeypatch, cache):
    """The checkpoint folder the entry point and the chapter use for the smoke profile."""
    monkeypatch.setenv("FER_CACHE_DIR", str(cache))
    monkeypatch.setenv("FER_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    return tmp_path / "checkpoints" / "abaw6" / "smoke"


def chapter_run(checkpoint_root):
    """What run_row reads of a Run, keeping its checkpoints under ``checkpoint_root`` (None: none)."""
    return types.SimpleNamespace(torch_device=CPU, stage=contextlib.nullcontext, progress=False,
                                 save_history=lambda *args: None, checkpoint_root=lambda: checkpoint_root)


def test_phase_1_folder_follows_its_training_keys_only():
    cfg = chapter_config("abaw6", "smoke", {})
    folder = P.checkpoint_dir("c", ROWS["ssl_all"], cfg, 0)
    evaluation = {"seeds": (3,), "bootstrap_resamples": 50, "val_identities": 70, "temporal_steps": 3,
                  "vote_window": 3, "checkpoint_every": 2, "aw2_val_annotations": "/elsewhere"}
    assert P.checkpoint_dir("c", ROWS["ssl_all"], chapter_config("abaw6", "smoke", evaluation), 0) == folder
    assert P.checkpoint_dir("c", ROWS["ssl_temporal_vote"], cfg, 0) == folder       # one spatial run, one folder
    assert folder.name.startswith("ssl_all-seed0-")
    for key, value in (("teacher_lr", 0.01), ("labelled_steps", 13), ("log_every", 3)):   # log_every: the history
        assert P.checkpoint_dir("c", ROWS["ssl_all"], chapter_config("abaw6", "smoke", {key: value}), 0) != folder
    assert P.checkpoint_dir("c", ROWS["ssl_all"], cfg, 1) != folder
    assert P.checkpoint_dir("c", ROWS["feedback_off"], cfg, 0) != folder
    assert set(P.NOT_TRAINING) <= {f.name for f in dataclasses.fields(E.Config)}     # no misspelt key
    assert list(P.trainable_rows(cfg)) == ["baseline", "ssl_extra", "ssl_pool", "ssl_all", "feedback_off",
                                           "teacher_balance_off", "warmup_off", "finetune_off"]
    odd = dataclasses.replace(ROWS["ssl_temporal"], feedback=False)
    with pytest.raises(ValueError, match="share spatial run 'ssl_all' but differ in \\['feedback'\\]"):
        P.trainable_rows(cfg, (ROWS["ssl_all"], odd))
    default = chapter_config("abaw6", "default", {})                   # the seeds the chapter runs each row with
    assert train.default_seeds("abaw6", "ssl_all", default) == (0, 1, 2, 3, 4)
    assert train.default_seeds("abaw6", "warmup_off", default) == (0, 1, 2)


def test_entry_point_trains_phase_1_and_the_chapter_loads_it(root):
    assert train.main(["abaw6", "--profile", "smoke", "--rows", "ssl_all", "--seeds", "0", "--device", "cpu"]) == 0
    cfg = chapter_config("abaw6", "smoke", EVAL)       # the chapter evaluates on its own set: the same folder
    folder = P.checkpoint_dir(root, ROWS["ssl_all"], cfg, 0)
    assert sorted(p.name for p in folder.iterdir()) == sorted(SSL_STAGES)
    data = P.load_data(cfg)
    loaded = P.run_row(ROWS["ssl_all"], cfg, data, 0, chapter_run(root))
    reference_data = P.load_data(cfg)
    reference = P.run_row(ROWS["ssl_all"], cfg, reference_data, 0, chapter_run(None))   # trained here
    assert loaded["spatial_s"] is None and reference["spatial_s"] > 0
    assert {k: v for k, v in loaded.items() if k != "spatial_s"} == \
        {k: v for k, v in reference.items() if k != "spatial_s"}                     # F1s, intervals, pseudo-labels
    assert len(loaded["pseudo_labels"]["step"]) == 2                                  # 6 steps, logged every 4 + end
    for name, value in reference_data.trained[("ssl_all", 0)]["student"].state_dict().items():
        assert torch.equal(data.trained[("ssl_all", 0)]["student"].state_dict()[name], value), name
    # other evaluation keys: the same folder, loaded again (a fresh cache), the same student's F1
    other = chapter_config("abaw6", "smoke", EVAL | {"bootstrap_resamples": 50})
    again = P.run_row(ROWS["ssl_all"], other, P.load_data(other), 0, chapter_run(root))
    assert again["spatial_s"] is None and again["f1"] == loaded["f1"]
    assert again["f1_clip_low"] != loaded["f1_clip_low"] or again["f1_clip_high"] != loaded["f1_clip_high"]


class Interrupted(Exception):
    pass


def test_an_interrupted_phase_1_resumes_where_it_stopped(root, monkeypatch):
    cfg = chapter_config("abaw6", "smoke", EVAL | {"checkpoint_every": 2})   # teacher-student: 6 steps, saved at 2, 4
    data = P.load_data(cfg)
    reference = P.train_spatial(ROWS["ssl_all"], cfg, data, 0, CPU)                  # uninterrupted, no checkpoints
    steps, real_fit = {}, engine_trainer.fit

    def interrupt_at(stage, step):
        def fit(method, dataset, **kw):
            name = kw["desc"].split(" · ")[-1]
            steps[name] = 0

            def count(info):
                steps[name] += 1
                if name == stage and info.step == step:
                    raise Interrupted(f"killed after step {step}")
            return real_fit(method, dataset, **kw, callbacks=[count])
        return fit

    monkeypatch.setattr(training_log, "fit", interrupt_at("teacher-student", 5))
    with pytest.raises(Interrupted):
        P.train_spatial(ROWS["ssl_all"], cfg, data, 0, CPU, checkpoint_root=root)
    folder = P.checkpoint_dir(root, ROWS["ssl_all"], cfg, 0)
    assert safe_load(folder / "teacher_student" / "last.pt")["trainer"]["step"] == 4
    assert not (folder / "student_finetune").exists()
    monkeypatch.setattr(training_log, "fit", interrupt_at(None, None))
    resumed = P.train_spatial(ROWS["ssl_all"], cfg, data, 0, CPU, checkpoint_root=root)
    assert steps == {"teacher warm-up": 0, "teacher-student": 2, "student fine-tune": 12}   # only what was left
    for key in ("f1", "teacher_f1", "teacher_warmup_f1", "student_ts_f1", "history"):
        assert resumed[key] == reference[key], key
    assert np.array_equal(resumed["predictions"], reference["predictions"])


def _ddp_worker(rank: int, world: int, port: int) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    train.main(["abaw6", "--profile", "smoke", "--rows", "ssl_all", "--seeds", "0", "--device", "cpu"])


@pytest.mark.slow
def test_two_process_phase_1_is_loaded_by_the_one_process_chapter(root, free_port):
    P.load_data(chapter_config("abaw6", "smoke", {}))   # renders the sets once, before the fork
    cfg = chapter_config("abaw6", "smoke", EVAL)
    data = P.load_data(cfg)
    mp.start_processes(_ddp_worker, args=(2, free_port), nprocs=2, join=True, start_method="fork")
    folder = P.checkpoint_dir(root, ROWS["ssl_all"], cfg, 0)
    for stage in SSL_STAGES:
        trainer = safe_load(folder / stage / "last.pt")["trainer"]
        assert (trainer["world_size"], trainer["batch_size"]) == (2, cfg.batch_size // 2), stage
    record = P.run_row(ROWS["ssl_all"], cfg, data, 0, chapter_run(root))
    assert record["spatial_s"] is None and 0 <= record["f1"] <= 100
    true = [sum(h[f"pl_true/{k}"] for k in range(P.K)) for h in data.trained[("ssl_all", 0)]["history"]]
    assert true == [cfg.batch_size * cfg.unlabelled_per_item] * len(true)   # the whole batch's pseudo-labels
