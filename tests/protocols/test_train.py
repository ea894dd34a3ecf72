"""Rows trained outside the notebook (the torchrun entry point, fer_lib.protocols.train) and picked up by the
chapter's protocol."""

import pytest
import torch

from fer_lib.config import resolve
from fer_lib.experiments import ssl_fer as E
from fer_lib.protocols import ssl_fer as P
from fer_lib.protocols import train

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
