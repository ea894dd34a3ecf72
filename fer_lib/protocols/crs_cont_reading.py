"""What the CRS-CONT chapter shows around its rows, on synthetic or real data: the claims it judges, the
sections that need the generator's labels, the paper-vs-this-run table and the values its Reading glues.

    claims = chapter_claims(cfg)                         # CLAIMS on synthetic data, REAL_CLAIMS on real data
    if runs_here(data, "premise"): ...                   # False on real data, after printing why
    paper_vs_run(paper, view, run.source_label)         # the paper's targets beside this run's
    claim_summaries(verdicts)                            # glue key -> "supported on 2 of 3 targets, ..."
"""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd

from fer_lib.experiments.crs_cont import CLAIMS_BY_DATASET
from fer_lib.metrics.claims import UNTESTABLE, glue_key
from fer_lib.results import side_by_side

#: section -> why it does not run on real data (printed in its place)
SKIPPED = {
    "premise": "Skipped on real data: this table measures each pretraining condition against the generator's "
               "labels, and real labels have no ground truth to measure against (the label-noise and held-out "
               "rows run on the synthetic data only).",
    "mechanism": "Skipped on real data: the collapse index and the 5-way probe read the negative group's five "
                 "expressions as the generator drew them; the real evaluation sets hold no such target.",
}
#: the Reading's caveat about the data, glued as "data-caveat"
CAVEAT = {
    False: "Cartoon faces whose identity dominates the pixels, with labels known exactly: they test whether the "
           "loss does what it says under controlled premises, not how a ResNet-18 trained on RAF-DB and AffectNet "
           "behaves. The CPU profiles depart from the paper to fit their budget (a small ResNet at low "
           "resolution, a few hundred AdamW steps, narrower crops, a higher temperature; PROFILES in "
           "fer_lib/experiments/crs_cont.py has the values), so every encoder is far from converged, which the "
           "loss curves show.",
    True: "RAF-DB and AffectNet (the Mix) and the real evaluation sets: these verdicts are about the paper's data at "
          "this run's profile (its config is in the results). The premise and mechanism sections are skipped "
          "(they need the generator's labels), and so are the label-noise and unseen-expression claims.",
}
NOT_MEASURED = "not measured on real data (no generator labels)"


def chapter_claims(cfg) -> tuple:
    """The claims this run judges (and whose rows run ``key_seeds``): by ``cfg.dataset``."""
    return CLAIMS_BY_DATASET[cfg.dataset]


def runs_here(data, section: str) -> bool:
    """True where ``section`` (a key of :data:`SKIPPED`) can run; on real data prints why not, returns False."""
    if data.real and section in SKIPPED:
        print(SKIPPED[section])
        return False
    return True


def paper_vs_run(paper: dict, view: pd.DataFrame, run_label: str, paper_label: str = "paper (IEEE TIP 2022)"):
    """The paper's linear-evaluation table beside this run's rows of the same name (the CRS-CONT row) for the
    targets both have (real data: RAF-DB 7, AffectNet 7, FERPlus 8); the paper's empty cells read "not
    available". Without a shared target (synthetic data) the paper's table alone, under ``paper_label``."""
    published = paper["tables"]["linear_eval"]
    columns = [c for c in published[0] if c != "pretraining" and c in view.columns]
    if not columns:
        frame = pd.DataFrame(published).set_index("pretraining").fillna("not available")
        return pd.concat({paper_label: frame}, axis=1)
    mine = [{"row": name, **view.loc[name, columns].to_dict()} for name in
            dict.fromkeys(p["pretraining"] for p in published) if name in view.index]
    frame = side_by_side(published, mine, ("pretraining", "row"), columns, paper_label, run_label)
    return frame.apply(lambda col: col.map(lambda v: "not available" if v is None else v))


def claim_summaries(verdicts: list[dict]) -> dict[str, str]:
    """Glue key of each claim's text without its "[target]" -> its verdicts over targets ("supported on 1 of
    3 targets, not resolved on 2 of 3 targets"), or the reason it cannot be tested here."""
    counts: dict[str, Counter] = {}
    out = {}
    for r in verdicts:
        key = glue_key(re.sub(r" \[[^\]]*\]$", "", r["claim"]))
        if r["untestable"]:
            out[key] = f"{UNTESTABLE}: {r['untestable']}"
        else:
            counts.setdefault(key, Counter())[r["verdict"]] += 1
    for key, c in counts.items():
        out[key] = ", ".join(f"{v} on {n} of {sum(c.values())} targets" for v, n in c.items())
    return out


def mean_collapse(collapse: pd.DataFrame, rows: tuple[str, ...]) -> dict[str, str]:
    """Row -> its mean collapse index over seeds, one decimal, or :data:`NOT_MEASURED` (real data: NaN)."""
    mean = collapse.groupby("row")["collapse_index"].mean()
    return {r: f"{mean[r]:.1f}" if r in mean and mean[r] == mean[r] else NOT_MEASURED for r in rows}


def fine_label_shares(premise: list[dict], levels: tuple[float, ...]) -> dict[float, str]:
    """Noise level -> the share of the negative group's fine labels that are right (the premise table), or
    :data:`NOT_MEASURED` where the table is empty (real data)."""
    shares = {p["noise"]: f"{p['fine labels right (negative group)']:.0%}" for p in premise}
    return {level: shares.get(level, NOT_MEASURED) for level in levels}
