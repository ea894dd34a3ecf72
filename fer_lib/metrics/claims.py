"""The one claim rule of the book: a paper's claim "row A beats row B" judged from paired seeds.

Two rows trained with the same seed share data order and initialisation, so their results are paired by
seed. For a claim over seeds s shared by both rows (a seed only one row has is dropped, and reported):

    d_s = A_s − B_s,   mean d̄,   standard error SE = sd(d) / √n,
    interval at level L (95 % by default):  d̄ ± t_{(1+L)/2, n−1} · SE      (Student t, n − 1 degrees of freedom)

which is exactly ``scipy.stats.ttest_rel(A, B).confidence_interval(L)``. The verdict reads the interval:
*supported* when it lies wholly on the side the paper claims, *contradicted* when it lies wholly on the other
side, *not resolved* when it contains 0; with one shared seed there is no interval ("one seed: no verdict").

A chapter makes many comparisons, and at 95 % about one in twenty intervals misses by chance, so every table
carries the number of comparisons and a Holm-corrected verdict (Holm 1979: step-down Bonferroni on the
paired t-test's two-sided p-values, family-wise error ≤ 1 − L), the verdict that holds for the whole chapter.
"""

from __future__ import annotations

import math
import re
from typing import Iterable, Sequence

import numpy as np
from scipy import stats

from fer_lib.experiments.claim import Claim

LEVEL = 0.95
SUPPORTED, CONTRADICTED, NOT_RESOLVED = "supported", "contradicted", "not resolved"
NO_VERDICT = "one seed: no verdict"
UNTESTABLE = "cannot be tested here"
NOT_MEASURED = "not measured in this run"


def key_rows(claims: Iterable[Claim]) -> set[str]:
    """The rows that appear in a testable claim (they run the chapter's ``key_seeds``)."""
    return {r for c in claims if c.testable for r in (c.row_a, c.row_b)}


def row_seeds(row: str, claims: Iterable[Claim], seeds: Sequence[int], key_seeds: Sequence[int]) -> tuple[int, ...]:
    """The seeds a row runs: ``key_seeds`` for a row in a testable claim, ``seeds`` for the others."""
    return tuple(key_seeds) if row in key_rows(claims) else tuple(seeds)


def _values(records: list[dict], row: str, metric: str, key: str, seed: str) -> dict[int, float]:
    """{seed: value} of one row's metric; missing or non-finite values are left out.

    A row without any record is an error (a misspelt row), as is a repeated seed.
    """
    out: dict[int, float] = {}
    mine = [rec for rec in records if rec.get(key) == row]
    if not mine:
        raise ValueError(f"no record has {key}={row!r}; rows: {sorted({str(r.get(key)) for r in records})}")
    for rec in mine:
        if seed not in rec:
            raise KeyError(f"record of row {row!r} has no seed column {seed!r}: {sorted(rec)}")
        if rec[seed] in out:
            raise ValueError(f"row {row!r} has two records for seed {rec[seed]!r}")
        value = rec.get(metric)
        if value is not None and math.isfinite(float(value)):
            out[rec[seed]] = float(value)
    return out


def paired_interval(d: Sequence[float], level: float = LEVEL) -> dict:
    """Mean of paired differences ``d`` [n] with its Student-t interval and two-sided p-value.

    Returns {"n", "mean", "low", "high", "p"}; with n < 2 the interval and p are NaN. With n ≥ 2 and all
    differences equal the interval has zero width (p = 0, or 1 when they are all 0): the t statistic's limit.
    """
    d = np.asarray(d, dtype=float)
    n = d.size
    mean = float(d.mean()) if n else math.nan
    if n < 2:
        return {"n": n, "mean": mean, "low": math.nan, "high": math.nan, "p": math.nan}
    se = float(d.std(ddof=1)) / math.sqrt(n)
    if se == 0.0:
        return {"n": n, "mean": mean, "low": mean, "high": mean, "p": 1.0 if mean == 0.0 else 0.0}
    half = float(stats.t.ppf((1 + level) / 2, n - 1)) * se
    p = float(2 * stats.t.sf(abs(mean) / se, n - 1))
    return {"n": n, "mean": mean, "low": mean - half, "high": mean + half, "p": p}


def verdict(low: float, high: float, direction: str) -> str:
    """supported / contradicted / not resolved from an interval of A − B and the claimed direction."""
    if math.isnan(low):
        return NO_VERDICT
    above, below = low > 0, high < 0
    if direction == "<":
        above, below = below, above
    return SUPPORTED if above else CONTRADICTED if below else NOT_RESOLVED


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (same order as given): p_(k) ↦ max_{j≤k} min(1, (m − j + 1) p_(j))."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def evaluate(records: list[dict], claims: Sequence[Claim], key: str = "row", seed: str = "seed",
             level: float = LEVEL, scale: float | dict[str, float] = 1.0,
             unit: str | dict[str, str] = "", digits: int | dict[str, int] = 1) -> list[dict]:
    """Judge every claim over per-seed ``records`` (a list of flat dicts, one per row and seed).

    key, seed: the record columns naming the row and the seed. scale multiplies differences for display
    (100 for fractions shown in percent); unit names the result ("F1 points"); either may be a dict by metric
    (a metric not in it: scale 1, no unit); digits: decimals shown (default 1). Returns one JSON-able dict per
    claim, in order: the claim, rows, metric, direction, the paper's value, the shared seeds and the seeds
    dropped because only one row has them, the mean difference A − B and its interval (scaled), p, the
    verdict, the Holm-adjusted p and verdict, the number of comparisons and the level.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    out = []
    for claim in claims:
        factor = scale.get(claim.metric, 1.0) if isinstance(scale, dict) else scale
        row = {"claim": claim.text, "A": claim.row_a, "B": claim.row_b, "metric": claim.metric,
               "direction": claim.direction, "paper": claim.paper, "level": level,
               "unit": unit.get(claim.metric, "") if isinstance(unit, dict) else unit,
               "digits": digits.get(claim.metric, 1) if isinstance(digits, dict) else digits,
               "seeds": [], "unpaired_seeds": [], "n": 0, "diff": None, "low": None, "high": None, "p": None,
               "verdict": UNTESTABLE, "untestable": claim.untestable}
        if claim.testable:
            a = _values(records, claim.row_a, claim.metric, key, seed)
            b = _values(records, claim.row_b, claim.metric_b or claim.metric, key, seed)
            if not a or not b:  # e.g. identity columns on real data without LFW
                row["verdict"] = NOT_MEASURED
                out.append(row)
                continue
            shared = sorted(set(a) & set(b))
            if not shared:
                raise ValueError(f"claim {claim.text!r}: rows {claim.row_a!r} {sorted(a)} and {claim.row_b!r} "
                                 f"{sorted(b)} share no seed")
            ci = paired_interval([a[s] - b[s] for s in shared], level)
            row.update(seeds=shared, unpaired_seeds=sorted(set(a) ^ set(b)), n=ci["n"],
                       diff=ci["mean"] * factor, low=ci["low"] * factor, high=ci["high"] * factor, p=ci["p"],
                       verdict=verdict(ci["low"], ci["high"], claim.direction))
        out.append(row)
    _add_holm(out, 1 - level)
    return out


def _add_holm(rows: list[dict], alpha: float) -> None:
    """Holm over the comparisons that have a p-value; the others get no corrected verdict."""
    tested = [r for r in rows if r["p"] is not None and not math.isnan(r["p"])]
    for r, p_adj in zip(tested, holm([r["p"] for r in tested])):
        lo, hi = (r["low"], r["high"]) if p_adj < alpha else (-math.inf, math.inf)
        r["p_holm"], r["verdict_holm"] = p_adj, verdict(lo, hi, r["direction"])
    for r in rows:
        r["comparisons"] = len(tested)
        r.setdefault("p_holm", None)
        r.setdefault("verdict_holm", r["verdict"])


def _signed(x: float, digits: int | None) -> str:
    """'+0.7' / '−2.1' (a true minus sign); digits None: as few as the value needs ('+0.051')."""
    return (f"{x:+g}" if digits is None else f"{x:+.{digits}f}").replace("-", "−")


def _paper(value) -> str:
    return "" if value is None else _signed(value, None) if isinstance(value, (int, float)) else value


def describe(result: dict) -> str:
    """One sentence for a reading, e.g. 'paper +0.30; this run +0.7 F1 points, 95% CI [−2.1, +3.5] over 5 paired
    seeds: not resolved' (chapters glue it into their prose, so a reading never types a number)."""
    paper = f"paper {_paper(result['paper'])}; " if result["paper"] is not None else ""
    digits = result.get("digits", 1)
    if result["untestable"]:
        return f"{paper}{UNTESTABLE}: {result['untestable']}"
    if result["diff"] is None:
        return f"{paper}{result['verdict']}"
    unit = f" {result['unit']}" if result["unit"] else ""
    if result["n"] < 2:
        return f"{paper}this run {_signed(result['diff'], digits)}{unit} on one seed: no verdict"
    dropped = f" ({len(result['unpaired_seeds'])} unpaired seeds left out)" if result["unpaired_seeds"] else ""
    holm_note = "" if result["verdict_holm"] == result["verdict"] else \
        f"; {result['verdict_holm']} after Holm's correction for {result['comparisons']} comparisons"
    return (f"{paper}this run {_signed(result['diff'], digits)}{unit}, {result['level']:.0%} CI "
            f"[{_signed(result['low'], digits)}, {_signed(result['high'], digits)}] over {result['n']} paired "
            f"seeds{dropped}: {result['verdict']}{holm_note}")


def glue_key(text: str) -> str:
    """The name under which a chapter glues a claim's sentence: its text in lower case, words joined by '-'."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def glue_verdicts(results: list[dict], extra: dict[str, str] | None = None) -> None:
    """Glue each claim's sentence under ``glue_key(claim)``, and ``extra`` {name: text}, for a chapter's prose.

    The prose pastes them with MyST-NB's ``{glue:text}`name``` role, so its numbers are the executed ones.
    """
    from myst_nb import glue

    for r in results:
        glue(glue_key(r["claim"]), describe(r), display=False)
    for name, text in (extra or {}).items():
        glue(name, str(text), display=False)


def table(results: list[dict]):
    """The verdict table a chapter shows: a DataFrame indexed by claim, the level and comparisons in the header."""
    import pandas as pd

    def fmt(x, r):
        return "" if x is None or math.isnan(x) else _signed(x, r.get("digits", 1))

    level = f"{results[0]['level']:.0%}" if results else ""
    m = results[0]["comparisons"] if results else 0
    rows = [{"claim": r["claim"], "A − B": f"{r['A']} − {r['B']}" if r["A"] else "",
             "paper": _paper(r["paper"]), "seeds": r["n"] or "", "this run": fmt(r["diff"], r),
             f"{level} CI": "" if r["n"] < 2 or r["low"] is None else f"[{fmt(r['low'], r)}, {fmt(r['high'], r)}]",
             "verdict": r["verdict"] if not r["untestable"] else f"{UNTESTABLE}: {r['untestable']}",
             f"Holm ({m} comparisons)": r["verdict_holm"] if not r["untestable"] else ""}
            for r in results]
    return pd.DataFrame(rows).set_index("claim")
