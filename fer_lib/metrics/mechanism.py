"""Mechanism checks that only ground-truth labels allow: does each SSL-FER strategy do what it claims?

- TimeAug claims a time-shifted frame keeps the anchor's expression: share of positives that do.
- HardNeg claims a far-away frame of the same clip shows another expression: share of negatives that do.
- MaskFN claims the negative with the most similar mouth-eye descriptor is a false negative (same
  expression): precision of its choices against the chance of a random negative having the anchor's label.
All take integer label arrays/tensors; none needs a network.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def share_equal(a, b) -> float:
    """Fraction of positions where the labels agree. a, b: int [N]."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"label arrays must have the same non-empty shape, got {a.shape} and {b.shape}")
    return float((a == b).mean())


def chance_equal(labels) -> float:
    """Probability that two independent draws from the label distribution agree: sum_c p_c^2. labels: int [N]."""
    counts = np.bincount(np.asarray(labels).ravel())
    p = counts / counts.sum()
    return float((p ** 2).sum())


def false_negative_precision(fn_mask: Tensor, neg_mask: Tensor, labels: Tensor) -> dict[str, float]:
    """How often MaskFN's chosen false negatives really share the anchor's label, against chance.

    fn_mask: bool [N, N] (row = anchor, True = chosen as false negative); neg_mask: bool [N, N], the
    negatives it chose from (the base masks, before MaskFN); labels: int [N] (expression, or identity for
    the identity variant). Returns {"precision": share of chosen FNs with the anchor's label,
    "chance": per anchor the share of its negatives with its label, averaged over the same anchors,
    "anchors": number of anchors with a choice}.
    """
    if fn_mask.shape != neg_mask.shape or fn_mask.shape[0] != labels.shape[0]:
        raise ValueError(f"fn_mask {tuple(fn_mask.shape)}, neg_mask {tuple(neg_mask.shape)} and labels "
                         f"{tuple(labels.shape)} do not agree")
    if bool((fn_mask & ~neg_mask).any()):
        raise ValueError("fn_mask chooses a candidate that is not a negative")
    same = labels[:, None] == labels[None, :]                                            # [N, N]
    rows = fn_mask.any(dim=1)
    if not bool(rows.any()):
        raise ValueError("no anchor has a chosen false negative")
    precision = (fn_mask & same).sum().float() / fn_mask.sum().float()
    chance_rows = (neg_mask & same).sum(1).float() / neg_mask.sum(1).clamp(min=1).float()
    return {"precision": float(precision), "chance": float(chance_rows[rows].mean()), "anchors": int(rows.sum())}


def tuple_label_checks(anchor, positive, neg_anchor=None) -> dict[str, float]:
    """TimeAug/HardNeg checks for a set of tuples: labels int [B] of the anchor, positive and neg-anchor frames.

    Returns {"positive_same": share of positives with the anchor's label,
    "hardneg_differs": share of neg-anchors with another label (absent without neg_anchor),
    "chance_same": sum_c p_c^2 over the anchors' labels}.
    """
    out = {"positive_same": share_equal(anchor, positive), "chance_same": chance_equal(anchor)}
    if neg_anchor is not None:
        out["hardneg_differs"] = 1.0 - share_equal(anchor, neg_anchor)
    return out

