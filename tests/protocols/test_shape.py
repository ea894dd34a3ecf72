"""Every paper chapter's protocol has the same public shape, and its ROWS are typed records keyed `row`."""

import dataclasses
import importlib
import inspect

import pytest

from fer_lib import protocols


@pytest.mark.parametrize("chapter", protocols.CHAPTERS)
def test_protocol_shape(chapter):
    module = getattr(protocols, chapter)                      # loaded on first use
    assert module is importlib.import_module(f"fer_lib.protocols.{chapter}")
    params = lambda f: list(inspect.signature(getattr(module, f)).parameters)   # noqa: E731
    assert params("load_data")[0] == "cfg"
    assert params("run_row") == ["row", "cfg", "data", "seed", "run"]
    assert params("summarise")[:2] == ["records", "rows"]


@pytest.mark.parametrize("chapter", protocols.CHAPTERS)
def test_rows_are_frozen_records_keyed_row(chapter):
    rows = importlib.import_module(f"fer_lib.experiments.{chapter}").ROWS
    names = [r.row for r in rows]
    assert len(names) == len(set(names)) and all(dataclasses.is_dataclass(r) for r in rows)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rows[0].row = "renamed"


def test_unknown_protocol_is_a_clear_error():
    with pytest.raises(AttributeError, match=r"protocols: ssl_fer, mae_dfer, crs_cont, abaw6, and their companions: "
                                             r".*probes.*ssl_fer_reading"):
        protocols.simsiam


def test_companion_modules_load_by_qualified_name():
    assert protocols.ssl_fer_reading.reading_values.__module__ == "fer_lib.protocols.ssl_fer_reading"
    assert protocols.probes.linear_probe.__module__ == "fer_lib.protocols.probes"
