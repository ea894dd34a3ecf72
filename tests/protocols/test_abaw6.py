"""ABAW6 pipeline helpers: pseudo-label tracks from logged windows, seed summaries."""

import numpy as np
import pytest

from fer_lib.experiments.abaw6 import Row
from fer_lib.protocols.abaw6 import K, claim_verdict, class_distribution, pseudo_label_track, summarise


def _entry(step, true, hit, frac):
    e = {"step": step, "pl_acc": sum(hit) / sum(true), "f_first_order": 0.1}
    e.update({f"pl_true/{k}": float(v) for k, v in enumerate(true)})
    e.update({f"pl_hit/{k}": float(v) for k, v in enumerate(hit)})
    e.update({f"pl_frac/{k}": float(v) for k, v in enumerate(frac)})
    return e


def test_pseudo_label_track_recall_over_present_classes():
    true = [6, 2, 0, 0, 0, 0, 0, 0]
    hit = [3, 2, 0, 0, 0, 0, 0, 0]
    frac = np.eye(K)[0].tolist()
    track = pseudo_label_track([{"step": 5, "loss": 1.0}, _entry(10, true, hit, frac)])
    assert track["step"] == [10]
    assert track["pl_uar"] == [pytest.approx((3 / 6 + 2 / 2) / 2)]  # classes 2..7 absent: not averaged
    assert track["true_frac"][0][:2] == [0.75, 0.25] and track["pl_frac"][0] == frac


def test_summarise_mean_std_per_row_in_order():
    rows = tuple(Row(name, name.upper(), name, extra=False, pool=False, ssl=False) for name in "abc")
    records = [{"row": "b", "f1": 10.0, "teacher_f1": None}, {"row": "a", "f1": 1.0, "teacher_f1": 2.0},
               {"row": "a", "f1": 3.0, "teacher_f1": 4.0}]
    out = summarise(records, rows)
    assert [r["row"] for r in out] == ["a", "b"]
    assert out[0]["f1"] == 2.0 and out[0]["f1_std"] == pytest.approx(np.std([1, 3], ddof=1), abs=0.01)
    assert out[0]["teacher_f1"] == 3.0 and out[1]["f1_std"] == 0.0 and out[1]["teacher_f1"] is None
    assert class_distribution(np.array([0, 0, 7, 1])) == [0.5, 0.25, 0, 0, 0, 0, 0, 0.25]


def test_claim_verdict_thresholds():
    recs = [{"row": "a", "f1": v} for v in (10.0, 12.0)] + [{"row": "b", "f1": v} for v in (5.0, 5.0)]
    # mean 11 vs 5, spread std(10, 12) = 1.41 -> supported; reversed -> contradicted
    assert claim_verdict(recs, "a", "b").endswith("supported") and claim_verdict(recs, "b", "a").endswith("contradicted")
    recs += [{"row": "c", "f1": 11.0}, {"row": "c", "f1": 12.0}]
    assert claim_verdict(recs, "a", "c").endswith("not resolved")
    recs += [{"row": "t", "f1": 1.0, "teacher_f1": 20.0}, {"row": "t", "f1": 1.0, "teacher_f1": 20.0}]
    assert claim_verdict(recs, "t", "c", "teacher_f1", "f1").startswith("20.0 vs 11.5")
    assert claim_verdict(recs[:3], "a", "b").endswith("(needs two or more seeds per row)")  # b has one seed
    with pytest.raises(ValueError, match="no 'f1' values"):
        claim_verdict(recs, "a", "zzz")
