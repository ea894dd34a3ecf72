"""The claims ledger: every claim of every paper, with this run's verdict, gathered from the chapters' results.

The claims themselves are written once, as ``CLAIMS`` in ``fer_lib/experiments/<chapter>.py``; each chapter judges
them with ``fer_lib.metrics.claims`` and keeps the verdicts in its results file (table ``claims``). The ledger
joins the two: a claim whose chapter has not run under the profile is listed with that reason rather than
left out, so the ledger always shows every claim. It is written to ``results/<profile>/claims.json``.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from fer_lib import experiments
from fer_lib.config import chapter_claims
from fer_lib.metrics import claims as rule
from fer_lib.results import atomic_write_json, find_results, load_results, results_path

NOT_RUN = "chapter not run under this profile"
NOT_JUDGED = "not in the chapter's results (re-run the chapter)"


def chapters_with_claims() -> list[str]:
    """Experiment modules that declare ``CLAIMS``, in name order."""
    names = sorted(m.name for m in pkgutil.iter_modules(experiments.__path__) if m.name != "claim")
    return [n for n in names if hasattr(importlib.import_module(f"fer_lib.experiments.{n}"), "CLAIMS")]


def build(profile: str, root: Path | None = None, chapters: list[str] | None = None) -> dict:
    """The ledger of ``profile``: {"profile", "chapters": {chapter: {...}}, "claims": [one dict per claim]}.

    Each claim row carries the chapter, the claim's fields, this run's difference, interval and verdicts as the
    chapter computed them (``fer_lib.metrics.claims.evaluate``), or the reason there are none.
    """
    out: dict = {"profile": profile, "chapters": {}, "claims": []}
    for chapter in chapters or chapters_with_claims():
        try:
            results = load_results(chapter, profile, root)
        except FileNotFoundError:
            results = None
        # a chapter judging other claims on other data (CRS-CONT on real data) names them by Config.dataset
        dataset = (results or {}).get("config", {}).get("dataset")
        declared = chapter_claims(chapter, dataset)
        judged = {r["claim"]: r for r in (results or {}).get("tables", {}).get("claims", [])}
        out["chapters"][chapter] = {
            "results": str(find_results(chapter, profile, root)) if results else None,
            "finished": (results or {}).get("finished"),
            "seeds": (results or {}).get("config", {}).get("key_seeds"),
            "comparisons": next(iter(judged.values()), {}).get("comparisons"),
        }
        for claim in declared:
            row = judged.get(claim.text)
            if row is None:
                reason = claim.untestable and f"{rule.UNTESTABLE}: {claim.untestable}"
                row = {"claim": claim.text, "A": claim.row_a, "B": claim.row_b, "metric": claim.metric,
                       "paper": claim.paper, "untestable": claim.untestable, "n": 0, "diff": None, "low": None,
                       "high": None, "verdict": reason or (NOT_RUN if results is None else NOT_JUDGED)}
            # the paper's value and the reason are read from CLAIMS, the numbers from the results
            out["claims"].append({"chapter": chapter, **row, "paper": claim.paper, "untestable": claim.untestable})
    return out


def write(profile: str, root: Path | None = None, chapters: list[str] | None = None) -> tuple[Path, dict]:
    """Build the ledger and write it atomically to ``results/<profile>/claims.json``; return (path, ledger)."""
    ledger = build(profile, root, chapters)
    path = results_path("claims", profile, root)
    atomic_write_json(path, ledger)
    return path, ledger


def table(ledger: dict):
    """The ledger as a DataFrame indexed by (chapter, claim): paper, this run's difference and interval, verdicts."""
    import math

    import pandas as pd

    def num(x, digits):
        return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.{digits}f}".replace("-", "−")

    rows = []
    for r in ledger["claims"]:
        d = r.get("digits", 1)
        paper = r["paper"]
        rows.append({"chapter": r["chapter"], "claim": r["claim"],
                     "paper": "" if paper is None else f"{paper:+g}" if isinstance(paper, (int, float)) else paper,
                     "this run": f"{num(r['diff'], d)} {r.get('unit') or ''}".strip() if r["diff"] is not None else "",
                     "seeds": r["n"] or "",
                     "interval": f"[{num(r['low'], d)}, {num(r['high'], d)}]" if (r["n"] or 0) >= 2 else "",
                     "verdict": r["verdict"] if not r.get("untestable") else rule.UNTESTABLE,
                     "Holm": r.get("verdict_holm", "") if not r.get("untestable") else "",
                     "why it cannot be tested here": r.get("untestable") or ""})
    return pd.DataFrame(rows).set_index(["chapter", "claim"])


def counts(ledger: dict):
    """Verdicts counted per chapter (a DataFrame: chapters × verdicts)."""
    import pandas as pd

    frame = pd.DataFrame(ledger["claims"])
    if frame.empty:
        return frame
    verdict = frame["verdict"].where(frame["untestable"].isna(), rule.UNTESTABLE)
    return pd.crosstab(frame["chapter"], verdict)
