import subprocess
import sys
from dataclasses import dataclass
from typing import Annotated

import pytest

from fer_lib.config import (as_dict, chapter_config, describe_type, field_types, load_experiment, parse_value,
                            resolve)
from fer_lib.experiments.ranges import OneOf, PosFloat, PosInt, Prob, Range, Seeds


@dataclass(frozen=True)
class Cfg:
    seeds: tuple[int, ...] = (0, 1, 2)
    dataset: str = "synthetic"
    lr: float = 3e-4
    epochs: int = 300
    use_maskfn: bool = True


PROFILES = {"smoke": {"epochs": 1, "seeds": (0,)}, "default": {"epochs": 10}, "full": {}}


def test_layers_apply_in_order_and_coerce_types():
    cfg = resolve(Cfg, PROFILES, "smoke", {"lr": "0.1", "use_maskfn": "false", "seeds": [3, 4]})
    assert cfg == Cfg(seeds=(3, 4), lr=0.1, epochs=1, use_maskfn=False)
    assert resolve(Cfg, PROFILES, "full").epochs == 300, "full keeps the paper's default"
    assert as_dict(cfg)["seeds"] == [3, 4]


def test_unknown_key_and_profile_are_errors():
    with pytest.raises(KeyError, match="no_such"):
        resolve(Cfg, PROFILES, "default", {"no_such": 1})
    with pytest.raises(KeyError, match="unknown profile"):
        resolve(Cfg, PROFILES, "huge")
    with pytest.raises(ValueError, match="epochs"):
        resolve(Cfg, PROFILES, "default", {"epochs": 2.5})


def test_parse_value():
    assert parse_value("5") == 5
    assert parse_value("0.5") == 0.5
    assert parse_value("cuda") == "cuda"
    assert parse_value("[1, 2]") == [1, 2]


@dataclass(frozen=True)
class Checked:
    seeds: Seeds = (0,)
    epochs: PosInt = 300                  # > 0
    lr: PosFloat = 3e-4
    p: Prob = 0.5
    mask_ratio: Annotated[float, Range(0, 1, hi_open=True)] = 0.9
    region: tuple[PosInt, PosInt, PosInt] = (2, 5, 10)
    optimizer: Annotated[str, OneOf("sgd", "adamw")] = "sgd"
    flag: bool = False
    clip: float | None = None


CHECKED = {"smoke": {}, "default": {}, "full": {}}


@pytest.mark.parametrize("overrides, message", [
    ({"epochs": -3}, "config key 'epochs': got -3; must be int >= 1 \\(from overrides\\)"),
    ({"epochs": 0}, "config key 'epochs': got 0; must be int >= 1"),
    ({"epochs": "abc"}, "config key 'epochs': got 'abc', not an integer; must be int >= 1"),
    ({"epochs": True}, "config key 'epochs': got True, not an integer"),
    ({"epochs": None}, "config key 'epochs': got null, leave the key out"),
    ({"lr": 0}, "config key 'lr': got 0.0; must be float > 0"),
    ({"lr": float("nan")}, "config key 'lr': got nan, not finite"),
    ({"lr": float("inf")}, "config key 'lr': got inf, not finite"),
    ({"p": 1.5}, r"config key 'p': got 1.5; must be float in \[0, 1\]"),
    ({"mask_ratio": 1.0}, r"config key 'mask_ratio': got 1.0; must be float in \[0, 1\)"),
    ({"seeds": "0,1"}, "config key 'seeds': got '0,1', not a list"),
    ({"seeds": 3}, "config key 'seeds': got 3, not a list"),
    ({"seeds": []}, "config key 'seeds': got \\(\\); must be non-empty list of int >= 0"),
    ({"seeds": [0, -1]}, "config key 'seeds\\[1\\]': got -1; must be int >= 0"),
    ({"region": [2, 2]}, "config key 'region': got \\[2, 2\\], 2 values, not 3; must be list of 3 int >= 1"),
    ({"optimizer": "adam"}, "config key 'optimizer': got 'adam'; must be str, one of 'sgd', 'adamw'"),
    ({"flag": 1}, "config key 'flag': got 1, not true or false; must be bool"),
    ({"clip": "x"}, "config key 'clip': got 'x', not a number; must be float or null"),
])
def test_nonsense_values_name_the_key_and_the_allowed_range(overrides, message):
    with pytest.raises(ValueError, match=message):
        resolve(Checked, CHECKED, "smoke", overrides)


def test_valid_values_are_kept_and_text_is_read_as_numbers():
    cfg = resolve(Checked, CHECKED, "smoke", {"epochs": "3", "lr": 1, "p": 1, "mask_ratio": 0, "seeds": [4, 5],
                                              "region": [1, 2, 3], "flag": "true", "clip": 1.0})
    assert (cfg.epochs, cfg.lr, cfg.p, cfg.mask_ratio, cfg.seeds, cfg.region, cfg.flag, cfg.clip) == \
        (3, 1.0, 1.0, 0.0, (4, 5), (1, 2, 3), True, 1.0)
    assert isinstance(cfg.lr, float) and isinstance(cfg.epochs, int)
    assert resolve(Checked, CHECKED, "smoke", {"clip": None}).clip is None, "null where the type allows it"


def test_a_bad_profile_value_names_the_profile():
    with pytest.raises(ValueError, match="config key 'epochs': got 0; must be int >= 1 \\(from profile 'smoke'\\)"):
        resolve(Checked, {"smoke": {"epochs": 0}}, "smoke")


def test_unknown_key_suggests_close_matches():
    with pytest.raises(KeyError, match="unknown config key 'epoch' in overrides; did you mean 'epochs'\\?"):
        resolve(Checked, CHECKED, "smoke", {"epoch": 3})


def test_describe_type():
    hints = field_types(Checked)
    assert describe_type(hints["seeds"]) == "non-empty list of int >= 0"
    assert describe_type(hints["mask_ratio"]) == "float in [0, 1)"
    assert describe_type(hints["region"]) == "list of 3 int >= 1"
    assert describe_type(hints["optimizer"]) == "str, one of 'sgd', 'adamw'"
    assert describe_type(hints["clip"]) == "float or null"


@pytest.mark.parametrize("chapter", ["data", "faces", "ssl_fer", "mae_dfer", "crs_cont", "abaw6"])
def test_every_chapter_profile_resolves_within_its_ranges(chapter):
    experiment = load_experiment(chapter)
    for profile in experiment.PROFILES:
        chapter_config(chapter, profile)
    with pytest.raises(ValueError, match="config key 'seeds'"):
        chapter_config(chapter, "smoke", {"seeds": "0,1"})


def test_ranges_module_is_a_leaf():
    """experiments/ imports nothing else from fer_lib: the range helper must not pull the library in."""
    code = ("import sys, fer_lib.experiments.ranges; "
            "print(sorted(m for m in sys.modules if m.startswith('fer_lib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['fer_lib', 'fer_lib.experiments', 'fer_lib.experiments.ranges']"
