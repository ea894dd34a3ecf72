"""The one claim rule against scipy's paired t-test, a hand-computed case, Holm's procedure and the edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from fer_lib.experiments.claim import Claim
from fer_lib.metrics import claims


def records(values: dict[str, dict[int, float]], key="row", metric="F1"):
    return [{key: row, "seed": s, metric: v} for row, per_seed in values.items() for s, v in per_seed.items()]


def test_interval_and_p_equal_scipy_ttest_rel():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.5, 0.05, 5), rng.normal(0.47, 0.05, 5)
    recs = records({"A": dict(enumerate(a)), "B": dict(enumerate(b))})
    [out] = claims.evaluate(recs, [Claim("A beats B", "A", "B", "F1")], level=0.9)
    ref = stats.ttest_rel(a, b)
    ci = ref.confidence_interval(confidence_level=0.9)
    assert out["diff"] == pytest.approx(float(np.mean(a - b)), abs=1e-12)
    assert (out["low"], out["high"]) == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert out["p"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert out["n"] == 5 and out["seeds"] == [0, 1, 2, 3, 4] and out["level"] == 0.9


def test_hand_computed_case_and_verdicts():
    # d = (0.10, 0.11, 0.09): mean 0.10, sd 0.01, SE 0.01/sqrt(3); t_{0.975, 2} = 4.302652729911275
    recs = records({"A": {0: 0.70, 1: 0.72, 2: 0.74}, "B": {0: 0.60, 1: 0.61, 2: 0.65}})
    [sup, con] = claims.evaluate(recs, [Claim("A > B", "A", "B", "F1"), Claim("A < B", "A", "B", "F1", "<")],
                                 scale=100, unit="F1 points")
    half = 4.302652729911275 * 0.01 / math.sqrt(3) * 100
    assert sup["diff"] == pytest.approx(10.0) and sup["low"] == pytest.approx(10.0 - half)
    assert sup["high"] == pytest.approx(10.0 + half)
    assert sup["verdict"] == "supported" and con["verdict"] == "contradicted"
    assert claims.describe(sup) == "this run +10.0 F1 points, 95% CI [+7.5, +12.5] over 3 paired seeds: supported"
    [by_metric] = claims.evaluate(recs, [Claim("A > B", "A", "B", "F1")], scale={"F1": 100, "CCC": 1},
                                  unit={"F1": "F1 points"})
    assert by_metric["diff"] == pytest.approx(10.0) and by_metric["unit"] == "F1 points"


def test_interval_containing_zero_is_not_resolved():
    recs = records({"A": {0: 0.5, 1: 0.9}, "B": {0: 0.6, 1: 0.6}})
    [out] = claims.evaluate(recs, [Claim("A > B", "A", "B", "F1")])
    assert out["low"] < 0 < out["high"] and out["verdict"] == "not resolved"


def test_only_shared_seeds_are_paired_and_reported():
    recs = records({"A": {0: 0.70, 1: 0.72, 2: 0.74, 9: 0.1}, "B": {0: 0.60, 1: 0.61, 2: 0.65, 7: 0.9}})
    [out] = claims.evaluate(recs, [Claim("A > B", "A", "B", "F1")])
    ref = stats.ttest_rel([0.70, 0.72, 0.74], [0.60, 0.61, 0.65])
    assert out["seeds"] == [0, 1, 2] and out["unpaired_seeds"] == [7, 9]
    assert out["p"] == pytest.approx(ref.pvalue)
    assert "2 unpaired seeds left out" in claims.describe(out)


def test_one_seed_gives_no_verdict():
    recs = records({"A": {0: 0.9}, "B": {0: 0.1}})
    [out] = claims.evaluate(recs, [Claim("A > B", "A", "B", "F1", paper=0.5)], scale=100,
                           unit="F1 points")
    assert out["verdict"] == claims.NO_VERDICT and out["verdict_holm"] == claims.NO_VERDICT
    assert out["diff"] == pytest.approx(80.0) and math.isnan(out["low"]) and out["comparisons"] == 0
    assert claims.describe(out) == "paper +0.5; this run +80.0 F1 points on one seed: no verdict"
    assert claims.table([out]).loc["A > B", "95% CI"] == ""


def test_untestable_claim_and_other_key_and_metric_b():
    recs = [{"Method": "T", "seed": s, "teacher_f1": 20.0 + s, "f1": None} for s in range(3)]
    recs += [{"Method": "B", "seed": s, "f1": 10.0 + 2 * s} for s in range(3)]
    out = claims.evaluate(recs, [Claim("teacher beats baseline", "T", "B", "teacher_f1", metric_b="f1"),
                                 Claim("works on real data", None, None, None, untestable="needs Aff-Wild2")],
                          key="Method")
    assert out[0]["diff"] == pytest.approx(9.0) and out[0]["n"] == 3
    assert out[1]["verdict"] == claims.UNTESTABLE and out[1]["comparisons"] == 1
    assert claims.describe(out[1]) == "cannot be tested here: needs Aff-Wild2"


def test_holm_matches_hand_computation_and_corrects_verdicts():
    # p = (0.01, 0.04, 0.03), m = 3: sorted 0.01*3 = 0.03, 0.03*2 = 0.06, max(0.06, 0.04*1) = 0.06
    assert claims.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert claims.holm([0.5, 0.001]) == pytest.approx([0.5, 0.002])
    # two claims whose own 95 % interval excludes 0 (p = 0.049 each) but not after Holm (2 x 0.049 > 0.05)
    base = np.random.default_rng(3).normal(0.5, 0.02, 4)
    values = {"B": dict(enumerate(base)), "A": dict(enumerate(base + [0.02, 0.05, 0.03, 0.01])),
              "C": dict(enumerate(base + [0.01, 0.05, 0.03, 0.02]))}
    out = claims.evaluate(records(values), [Claim("A > B", "A", "B", "F1"), Claim("C > B", "C", "B", "F1")])
    ref = stats.ttest_rel(base + [0.02, 0.05, 0.03, 0.01], base).pvalue
    assert [o["p"] for o in out] == pytest.approx([ref, ref]) and 0.025 < ref < 0.05
    assert [o["p_holm"] for o in out] == pytest.approx([2 * ref, 2 * ref])
    assert [o["verdict"] for o in out] == ["supported", "supported"]
    assert [o["verdict_holm"] for o in out] == ["not resolved", "not resolved"]
    assert out[0]["comparisons"] == 2 and "after Holm's correction for 2 comparisons" in claims.describe(out[0])


def test_equal_differences_give_a_zero_width_interval():
    recs = records({"A": {0: 0.3, 1: 0.4, 2: 0.5}, "B": {0: 0.1, 1: 0.2, 2: 0.3}})
    [out] = claims.evaluate(recs, [Claim("A > B", "A", "B", "F1")])
    assert out["low"] == pytest.approx(0.2) and out["high"] == pytest.approx(0.2) and out["verdict"] == "supported"


def test_bad_input_is_named():
    recs = records({"A": {0: 0.5}, "B": {1: 0.5}})
    with pytest.raises(ValueError, match="share no seed"):
        claims.evaluate(recs, [Claim("A > B", "A", "B", "F1")])
    with pytest.raises(ValueError, match="no record has row='Z'"):
        claims.evaluate(recs, [Claim("A > Z", "A", "Z", "F1")])
    nan = [{"row": r, "seed": 0, "F1": float("nan")} for r in "AB"]
    [unmeasured] = claims.evaluate(nan, [Claim("A > B", "A", "B", "F1")])
    assert unmeasured["verdict"] == claims.describe(unmeasured) == claims.NOT_MEASURED
    assert claims.glue_key("MaskFN helps (TimeAug+HardNeg)") == "maskfn-helps-timeaug-hardneg"
    with pytest.raises(ValueError, match="two records for seed 0"):
        claims.evaluate(recs + recs, [Claim("A > B", "A", "B", "F1")])
    with pytest.raises(ValueError, match="direction"):
        Claim("x", "A", "B", "F1", direction="!=")
    with pytest.raises(ValueError, match="needs row_a"):
        Claim("x", "A", None, "F1")


def test_key_rows_run_key_seeds():
    cl = [Claim("A > B", "A", "B", "F1"), Claim("real", None, None, None, untestable="no data")]
    assert claims.key_rows(cl) == {"A", "B"}
    assert claims.row_seeds("A", cl, (0, 1, 2), (0, 1, 2, 3, 4)) == (0, 1, 2, 3, 4)
    assert claims.row_seeds("C", cl, (0, 1, 2), (0, 1, 2, 3, 4)) == (0, 1, 2)
