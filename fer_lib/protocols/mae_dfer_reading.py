"""The values the MAE-DFER chapter's Reading glues, read from the saved results (never typed by hand).

    saved = load_results("mae_dfer", run.name)
    values = reading_values(saved, shown, eval_counts, cfg)
    claims.glue_verdicts(verdicts, values)

Names: ``params-<i>`` / ``gmacs-<i>`` (the cost table's rows, in ``COST_MODELS`` order), ``ratio`` /
``paper-ratio`` / ``time-ratio`` / ``step-<i>`` (compute and time, LGI-Former against ViT-B), ``motion-<i>``,
``recon-<encoder>-<motion target>-<column>``, ``uar-<i>`` (the table's rows with their clip interval), the gaze
values, the evaluation set's size and ``minutes`` (the execution's stages). A value the run did not measure (NaN,
saved as null) reads "n/a".
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _number(value, spec: str) -> str:
    return "n/a" if value is None or value != value else format(value, spec)


def reading_values(saved: dict, shown: pd.DataFrame, eval_counts: np.ndarray, cfg) -> dict[str, str]:
    """{glue name: text} from the chapter's saved results (``load_results``), ``shown`` (summary_view of the
    ``synthetic`` table, indexed by row) and the evaluation set's clips per class [K]."""
    tables, metrics = saved["tables"], saved["metrics"]
    cost = tables["cost_paper_config"]
    values = {f"{k}-{i}": row[col] for i, row in enumerate(cost)
              for k, col in (("params", "params (M)"), ("gmacs", "GFLOPs (GMACs)"))}
    values |= {"ratio": _number(metrics["flops_ratio_lgi_vs_vitb"], ".3f"),
               "paper-ratio": _number(metrics["paper_flops_ratio"], ".3f"),
               "time-ratio": _number(metrics["time_ratio_lgi_vs_vitb"], ".2f"),
               "n-test": int(eval_counts.sum()), "min-per-class": int(eval_counts.min()),
               "chance": f"{100 / cfg.num_classes:.1f} %"}
    step_s = metrics["train_step_seconds_paper_size"] or {}
    values |= {f"step-{i}": _number(step_s.get(row["model"]), ".1f") + " s" for i, row in enumerate(cost[:2])}
    values |= {f"motion-{i}": _number(m["face / background"], ".1f") for i, m in enumerate(tables["motion_signal"])}
    values |= {f"recon-{r['encoder']}-{r['motion target']}-" + k.replace(", ", "-").replace(" ", "-"): _number(v, ".3f")
               for r in tables["reconstruction_check"] for k, v in r.items() if k not in ("encoder", "motion target")}
    values |= {f"uar-{i}": f"{shown.loc[t['row'], 'UAR']} {t['UAR 95 % clip interval (first seed)']}"
               for i, t in enumerate(tables["synthetic"])}
    gaze_frames, pupil = tables.get("gaze_frames", []), metrics.get("pupil_shift_px")
    values |= {f"gaze-{i}": _number(g["gaze error (deg)"], ".1f") for i, g in enumerate(gaze_frames)}
    values |= {"gaze-mean": _number(gaze_frames[0]["mean-gaze predictor (deg)"], ".1f") if gaze_frames else "n/a",
               "pupil": _number(pupil["mean (px)"], ".1f") if pupil else "n/a",
               "pupil-160": _number(pupil["mean (px)"] * 160 / cfg.image_size, ".1f") if pupil else "n/a"}
    ft_gaze = tables["gaze"][0] if tables.get("gaze") else {}
    values |= {"gaze-ft": _number(ft_gaze.get("gaze error (deg)"), ".1f"),
               "gaze-ft-mean": _number(ft_gaze.get("mean-gaze predictor (deg)"), ".1f")}
    return values | {"minutes": f"{sum(saved['stages_s'].values()) / 60:.0f}"}
