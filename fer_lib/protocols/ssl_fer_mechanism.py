"""SSL-FER's strategies checked against the generator's ground truth, independent of training: what a row's
tuples, MaskFN's picks and FaceSwap's warp do to positives and negatives.

    checks = mechanism_checks(row, cfg, data)          # {} for the baselines and on real data

- TimeAug / HardNeg: how often the positive keeps, and the hard negative changes, the anchor's expression;
- MaskFN: how often its false negative shows the anchor's expression, the anchor's person, the anchor's clip
  (against chance), in training-sized batches;
- FaceSwap: pixel and landmark error of the landmark warp against the renderer's exact swap.
"""

from __future__ import annotations

import numpy as np
import torch

from fer_lib.data.synth import swap_frame
from fer_lib.experiments.ssl_fer import Row
from fer_lib.faces.swap_oracle import mean_errors, swap_errors
from fer_lib.metrics.mechanism import false_negative_precision, tuple_label_checks
from fer_lib.protocols.ssl_fer import build_method
from fer_lib.protocols.ssl_fer_data import SSLFERData, pool_data, tuple_dataset


def mechanism_checks(row: Row, cfg, data: SSLFERData, seed: int = 0) -> dict:
    """What the row's strategies do to positives and negatives, measured against the ground truth (synthetic
    data only: VoxCeleb has no per-frame expression labels)."""
    if row.method not in ("ssl_fer",) or data.real:
        return {}
    ds, collate, per_step = tuple_dataset(row, cfg, data, seed)
    data = pool_data(row, data)
    items = [ds[i] for i in range(min(len(ds), cfg.mechanism_tuples))]
    batch = collate(items)
    out = {}
    if row.time_aug:
        checks = tuple_label_checks(batch["anchor_expression"], batch["positive_expression"],
                                    batch.get("neg_anchor_expression"))
        out["timeaug_pos_same_expr"] = checks["positive_same"]
        out["same_expr_chance"] = checks["chance_same"]
        if "hardneg_differs" in checks:
            out["hardneg_neg_differs_expr"] = checks["hardneg_differs"]
    if row.mask_fn:
        out.update(_maskfn_precision(row, cfg, batch, per_step, seed))
    if row.face_swap and row.swap != "oracle":   # the oracle row's swap is exact by construction
        out.update(_swap_oracle(cfg, data, batch))
    return out


def _maskfn_precision(row: Row, cfg, batch: dict, per_step: int, seed: int) -> dict:
    """MaskFN's choices in training-sized batches: same expression / same identity as the anchor vs chance, and
    the share from the anchor's own clip (the hard negative turned back into a positive)."""
    method = build_method(row, cfg, seed, 1)
    roles = method.strategies.roles()
    hits = {"expr": [], "id": [], "clip": []}
    for start in range(0, len(batch["clip"]) - per_step + 1, per_step):
        sub = {k: v[start:start + per_step] for k, v in batch.items()}
        masks, fn = method.contrast_masks(sub)
        base = masks.neg_mask | fn
        hits["expr"].append(false_negative_precision(fn, base, torch.cat([sub[f"{r}_expression"] for r in roles])))
        hits["id"].append(false_negative_precision(fn, base, sub["identity"].repeat(len(roles))))
        hits["clip"].append(false_negative_precision(fn, base, sub["clip"].repeat(len(roles))))
    mean = lambda rows, key: float(np.mean([r[key] for r in rows]))   # noqa: E731
    return {"maskfn_precision_expr": mean(hits["expr"], "precision"),
            "maskfn_chance_expr": mean(hits["expr"], "chance"),
            "maskfn_same_identity": mean(hits["id"], "precision"),
            "maskfn_same_identity_chance": mean(hits["id"], "chance"),
            "maskfn_same_clip": mean(hits["clip"], "precision")}


def _swap_oracle(cfg, data: SSLFERData, batch: dict) -> dict:
    """FaceSwap (positive's expression on the donor's head) against the renderer's exact oracle."""
    v, rows = data.pretrain, []
    for i in range(min(cfg.swap_oracle_pairs, len(batch["clip"]))):
        ca, ta = int(batch["clip"][i]), int(batch["positive_t"][i])
        cb, tb = int(batch["donor_clip"][i]), int(batch["donor_t"][i])
        oracle, oracle_lm = swap_frame(v, ca, ta, cb, tb)
        errors, _ = swap_errors(np.asarray(v.frames[ca, ta]), v.landmarks[ca, ta], np.asarray(v.frames[cb, tb]),
                                v.landmarks[cb, tb], oracle, oracle_lm, feather=cfg.swap_feather)
        rows.append(errors)
    m = mean_errors(rows)
    return {"swap_pixel_mae_mask": m["pixel_mae_mask"], "no_swap_pixel_mae_mask": m["no_swap_pixel_mae_mask"],
            "swap_landmark_nme": m["landmark_nme"]}
