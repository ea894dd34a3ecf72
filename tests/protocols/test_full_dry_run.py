"""The `full` profile's paper configuration on files in the real datasets' formats: a dry run per chapter.

Each test writes a few items in the releases' own layouts (:mod:`real_fixtures`), opens the chapter's run as
the notebook does (``start_run(chapter, "full", "cpu", overrides)`` with the dataset paths as ``-p`` would
pass them), loads the data through ``protocols.<chapter>.load_data`` and runs table rows through
``run_row`` at the paper's model sizes (LGI-Former 512x16, ResNet-18, ResNet-50). Only the batch, the number
of frames (MAE-DFER), the image size where the model permits it (ABAW6's ResNet-50) and the number of steps
(2 per fit, by a spy on the engine) are small. Every fit must take its steps with a finite loss and move
its weights, and no synthetic set may be rendered. Also: `full` without the paths stops before any work with one error naming every key.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import real_fixtures as fx
from fer_lib import runner
from fer_lib.parameters import check_parameters
from fer_lib.config import chapter_config, missing_data, require_data
from fer_lib.engine import trainer as engine_trainer
from fer_lib.experiments import abaw6 as abaw6_exp
from fer_lib.experiments import crs_cont as crs_exp
from fer_lib.experiments import mae_dfer as mae_exp
from fer_lib.experiments import ssl_fer as ssl_exp
from fer_lib.protocols import abaw6, crs_cont, crs_cont_data, mae_dfer, probes, ssl_fer, ssl_fer_data, training_log
from fer_lib.results import start_run

STEPS = 2


@pytest.fixture
def fits(monkeypatch, tmp_path):
    """Every training fit stops after STEPS steps on the CPU; records steps, final loss and moved weights."""
    monkeypatch.setenv("FER_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FER_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    calls, real_fit = [], engine_trainer.fit

    def spy(method, dataset, *, optimizers, **kw):
        kw.update(max_steps=min(STEPS, kw.get("max_steps") or STEPS), progress=False, device="cpu", log_every=1)
        opts = optimizers if isinstance(optimizers, dict) else {"main": optimizers}
        params = [p for o in opts.values() for g in o.param_groups for p in g["params"]]
        before = [p.detach().clone() for p in params]
        result = real_fit(method, dataset, optimizers=optimizers, **kw)
        calls.append({"method": type(method).__name__, "steps": result.step,
                      "loss": [h["loss"] for h in result.history],
                      "moved": sum(not torch.equal(a, p.detach()) for a, p in zip(before, params)),
                      "finite": all(bool(torch.isfinite(p).all()) for p in params)})
        return result

    for module in (training_log, probes):
        monkeypatch.setattr(module, "fit", spy)

    def no_synthetic(*args, **kwargs):
        raise AssertionError("a synthetic set was rendered on the real-data path")

    for module in (abaw6, crs_cont_data, mae_dfer, ssl_fer_data):   # every chapter's renderer
        monkeypatch.setattr(module, "load_synth", no_synthetic)
    return calls


def assert_trained(calls: list[dict], methods: list[str]) -> None:
    assert [c["method"] for c in calls] == methods
    for c in calls:
        assert c["steps"] == STEPS and c["loss"] and all(math.isfinite(v) for v in c["loss"]), c
        assert c["moved"] > 0 and c["finite"], c


@pytest.mark.slow
def test_mae_dfer_full_on_dfew_and_voxceleb2_files(tmp_path, fits, monkeypatch):
    # no checkpoints here (~1 GB each at this size): test_mae_dfer_train.py checks them at smoke size
    monkeypatch.setattr(mae_dfer, "fit_checkpointing", lambda folder, every: {})
    paths = fx.dfew(tmp_path / "DFEW") | fx.voxceleb2(tmp_path / "VoxCeleb2")
    run = start_run("mae_dfer", "full", "cpu", paths | dict(frames=4, clip_frames=4, pre_batch=2, ft_batch=2))
    cfg = run.cfg
    assert (cfg.dataset, cfg.dim, cfg.depth, cfg.image_size) == ("DFEW", 512, 16, 160)   # the paper's model
    assert run.source_label.startswith("this run (full, VoxCeleb2 -> DFEW, cpu")   # the column label
    data = mae_dfer.load_data(cfg)
    assert (len(data.pretrain_set), len(data.train_set), len(data.test_set)) == (2, 4, 2) and data.labelled is None
    assert data.train_set[0]["video"].shape == (4, 3, 160, 160) and not data.has_gaze
    finetuned = next(r for r in mae_exp.ROWS if r.evaluation == "finetune" and r.pretrained and not r.gaze)
    record = mae_dfer.run_row(finetuned, cfg, data, 0, run)
    assert_trained(fits, ["MAEDFERPretrain", "VideoClassifier"])
    assert 0 <= record["uar"] <= 100 and 0 <= record["war"] <= 100


@pytest.mark.slow
def test_crs_cont_full_on_rafdb_affectnet_ferplus_files(tmp_path, fits):
    paths = (fx.rafdb(tmp_path / "RAF-DB") | fx.affectnet_coarse(tmp_path / "AffectNet") | fx.ferplus(tmp_path)
             | fx.image_lists(tmp_path / "mine"))
    run = start_run("crs_cont", "full", "cpu", paths | dict(batch_size=4, probe_epochs=1, probe_batch_size=4,
                                                            user_target_name="my lab set"))
    cfg = run.cfg
    assert (cfg.dataset, cfg.depth, cfg.image_size, cfg.optimizer) == ("real", 18, 224, "sgd")
    data = crs_cont.load_data(cfg)
    sizes = data.sizes()
    # AffectNet: label 8 ("none") dropped; 7 classes also drop contempt; the Mix keeps contempt (8 classes)
    assert sizes["rafdb/train"] == 8 and sizes["affectnet/test"] == 8 and sizes["pretraining pool"] == 17
    assert set(data.cache[(False, 0.0, False)][0]) == {"image", "coarse", "index"}      # coarse labels only
    rows = {r.row: r for r in crs_exp.ROWS}
    records = [crs_cont.run_row(rows[name], cfg, data, 0, run) for name in ("crs_cont", "supervised_ce")]
    assert_trained([c for c in fits if c["method"] != "LinearProbe"], ["CrsCont", "SupervisedEncoder"])
    table = crs_cont.summarise(records, crs_exp.ROWS)
    assert [t.name for t in data.targets] == ["RAF-DB 7", "AffectNet 7", "AffectNet coarse 4", "FERPlus 8",
                                              "my lab set"]
    assert data.targets[-1].num_classes == 3 and data.targets[1].imbalanced
    assert all(0 <= table[0][t.name] <= 1 for t in data.targets)


@pytest.mark.slow
def test_abaw6_full_on_affwild2_affectnet_expw_ms1m_files(tmp_path, fits):
    affectnet = {k: v for k, v in fx.affectnet(tmp_path / "AffectNet").items() if k != "affectnet_val_csv"}
    paths = fx.affwild2(tmp_path / "Aff-Wild2") | affectnet | fx.expw(tmp_path / "ExpW") | fx.ms1m(tmp_path / "MS1MV2")
    run = start_run("abaw6", "full", "cpu", paths | dict(batch_size=4, image_size=64, bootstrap_resamples=20))
    cfg = run.cfg
    assert (cfg.dataset, cfg.backbone_depth, cfg.labelled_steps) == ("real", 50, 100_000)
    data = abaw6.load_data(cfg)
    assert len(data.labelled) == 16 and len(data.evaluation) == 15        # the -1 frames are skipped
    assert data.extra.labels.tolist() == [0, 4, 5, 6, 3, 2, 1, 7, 1, 2, 3, 4, 5, 6]   # contempt -> other
    assert (data.pool.labels == -1).all() and np.unique(data.evaluation_video).tolist() == [0, 1]
    rows = {r.row: r for r in abaw6_exp.ROWS}
    record = abaw6.run_row(rows["ssl_temporal_vote"], cfg, data, 0, run)
    assert_trained(fits, ["TeacherStudent", "TemporalClassifier"])
    assert 0 <= record["f1"] <= 100 and record["pseudo_labels"]["pl_acc"]


@pytest.mark.slow
def test_ssl_fer_full_on_voxceleb1_and_affectnet_files(tmp_path, fits):
    paths = fx.voxceleb1(tmp_path / "VoxCeleb1") | fx.affectnet(tmp_path / "AffectNet")
    run = start_run("ssl_fer", "full", "cpu", paths | dict(views_per_step=8, probe_epochs=1))
    cfg = run.cfg
    assert (cfg.dataset, cfg.depth, cfg.view_size, cfg.proj_hidden) == ("real", 50, 112, 2048)
    data = ssl_fer.load_data(cfg)
    assert data.real and len(data.pretrain) == 3
    full = {r.row: r for r in ssl_exp.ROWS}["TimeAug+HardNeg+FaceSwap+MaskFN"]
    record = ssl_fer.run_row(full, cfg, data, 0, run)
    assert [c["method"] for c in fits] == ["SSLFER", "LinearProbe"]   # the probe: 8 items, one warm-up step
    assert_trained(fits[:1], ["SSLFER"])
    assert 0 <= record["F1"] <= 1 and record["swaps_skipped"] >= 0   # noise frames: dlib finds no face


@pytest.mark.parametrize("chapter,keys", [
    ("mae_dfer", ["dfew_root", "voxceleb2_list"]),
    ("crs_cont", [k for k, kind in crs_exp.REAL_PATHS["real"].items() if not kind.endswith("?")]),
    ("abaw6", list(abaw6_exp.REAL_PATHS["real"])),
    ("ssl_fer", ["vox_index", "vox_root", "affectnet_train_csv", "affectnet_val_csv", "affectnet_images"]),
])
def test_full_without_paths_names_every_key_in_one_error(chapter, keys, tmp_path):
    cfg = chapter_config(chapter, "full")
    assert missing_data(chapter, cfg) == [f"{k} is not set" for k in keys]
    with pytest.raises(FileNotFoundError, match="-p dataset synthetic") as err:
        require_data(chapter, cfg)
    assert all(k in str(err.value) for k in keys)
    assert missing_data(chapter, chapter_config(chapter, "full", {"dataset": "synthetic"})) == []


def test_runner_refuses_full_without_paths_before_any_kernel(tmp_path):
    book_dir = runner.find_book()
    problems = check_parameters(["abaw6"], "full", {"aw2_frames": str(tmp_path / "nope")}, book_dir)
    assert len(problems) == 1 and "aw2_frames=" in problems[0] and "no such folder" in problems[0]
    assert "ms1m_rec is not set" in problems[0]
    assert check_parameters(["abaw6"], "full", {"dataset": "synthetic"}, book_dir) == []
    # a path given as the chapter's notebook parameter counts (MAE-DFER's dfew_root)
    fx.dfew(tmp_path / "DFEW")
    problems = check_parameters(["mae_dfer"], "full", {"dfew_root": str(tmp_path / "DFEW")}, book_dir)
    assert len(problems) == 1 and "dfew_root" not in problems[0] and "voxceleb2_list is not set" in problems[0]
