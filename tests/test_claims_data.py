"""Every chapter's CLAIMS: rows that exist, and the paper's differences equal to its published table."""

import importlib
import json

import pytest

from fer_lib.experiments.claim import Claim
from fer_lib.ledger import chapters_with_claims
from fer_lib.runtime import REPO_ROOT

# the paper table each chapter's numeric `paper` values are differences of: (table, key column)
PAPER_TABLES = {"ssl_fer": ("affectnet", "Method"), "abaw6": ("table1", "row")}


def row_names(experiment) -> set[str]:
    rows = tuple(experiment.ROWS) + tuple(getattr(experiment, "CONTROL_ROWS", ()))
    return {r.get("row", r.get("name")) if isinstance(r, dict) else getattr(r, "row", None) or r.name for r in rows}


def test_every_paper_chapter_declares_claims():
    assert chapters_with_claims() == ["abaw6", "crs_cont", "mae_dfer", "ssl_fer"]


@pytest.mark.parametrize("chapter", ["abaw6", "crs_cont", "mae_dfer", "ssl_fer"])
def test_claims_name_existing_rows_and_match_the_published_table(chapter):
    experiment = importlib.import_module(f"fer_lib.experiments.{chapter}")
    claims = experiment.CLAIMS
    assert claims and all(isinstance(c, Claim) for c in claims)
    assert len({c.text for c in claims}) == len(claims), "claim texts name the glued sentences: keep them unique"
    assert any(not c.testable for c in claims), "list the claims that cannot be tested here too"
    rows = row_names(experiment)
    for c in claims:
        if c.testable:
            assert {c.row_a, c.row_b} <= rows, f"{chapter}: claim {c.text!r} names a row not in ROWS"
    if chapter in PAPER_TABLES:
        table, key = PAPER_TABLES[chapter]
        published = {r[key]: r for r in json.loads((REPO_ROOT / "fer_lib" / "papers" / f"{chapter}.json").read_text())
                     ["tables"][table]}
        checked = [c for c in claims if isinstance(c.paper, float) and c.row_a in published and c.row_b in published]
        assert checked
        for c in checked:
            expected = published[c.row_a][c.metric] - published[c.row_b][c.metric]
            assert c.paper == pytest.approx(expected, abs=1e-9), f"{chapter}: {c.text!r}"
