"""`fer-book list` and `fer-book config`: what a user can look up before running."""

import re

from fer_lib import catalogue, runner
from fer_lib.experiments import mae_dfer
from tests.test_runner import run_main


def test_config_lists_every_key_with_type_value_default_and_comment(capsys):
    assert runner.main(["config", "mae_dfer", "--profile", "smoke"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines()[3:] if line.strip() and not line.startswith("change")}
    assert set(rows) >= {f.name for f in __import__("dataclasses").fields(mae_dfer.Config)}
    assert re.fullmatch(r"n_identities +int >= 1 +40\* +60 +labelled DFEW-like synthetic set \(identity-disjoint splits\)",
                        rows["n_identities"])
    assert re.fullmatch(r"motion_weight +float >= 0 +0\.5 +0\.5", rows["motion_weight"]), "unchanged: no star"
    assert re.fullmatch(r"region +list of 3 int >= 1 +\[2, 4, 4\]\* +\[2, 5, 10\]", rows["region"])


def test_field_comments_are_read_from_the_source():
    comments = catalogue.field_comments(mae_dfer.Config)
    assert comments["pre_epochs"] == "of a 100-epoch cosine in the code; the released checkpoint is epoch 49"
    assert comments["seeds"] == ""


def test_list_names_chapters_profiles_and_times(capsys, monkeypatch):
    monkeypatch.setattr(catalogue, "last_minutes", lambda *args: None)  # as on a fresh clone: the README's estimates
    assert runner.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "  smoke    every cell runs in seconds" in out and "  full     the paper's experiment on its real" in out
    estimate = catalogue.ESTIMATED_CPU_MINUTES["default"]["ssl_fer"]
    assert re.search(rf"^  ssl_fer +0\.5 / {estimate:g} +SSL-FER: self-supervised", out, re.M), out


def test_unknown_chapter_suggests_the_close_one():
    status, err = run_main(["config", "ssl_fr"])
    assert status == 2 and "unknown chapter 'ssl_fr'; did you mean 'ssl_fer'?" in err
