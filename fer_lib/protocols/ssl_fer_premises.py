"""SSL-FER's premises measured on a synthetic pretraining pool's ground truth, before any training.

The strategies assume things about talking-head video; on a pool where they are false a row cannot show the
strategy's effect, whatever the result. For a pool (its training clips) and the chapter's tuple settings:

- neutral_frames: share of frames labelled neutral;
- timeaug_pos_same_expr: share of TimeAug positives (a few frames away) with the anchor's expression;
- timeaug_pos_moves: share of those same-expression positives whose head turns by >= ``POSE_MOVE`` degrees
  (any of yaw, pitch, roll) or whose mouth (AU25 or AU26) changes by >= ``MOUTH_MOVE`` from the anchor: a
  positive that neither moves nor changes expression is SimCLR's second view of one frame;
- hardneg_neg_differs_expr: share of HardNeg's same-clip negatives (>= the gap away) with another expression;
- random_neg_differs_expr: the same for a frame of another clip (what an ordinary negative is);
- timeaug_premise: timeaug_pos_same_expr >= 0.75 and timeaug_pos_moves >= 0.5;
- hardneg_premise: hardneg_neg_differs_expr >= 0.6.
"""

from __future__ import annotations

import numpy as np

from fer_lib.data.synth import AU_NAMES
from fer_lib.data.tuples import sample_time_tuples

POSE_MOVE = 2.0     # degrees
MOUTH_MOVE = 0.1    # AU activation
TIMEAUG_KEEPS, TIMEAUG_MOVES, HARDNEG_DIFFERS = 0.75, 0.5, 0.6
_MOUTH = [AU_NAMES.index("AU25"), AU_NAMES.index("AU26")]


def premises(videos, cfg, seed: int = 0, per_clip: int = 8) -> dict:
    """The premise measurements (module docstring) of ``videos``' training clips, ``per_clip`` tuples a clip drawn
    with ``cfg``'s offsets, weights and hard-negative gap. Returns a flat dict (fractions and two booleans)."""
    clips = np.asarray(videos.clips("train"), np.int64)
    T = videos.expression.shape[1]
    rng = np.random.default_rng(seed)
    c, t = sample_time_tuples(np.full(len(clips), T), rng, offsets=cfg.time_offsets, weights=cfg.offset_weights,
                              hard_negative_gap=cfg.hard_negative_gap, per_clip=per_clip)
    clip = clips[c]
    other = clips[(c + rng.integers(1, len(clips), len(c))) % len(clips)]   # another clip, a random frame
    E, pose, aus = np.asarray(videos.expression), np.asarray(videos.pose), np.asarray(videos.aus)
    anchor, positive = (clip, t[:, 0]), (clip, t[:, 1])
    same = E[anchor] == E[positive]
    moved = (np.abs(pose[anchor] - pose[positive]).max(1) >= POSE_MOVE) | \
        (np.abs(aus[anchor][:, _MOUTH] - aus[positive][:, _MOUTH]).max(1) >= MOUTH_MOVE)
    neutral = videos.classes.index("neutral")
    out = {"neutral_frames": float(np.mean(E[clips] == neutral)),
           "timeaug_pos_same_expr": float(same.mean()),
           "timeaug_pos_moves": float(moved[same].mean()) if same.any() else 0.0,
           "hardneg_neg_differs_expr": float(np.mean(E[anchor] != E[clip, t[:, 2]])),
           "random_neg_differs_expr": float(np.mean(E[anchor] != E[other, rng.integers(0, T, len(c))]))}
    out["timeaug_premise"] = bool(out["timeaug_pos_same_expr"] >= TIMEAUG_KEEPS
                                  and out["timeaug_pos_moves"] >= TIMEAUG_MOVES)
    out["hardneg_premise"] = bool(out["hardneg_neg_differs_expr"] >= HARDNEG_DIFFERS)
    return out


def premise_table(data, cfg) -> list[dict]:
    """One row per synthetic pretraining pool of ``data`` (the main pool, then the second): {"pool", premises}."""
    pools = [(cfg.pretrain_domain, data.pretrain)] + ([(cfg.compare_domain, data.compare)] if data.compare else [])
    return [{"pool": name, **premises(videos, cfg, cfg.data_seed)} for name, videos in pools]
