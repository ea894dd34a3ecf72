"""Rows trained outside the notebook (the torchrun entry point, fer_lib.protocols.train) and picked up by the
chapter's protocol."""

import dataclasses
import os

import pytest
import torch
import torch.multiprocessing as mp

import real_fixtures as fx
from fer_lib.config import resolve
from fer_lib.experiments import crs_cont as C
from fer_lib.experiments import ssl_fer as E
from fer_lib.protocols import crs_cont as CP
from fer_lib.protocols import ssl_fer as P
from fer_lib.protocols import train
from fer_lib.results import start_run

ROW = next(r for r in E.ROWS if r.row == "TimeAug+HardNeg+MaskFN")


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FER_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    return tmp_path


def test_checkpoint_folder_follows_the_training_config_only():
    cfg = resolve(E.Config, E.PROFILES, "smoke")
    same = P.checkpoint_dir("c", ROW, resolve(E.Config, E.PROFILES, "smoke", {"probe_epochs": 7, "seeds": (5,)}), 0)
    assert P.checkpoint_dir("c", ROW, cfg, 0) == same                              # evaluation keys: same folder
    assert P.checkpoint_dir("c", ROW, resolve(E.Config, E.PROFILES, "smoke", {"lr": 0.5}), 0) != same
    assert P.checkpoint_dir("c", ROW, cfg, 1) != same
    assert same.name.startswith("TimeAug_HardNeg_MaskFN-seed0-")


def test_rows_trained_by_the_entry_point_are_loaded_not_retrained(dirs):
    assert train.main(["ssl_fer", "--profile", "smoke", "--rows", ROW.row, "--seeds", "0", "-p", "epochs", "3"]) == 0
    cfg = resolve(E.Config, E.PROFILES, "smoke", {"epochs": 3})
    data = P.load_data(cfg)
    reference, fresh = P.pretrain(ROW, cfg, data, 0, torch.device("cpu"))           # no checkpoints
    loaded, result = P.pretrain(ROW, cfg, data, 0, torch.device("cpu"), dirs / "checkpoints" / "ssl_fer" / "smoke")
    assert result.step == fresh.step == P.total_steps(cfg, data) and result.history == fresh.history
    for key, value in reference.backbone.state_dict().items():
        assert torch.equal(loaded.backbone.state_dict()[key], value), key
    assert P.images_per_second(ROW, cfg, result) is None and P.images_per_second(ROW, cfg, fresh) > 0
    with pytest.raises(SystemExit):
        train.main(["ssl_fer", "--profile", "smoke", "--rows", "SimSiam"])
    with pytest.raises(SystemExit):
        train.main(["data", "--profile", "smoke"])                       # a chapter without trainable rows


def crs_paths(root) -> dict:
    """CRS-CONT's real datasets as fixture files (RAF-DB lists, AffectNet coarse CSVs, the FERPlus HDF5)."""
    return {"dataset": "real"} | fx.rafdb(root / "raf") | fx.affectnet_coarse(root / "an") | fx.ferplus(root / "fp")


def test_crs_cont_checkpoint_folder_follows_the_training_config_only():
    cfg = resolve(C.Config, C.PROFILES, "smoke")
    row = CP.trainable_rows(cfg)["crs_cont"]
    evaluation = {"probe_epochs": 7, "seeds": (5,), "key_seeds": (5,), "linear_eval": "authors",
                  "ferplus_h5": "other.h5", "sweep_weights": (0.1,), "bootstrap_resamples": 9, "checkpoint_every": 1}
    same = CP.checkpoint_dir("c", row, resolve(C.Config, C.PROFILES, "smoke", evaluation), 0)
    assert CP.checkpoint_dir("c", row, cfg, 0) == same                              # evaluation keys: same folder
    for training in ({"lr": 0.5}, {"negative_weight": 0.25}, {"pretrain_identities": 17}, {"max_steps": 4}):
        assert CP.checkpoint_dir("c", row, resolve(C.Config, C.PROFILES, "smoke", training), 0) != same
    assert CP.checkpoint_dir("c", CP.trainable_rows(cfg)["no_weight"], cfg, 0) != same
    assert CP.checkpoint_dir("c", row, cfg, 1) != same and same.name.startswith("crs_cont-seed0-")
    assert set(CP.NOT_TRAINING) <= {f.name for f in dataclasses.fields(C.Config)}   # no misspelt key


def test_crs_cont_rows_trained_by_the_entry_point_are_loaded_not_retrained(dirs, monkeypatch):
    monkeypatch.setenv("FER_RESULTS_DIR", str(dirs / "results"))
    paths = crs_paths(dirs / "data")
    argv = [x for k, v in paths.items() for x in ("-p", k, v)]
    assert train.main(["crs_cont", "--profile", "smoke", "--rows", "crs_cont", "--seeds", "0", *argv]) == 0
    cfg = resolve(C.Config, C.PROFILES, "smoke", paths)
    data, row = CP.load_data(cfg), CP.trainable_rows(cfg)["crs_cont"]
    root = dirs / "checkpoints" / "crs_cont" / "smoke"
    assert (CP.checkpoint_dir(root, row, cfg, 0) / "last.pt").is_file()
    reference, fresh = CP.pretrain_row(row, cfg, data, 0, torch.device("cpu"))     # no checkpoints
    loaded, result = CP.pretrain_row(row, cfg, data, 0, torch.device("cpu"), root)
    assert result.step == fresh.step == cfg.max_steps and result.history == fresh.history
    assert result.samples_per_s == 0 and fresh.samples_per_s > 0                 # loaded, not trained again
    for key, value in reference.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    run = start_run("crs_cont", "smoke", "cpu", paths)
    record = CP.run_row(row, cfg, data, 0, run)                                    # the chapter's call loads it too
    assert record["fit"]["images_per_s"] is None and record["fit"]["steps"] == cfg.max_steps


def _crs_worker(rank: int, world: int, port: int, argv: list[str]) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    assert train.main(argv) == 0


@pytest.mark.slow
def test_crs_cont_rows_trained_by_two_processes_load_in_one(dirs, free_port):
    """Under torchrun each process takes half of the step's batch; the finished row loads in the notebook's one
    process (same steps, no training) and differs from a one-process training only by the split batch."""
    paths = crs_paths(dirs / "data")
    argv = ["crs_cont", "--profile", "smoke", "--rows", "supervised_ce", "--seeds", "0", "--device", "cpu",
            *[x for k, v in paths.items() for x in ("-p", k, v)]]
    cfg = resolve(C.Config, C.PROFILES, "smoke", paths)
    data, row = CP.load_data(cfg), CP.trainable_rows(cfg)["supervised_ce"]
    root = dirs / "checkpoints" / "crs_cont" / "smoke"
    single, fresh = CP.pretrain_row(row, cfg, data, 0, torch.device("cpu"))           # before forking: lazy imports
    mp.start_processes(_crs_worker, args=(2, free_port, argv), nprocs=2, join=True, start_method="fork")
    saved = torch.load(CP.checkpoint_dir(root, row, cfg, 0) / "last.pt", weights_only=False)
    assert saved["trainer"]["world_size"] == 2 and saved["trainer"]["batch_size"] == cfg.batch_size // 2
    loaded, result = CP.pretrain_row(row, cfg, data, 0, torch.device("cpu"), root)
    assert result.step == fresh.step == cfg.max_steps and result.samples_per_s == 0     # loaded, not retrained
    start = CP.build_row(row, cfg, 0).state_dict()
    for key, value in loaded.state_dict().items():
        assert torch.equal(saved["model"][key], value), key                          # the two processes' weights
    assert any(not torch.equal(start[k], v) for k, v in loaded.state_dict().items() if v.is_floating_point())
    assert any(not torch.equal(single.state_dict()[k], v) for k, v in loaded.state_dict().items()
               if v.is_floating_point())                                            # half batches: another run
