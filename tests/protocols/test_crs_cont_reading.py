"""What the CRS-CONT chapter shows on real data: its claims, the skipped sections, the paper-vs-run table, glue."""

from __future__ import annotations

import pandas as pd

from fer_lib.config import resolve
from fer_lib.experiments import crs_cont as E
from fer_lib.metrics.claims import UNTESTABLE, evaluate
from fer_lib.protocols import crs_cont as P
from fer_lib.protocols import crs_cont_reading as R
from fer_lib.protocols.crs_cont_data import CrsContData

PAPER = {"tables": {"linear_eval": [{"pretraining": "crs_cont", "RAF-DB 7": None, "AffectNet 7": None,
                                     "SFEW 7": None, "FERPlus 8": None}]}}


def test_real_claims_use_the_real_targets_and_rows_that_run_on_real_data():
    cfg = resolve(E.Config, E.PROFILES, "smoke", {"dataset": "real"})
    claims, rows = P.chapter_claims(cfg), {r.row for r in P.chapter_rows(cfg)}
    assert claims is E.REAL_CLAIMS and P.chapter_claims(resolve(E.Config, E.PROFILES, "smoke")) is E.CLAIMS
    testable = [c for c in claims if c.testable]
    assert {c.metric for c in testable} == {"RAF-DB 7", "AffectNet 7", "FERPlus 8"}
    assert all({c.row_a, c.row_b} <= rows for c in testable)                  # every testable claim can run
    noisy = [c for c in claims if "noisy" in c.text or "unseen" in c.text]
    assert len(noisy) == 4 and all(not c.testable for c in noisy)            # 3 noise claims + unseen, one target each
    assert len(claims) == len(testable) + len(noisy) + 2


def test_sections_that_need_the_generator_are_skipped_on_real_data_with_the_reason(capsys):
    real, synthetic = CrsContData({}, {}, real=True), CrsContData({}, {})
    assert P.runs_here(synthetic, "premise") and capsys.readouterr().out == ""
    assert not P.runs_here(real, "premise") and capsys.readouterr().out.strip() == R.SKIPPED["premise"]
    assert P.runs_here(real, "linear_eval")                                  # a section not listed runs


def test_paper_vs_run_puts_this_runs_cells_beside_the_papers_targets():
    view = pd.DataFrame({"RAF-DB 7": ["61.0 ± 1.0", "50.0 ± 2.0"], "AffectNet 7": ["40.0 ± 0.5", "30.0 ± 1.0"],
                         "my set": ["1", "2"]}, index=["crs_cont", "simclr"])
    frame = P.paper_vs_run(PAPER, view, "this run (full, real)")
    assert list(frame.columns) == [("RAF-DB 7", "paper (IEEE TIP 2022)"), ("RAF-DB 7", "this run (full, real)"),
                                   ("AffectNet 7", "paper (IEEE TIP 2022)"), ("AffectNet 7", "this run (full, real)")]
    assert frame.loc["crs_cont"].tolist() == ["not available", "61.0 ± 1.0", "not available", "40.0 ± 0.5"]
    synthetic = P.paper_vs_run(PAPER, view.rename(columns=lambda c: c + "-like"), "this run")
    assert synthetic.columns.get_level_values(0).unique().tolist() == ["paper (IEEE TIP 2022)"]
    assert synthetic.loc["crs_cont"].tolist() == ["not available"] * 4


def test_claim_summaries_count_verdicts_over_targets_and_keep_the_reason_of_untestable_claims():
    records = [{"row": r, "seed": s, "AffectNet 7": v, "RAF-DB 7": w}
               for r, s, v, w in (("a", 0, 0.5, 0.1), ("a", 1, 0.6, 0.2), ("a", 2, 0.7, 0.3),
                                  ("b", 0, 0.1, 0.2), ("b", 1, 0.2, 0.1), ("b", 2, 0.25, 0.35))]
    claims = (E.Claim("a beats b [AffectNet 7]", "a", "b", "AffectNet 7"), E.Claim("a beats b [RAF-DB 7]", "a", "b",
              "RAF-DB 7"), E.Claim("c beats d [AffectNet 7]", "c", "d", "AffectNet 7", untestable="no c"))
    out = P.claim_summaries(evaluate(records, claims, scale=100))
    # AffectNet: differences .4, .4, .45 -> supported; RAF-DB: -.1, .1, -.05 -> not resolved
    assert out == {"a-beats-b": "supported on 1 of 2 targets, not resolved on 1 of 2 targets",
                   "c-beats-d": f"{UNTESTABLE}: no c"}


def test_reading_values_fall_back_to_a_sentence_where_real_data_has_no_measure():
    coll = pd.DataFrame({"row": ["x", "x", "y"], "seed": [0, 1, 0], "collapse_index": [1.0, 2.0, float("nan")]})
    assert P.mean_collapse(coll, ("x", "y", "z")) == {"x": "1.5", "y": R.NOT_MEASURED,
                                                      "z": R.NOT_MEASURED}
    premise = [{"noise": 0.0, "fine labels right (negative group)": 1.0},
               {"noise": 0.25, "fine labels right (negative group)": 0.8}]
    assert P.fine_label_shares(premise, (0.25, 0.5)) == {0.25: "80%", 0.5: R.NOT_MEASURED}
    assert P.fine_label_shares([], (0.25,)) == {0.25: R.NOT_MEASURED}
