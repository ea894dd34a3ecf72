"""The claims ledger: every declared claim, the chapters' verdicts copied from their results, claims.json written."""

import json

from fer_lib import ledger
from fer_lib.experiments import abaw6, ssl_fer
from fer_lib.metrics import claims
from fer_lib.results import Run


def test_ledger_lists_every_claim_with_verdicts_or_reasons(tmp_path):
    rows = {r.row_a for r in ssl_fer.CLAIMS if r.testable} | {r.row_b for r in ssl_fer.CLAIMS if r.testable}
    metrics = ("F1", "A-CCC", "V-CCC", "identity_probe_acc", "scene_index")
    # every row scores 0.5 + seed/100, the full method 0.1 more: its claims' differences are exactly +0.1
    records = [{"row": row, "seed": s, **dict.fromkeys(metrics, 0.5 + s / 100 + 0.1 * (row == "TimeAug+HardNeg+FaceSwap+MaskFN"))}
               for row in rows for s in (0, 1, 2)]
    verdicts = claims.evaluate(records, ssl_fer.CLAIMS, scale={"F1": 100})
    run = Run("ssl_fer", "smoke", config={"key_seeds": [0, 1, 2]}, seeds=[0], data="synthetic", device="cpu")
    run.add_table("claims", verdicts)
    run.save(tmp_path)

    path, out = ledger.write("smoke", tmp_path, chapters=["ssl_fer", "abaw6"])
    assert path == tmp_path / "smoke" / "claims.json" and json.loads(path.read_text()) == json.loads(json.dumps(out))
    assert [r["claim"] for r in out["claims"]] == [c.text for c in ssl_fer.CLAIMS + abaw6.CLAIMS]
    by_claim = {r["claim"]: r for r in out["claims"]}
    full = by_claim["the full method beats SimCLR on expression F1"]
    assert abs(full["diff"] - 10.0) < 1e-9 and full["verdict"] == "supported" and full["n"] == 3
    assert by_claim["SimCLR beats MoCo-v2"]["verdict"] == "not resolved"  # identical rows: zero-width interval at 0
    assert by_claim["the full method reaches 59.3 F1 on AffectNet"]["untestable"] == ssl_fer._REAL
    assert {by_claim[c.text]["verdict"] for c in abaw6.CLAIMS if c.testable} == {ledger.NOT_RUN}
    assert out["chapters"]["ssl_fer"]["seeds"] == [0, 1, 2] and out["chapters"]["abaw6"]["results"] is None
    assert out["chapters"]["ssl_fer"]["comparisons"] == sum(c.testable for c in ssl_fer.CLAIMS)
    table = ledger.table(out)
    assert table.loc[("ssl_fer", "the full method beats SimCLR on expression F1"), "this run"] == "+10.0"
    assert table.loc[("ssl_fer", "the full method reaches 59.3 F1 on AffectNet"), "this run"] == ""
    counts = ledger.counts(out)
    assert counts.loc["abaw6", ledger.NOT_RUN] == sum(c.testable for c in abaw6.CLAIMS)
    assert counts.loc["ssl_fer", claims.UNTESTABLE] == sum(not c.testable for c in ssl_fer.CLAIMS)


def test_ledger_lists_the_claims_of_the_data_a_run_used(tmp_path):
    """CRS-CONT on real data judges REAL_CLAIMS (the paper's targets): the ledger lists those, with the verdicts."""
    from fer_lib.experiments import crs_cont

    real = crs_cont.CLAIMS_BY_DATASET["real"]
    verdicts = claims.evaluate([{"row": r, "seed": 0, **dict.fromkeys(("RAF-DB 7", "AffectNet 7", "FERPlus 8"), 0.5)}
                                for r in {c.row_a for c in real if c.testable} | {c.row_b for c in real if c.testable}],
                               real)
    run = Run("crs_cont", "full", config={"dataset": "real"}, seeds=[0], data="real", device="cpu")
    run.add_table("claims", verdicts)
    run.save(tmp_path)
    out = ledger.build("full", tmp_path, chapters=["crs_cont"])
    assert [r["claim"] for r in out["claims"]] == [c.text for c in real] != [c.text for c in crs_cont.CLAIMS]
    assert {r["verdict"] for r in out["claims"] if r["untestable"] is None} == {claims.NO_VERDICT}
    without_results = ledger.build("full", tmp_path / "none", chapters=["crs_cont"])
    assert without_results["claims"][0]["claim"] == crs_cont.CLAIMS[0].text         # no run: the declared CLAIMS
