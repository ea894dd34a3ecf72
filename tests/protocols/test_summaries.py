"""Chapter summaries are numeric (means and ``_std``) keyed by "row"; only the rendered view shows "mean ± std"."""

import math

import numpy as np
import pytest

from fer_lib.experiments import mae_dfer as ME
from fer_lib.experiments.ssl_fer import ROWS
from fer_lib.protocols import mae_dfer as MP
from fer_lib.protocols import ssl_fer as P


def test_summary_is_numeric_keyed_by_row_and_the_view_formats_it():
    scores = dict.fromkeys(P.COLUMNS, 0.5)
    records = [{"row": "SimCLR", "seed": s, **scores, "F1": f1, "V-CCC": ccc}
               for s, (f1, ccc) in enumerate(((0.40, 0.1), (0.44, 0.2), (0.48, 0.3)))]
    summary = P.summarise(records, ROWS)
    simclr = summary[0]
    assert simclr["row"] == "SimCLR" and simclr["seeds"] == 3 and simclr["note"] == ""
    assert simclr["F1"] == pytest.approx(0.44) and simclr["F1_std"] == pytest.approx(0.04)
    skipped = [r for r in summary if r["seeds"] == 0]
    assert [r["row"] for r in skipped] == [r.row for r in ROWS if not r.rerun]
    assert all(r["F1"] is None and r["note"].startswith("not re-run: ") for r in skipped)
    view = P.summary_view(summary)
    assert view.loc["SimCLR", "F1"] == "44.0 ± 4.0" and view.loc["SimCLR", "V-CCC"] == "0.200 ± 0.100"
    assert view.loc[skipped[0]["row"], "F1"] == "" and "F1_std" not in view.columns
    assert not any(isinstance(v, str) for r in summary for k, v in r.items() if k in P.COLUMNS)
    assert math.isclose(float(np.std([0.1, 0.2, 0.3], ddof=1)), simclr["V-CCC_std"])


def test_mae_dfer_summary_is_numeric_with_the_paper_s_row_name():
    rows = ME.ROWS[:2]
    records = [{"row": r.row, "seed": s, "uar": 30.0 + 10 * i + s, "war": 40.0 + s, "uar_low": 20.0 + s,
                "uar_high": 50.0} for i, r in enumerate(rows) for s in (0, 1)]
    table = MP.summarise(records, ME.ROWS)
    assert [t["row"] for t in table] == [r.row for r in rows] and table[0]["model"] == "MAE-DFER"
    assert table[1]["model"] == rows[1].arm.name                               # no paper row: the arm's name
    assert table[0]["labels (%)"] == 10 and table[0]["evaluation"] == "probe"
    assert table[0]["UAR 95 % clip interval (first seed)"] == "[20.0, 50.0]"
    assert table[1]["UAR"] == pytest.approx(40.5) and table[1]["UAR_std"] == pytest.approx(np.sqrt(0.5))
    assert table[0]["seeds"] == 2
    view = MP.summary_view(table)
    assert view.loc[rows[0].row, "UAR"] == "30.5 ± 0.7" and view.loc[rows[0].row, "model"] == "MAE-DFER"


def test_crs_cont_summary_is_numeric_per_target_and_the_view_in_percent():
    from fer_lib.experiments.crs_cont import ROWS as CROWS, TARGETS
    from fer_lib.protocols import crs_cont as CP

    def cell(target, seed):
        va = target.label == "va"
        return {"row": "no_weight", "seed": seed, "target": target.name,
                "accuracy": None if va else 0.5 + seed / 10, "valence_ccc": 0.2 if va else None,
                "arousal_ccc": 0.4 + seed / 10 if va else None}

    records = [{"row": "no_weight", "seed": s, "cells": [cell(t, s) for t in TARGETS]} for s in (0, 1)]
    summary = CP.summarise(records, CROWS)
    assert [r["row"] for r in summary] == ["no_weight"] and summary[0]["seeds"] == 2
    assert summary[0]["RAF-like 7"] == pytest.approx(0.55)
    assert summary[0]["RAF-like 7_std"] == pytest.approx(0.1 / np.sqrt(2))
    assert summary[0]["AffectNet-like V/A"] == pytest.approx(0.325)            # mean of (0.2+0.4)/2 and (0.2+0.5)/2
    view = CP.summary_view(summary)
    assert view.loc["no_weight", "RAF-like 7"] == "55.0 ± 7.1"
    assert view.loc["no_weight", "AffectNet-like V/A (mean CCC x100)"] == "32.5 ± 3.5"
