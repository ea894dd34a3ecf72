"""The values the ABAW6 chapter's Reading glues, read from the executed tables (never typed by hand).

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
