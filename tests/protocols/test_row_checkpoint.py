"""The checkpoint folders every chapter's trainings share (fer_lib.protocols.row_checkpoint), on a toy config
with the code digest fixed: the names and hashes are written out by hand here."""

import dataclasses
import hashlib
from pathlib import Path

import pytest

from fer_lib.protocols import row_checkpoint as R


@dataclasses.dataclass(frozen=True)
class Config:
    lr: float = 0.5
    seeds: tuple = (1, 2)
    data_list: str = "lists/train.txt"


@dataclasses.dataclass(frozen=True)
class Row:
    row: str = "SimCLR + MaskFN"
    method: str = "simclr"


@pytest.fixture(autouse=True)
def fixed_code(monkeypatch):
    monkeypatch.setattr(R, "code_digest", lambda: "c0de")


def short_sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def test_folder_name_joins_other_characters_into_one_underscore():
    assert R.folder_name("TimeAug+HardNeg  (MaskFN)") == "TimeAug_HardNeg_MaskFN"
    assert R.folder_name("-fine tune 10%-") == "fine_tune_10"


def test_checkpoint_folder_hashes_the_parts_and_the_code(tmp_path):
    text = '[{"a": 1, "b": [2, 3]}, "tag", "c0de"]'  # json.dumps, keys sorted, code digest last
    folder = R.checkpoint_folder(tmp_path, "pretrain-vit", 4, [{"b": (2, 3), "a": 1}, "tag"])
    assert folder == tmp_path / f"pretrain_vit-seed4-{short_sha(text)}"


def test_row_folder_hashes_training_keys_with_resolved_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = str(tmp_path.resolve() / "lists" / "train.txt")
    text = f'[{{"data_list": "{data}", "lr": 0.5}}, {{"method": "simclr", "row": "SimCLR + MaskFN"}}, "c0de"]'
    folder = R.row_checkpoint_dir("c", Row(), Config(), 0, ("seeds",), {"data_list"})
    assert folder == Path("c") / f"SimCLR_MaskFN-seed0-{short_sha(text)}"
    assert R.row_checkpoint_dir("c", Row(), Config(data_list=data), 0, ("seeds",), {"data_list"}) == folder
    assert R.row_checkpoint_dir("c", Row(), Config(seeds=(7,)), 0, ("seeds",), {"data_list"}) == folder
    assert R.row_checkpoint_dir("c", Row(), Config(lr=0.1), 0, ("seeds",), {"data_list"}) != folder
    assert R.row_checkpoint_dir("c", Row(), Config(), 1, ("seeds",), {"data_list"}) != folder
    # without ``paths`` the path is hashed as given, so a relative and an absolute one differ
    assert R.training_keys(Config(), ("seeds",)) == {"lr": 0.5, "data_list": "lists/train.txt"}


def test_fit_checkpointing_is_off_without_a_folder(tmp_path):
    assert R.fit_checkpointing(None, 5) == {}
    assert R.fit_checkpointing(tmp_path, 5) == {"checkpoint_dir": tmp_path, "checkpoint_every": 5, "resume": True}
