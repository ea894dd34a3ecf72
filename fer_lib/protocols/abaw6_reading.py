"""What the ABAW6 chapter reads from its records: the pseudo-label summary and the values its Reading glues
(read from the executed tables, never typed by hand).

    tracks = pseudo_label_tracks(records, ("ssl_all", ...))   # row -> one pseudo-label track per seed
    pl_rows, acc_curves, final = pseudo_label_summary(tracks)
    values = reading_values(table, check, pl_rows, demo_rows, data, cfg, profile)
    claims.glue_verdicts(verdicts, values)

Names: ``f1-<row>`` ("mean ± std"), ``ci-<row>`` (the clip bootstrap's ends), ``teacher-<row>`` / ``warm-<row>``
(the teacher's F1 after teacher-student / after its warm-up, SSL rows), ``gap-<i>`` (the feedback check's first
three gaps), ``pl-neutral-<row>`` / ``pl-acc-<row>`` (pseudo-labels' neutral share, last agreement),
``f-mean-<row>`` / ``f-mixed-<row>`` (the feedback coefficient as trained / the MPL code's), ``pool-neutral``,
``demo-<column>`` (the last real video) and ``setup``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fer_lib.data.labels import AFFWILD2_8
from fer_lib.protocols.abaw6 import class_distribution


def pseudo_label_tracks(records: list[dict], rows: tuple[str, ...]) -> dict[str, list[dict]]:
    """row -> the ``pseudo_labels`` tracks (:func:`~fer_lib.methods.mpl.pseudo_label_track`) of its records, one per
    seed."""
    return {r: [rec["pseudo_labels"] for rec in records if rec["row"] == r and "pseudo_labels" in rec] for r in rows}


def pseudo_label_summary(tracks: dict[str, list[dict]]) -> tuple[list[dict], dict, dict]:
    """Per row, over its seeds: the table row (agreement with the hidden truth at the first and last logged step,
    the feedback coefficient's mean as trained and as the MPL code computes it, the class shares of the last three
    logged windows), the agreement curve (steps [L], mean agreement [L]) and the final class shares [K]
    (keyed "pseudo-labels: <row>")."""
    rows, curves, final = [], {}, {}
    for name, runs in tracks.items():
        acc = np.mean([t["pl_acc"] for t in runs], axis=0)
        frac = np.mean([np.mean(t["pl_frac"][-3:], axis=0) for t in runs], axis=0)
        curves[name], final[f"pseudo-labels: {name}"] = (runs[0]["step"], acc), frac
        f = [v for t in runs for v in t["f"] if v is not None]
        f_mixed = [v for t in runs for v in t["f_mixed"] if v is not None]
        rows.append({"row": name, "pl_acc_first": round(float(acc[0]), 3), "pl_acc_last": round(float(acc[-1]), 3),
                     "f_mean": float(np.mean(f)) if f else None,
                     "f_mixed_mean": float(np.mean(f_mixed)) if f_mixed else None,
                     **{f"pl_{c}": round(float(v), 3) for c, v in zip(AFFWILD2_8, frac)}})
    return rows, curves, final


def reading_values(table: list[dict], check: list[dict], pl_rows: list[dict], demo_rows: list[dict], data, cfg,
                   profile: str) -> dict[str, str]:
    """{glue name: text} from :func:`~fer_lib.protocols.abaw6.summarise`'s table, the feedback check's rows
    (column ``gap``), the pseudo-label rows, the real-video demo rows and the data (its pool and evaluation set)."""
    by_row = pd.DataFrame(table).set_index("row")
    values = {f"f1-{r}": f"{by_row.loc[r, 'f1']:.1f} ± {by_row.loc[r, 'f1_std']:.1f}" for r in by_row.index}
    values |= {f"ci-{r}": f"{by_row.loc[r, 'f1_clip_low']:.1f} to {by_row.loc[r, 'f1_clip_high']:.1f}"
               for r in by_row.index}
    values |= {f"teacher-{r}": f"{by_row.loc[r, 'teacher_f1']:.1f}"
               for r in by_row.index if pd.notna(by_row.loc[r, "teacher_f1"])}
    values |= {f"warm-{r}": f"{by_row.loc[r, 'teacher_warmup_f1']:.1f}"
               for r in by_row.index if pd.notna(by_row.loc[r, "teacher_warmup_f1"])}
    values |= {f"gap-{i}": f"{row['gap']:.2g}" for i, row in enumerate(check[:3])}
    values |= {f"pl-{k}-{r['row']}": f"{r[col]:.0%}" for r in pl_rows
               for k, col in (("neutral", "pl_neutral"), ("acc", "pl_acc_last"))}
    values |= {f"f-{k}-{r['row']}": f"{r[col]:+.4f}" for r in pl_rows
               for k, col in (("mean", "f_mean"), ("mixed", "f_mixed_mean")) if r[col] is not None}
    pool_share = class_distribution(data.pool.labels)
    values |= {"pool-neutral": f"{pool_share[AFFWILD2_8.index('neutral')]:.0%}"}
    values |= {f"demo-{c}": str(demo_rows[-1][c]) for c in ("frames_with_face", "label_changes_raw",
                                                            "label_changes_voted")}
    return values | {
        "setup": f"{profile} profile: seeds {list(cfg.key_seeds)}, {cfg.image_size}-px faces, "
                 f"ResNet-{cfg.backbone_depth} of width {cfg.backbone_width}, "
                 f"{cfg.labelled_steps} labelled steps per scored network "
                 f"({cfg.teacher_warmup_steps} of the teacher's as warm-up), "
                 f"{len(data.evaluation)} validation frames in {len(np.unique(data.evaluation_video))} clips"}
