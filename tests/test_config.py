from dataclasses import dataclass

import pytest

from fer_lib.config import as_dict, parse_value, resolve


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
