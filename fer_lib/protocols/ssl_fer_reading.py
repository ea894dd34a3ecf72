"""The values the SSL-FER chapter's Reading glues, read from the executed tables (never typed by hand).

    values = reading_values(shown, mechanism, premises, isolating, curve, chance, pixels, cfg, profile)
    claims.glue_verdicts(verdicts, values)              # each claim's sentence + these values

Names: ``f1-<row>`` / ``id-<row>`` (the summary's "mean ± std"), the mechanism checks by their column name,
``prem-<pool>-<column>``, ``iso-<row>-<column>`` (isolating row minus its paper row, points), ``scene-<row>``,
``curve-*`` (:func:`~fer_lib.protocols.ssl_fer_curve.curve_reading`), and the run's profile and chance level.
"""

from __future__ import annotations

import pandas as pd

from fer_lib.protocols.ssl_fer_curve import curve_reading

FULL = "TimeAug+HardNeg+FaceSwap+MaskFN"
CONTROL = "Random init (control)"
#: glue name -> row of the summary table, for the F1 and identity columns
SUMMARY_ROWS = {"simclr": "SimCLR", "byol": "BYOL", "random": CONTROL, "full": FULL}
#: mechanism column -> the row whose tuples measured it
CHECKS = {"timeaug_pos_same_expr": "TimeAug", "same_expr_chance": "TimeAug",
          "hardneg_neg_differs_expr": "TimeAug+HardNeg",
          **dict.fromkeys(("maskfn_precision_expr", "maskfn_chance_expr", "maskfn_same_identity",
                           "maskfn_same_identity_chance", "maskfn_same_clip"), "TimeAug+HardNeg+MaskFN"),
          **dict.fromkeys(("swap_pixel_mae_mask", "no_swap_pixel_mae_mask", "swap_landmark_nme"),
                          "TimeAug+HardNeg+FaceSwap")}
ISOLATING = {"oracle": "TimeAug+HardNeg+FaceSwap · oracle swap",
             "same": "TimeAug+HardNeg+FaceSwap · same-person donor",
             "apart": "TimeAug+HardNeg+MaskFN · no same-clip picks",
             "fnoracle": "TimeAug+HardNeg+MaskFN · oracle descriptor"}
SCENE_ROWS = {"simclr": "SimCLR", "faceswap": "TimeAug+HardNeg+FaceSwap", "random": CONTROL,
              "same": ISOLATING["same"]}
#: glue key -> the learning curve's row it reads
CURVE_KEYS = {"simclr": "SimCLR", "moco": "MoCo-v2", "byol": "BYOL"}


def reading_values(shown: pd.DataFrame, mechanism: list[dict], premises: list[dict], isolating: list[dict],
                   curve: list[dict], chance: pd.Series, pixels: dict | None, cfg, profile: str) -> dict[str, str]:
    """{glue name: text} from the chapter's tables: ``shown`` (summary_view, indexed by row), the mechanism,
    premise and isolating records, the learning curve's records, the chance levels (%) and the raw pixels' scene
    index (None when the data has no scene triplets)."""
    mech = pd.DataFrame(mechanism).set_index("row") if mechanism else pd.DataFrame()
    values = {f"{col}-{key}": shown.loc[name, column] for key, name in SUMMARY_ROWS.items()
              for col, column in (("f1", "F1"), ("id", "identity_probe_acc"))}
    values |= {col: (f"{mech.loc[name, col]:.2f}" if col in mech and name in mech.index else "not measured")
               for col, name in CHECKS.items()}
    prem = pd.DataFrame(premises).set_index("pool")
    values |= {f"prem-{pool}-{col}": (("holds" if prem.loc[pool, col] else "fails") if col.endswith("premise")
                                      else f"{prem.loc[pool, col]:.2f}")
               for pool in prem.index for col in prem.columns}
    iso = pd.DataFrame(isolating).set_index("row")
    values |= {f"iso-{key}-{col}": f"{iso.loc[name, col + ' diff'] * 100:+.1f}" for key, name in ISOLATING.items()
               for col in ("F1", "identity_probe_acc")}
    values |= {f"scene-{key}": shown.loc[name, "scene_index"] for key, name in SCENE_ROWS.items()}
    values |= {f"curve-{name}": text for name, text in
               curve_reading(curve, CONTROL, CURVE_KEYS, ahead=(FULL, "SimCLR")).items()}
    return values | {
        "curve-span": "the chapter's budget" if cfg.curve_length == 1 else
                      f"{cfg.curve_length} times the chapter's budget",
        "f1-chance": f"{chance['expr_uniform_chance']:.1f} %",
        "profile": f"{profile}, seeds {list(cfg.key_seeds)} for the rows in a claim and {list(cfg.seeds)} for the "
                   "others",
        "scene-pixels": f"{pixels['index']:.3f}" if pixels is not None else "not measured"}
