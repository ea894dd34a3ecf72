"""ABAW6 pipeline helpers: pseudo-label tracks from logged windows, seed summaries."""

import numpy as np
import pytest

from fer_lib.experiments.abaw6 import Row
from fer_lib.protocols.abaw6 import K, class_distribution, pseudo_label_track, summarise


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
