"""One masked InfoNCE / SupCon loss over a similarity matrix, and the mask builders that make it
SimCLR (NT-Xent), TimeAug, HardNeg, MaskFN (top-1 and thresholded) or a weighted coarse SupCon.

The loss is a pure function of a similarity matrix, a positive-weight matrix, a negative mask and
per-anchor weights. Methods differ only by the masks they build; there are no string-switched variants.

Notation (rows = anchors i, columns = candidates j; usually the same N samples):
    s_ij = sim[i, j] / tau,   P(i) = {j : pos_weight[i, j] > 0},   Neg(i) = {j : neg_mask[i, j]}

    positives_in_denominator=True  (SupCon "L_out"; NT-Xent when |P(i)| = 1):
        l_ij = -log( exp(s_ij) / sum_{k in P(i) | Neg(i)} exp(s_ik) )
    positives_in_denominator=False (each positive contrasted against the negatives only; MaskFN):
        l_ij = -log( exp(s_ij) / (exp(s_ij) + sum_{k in Neg(i)} exp(s_ik)) )

    loss_i = anchor_weight[i] * sum_{j in P(i)} pos_weight[i, j] * l_ij
    loss   = mean of loss_i over the anchors with at least one positive (rows with none are dropped).

With one positive per anchor both forms are the same, and equal to ``cross_entropy([s_ip, s_neg], 0)``
as the SSL-FER authors compute it.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor


class ContrastMasks(NamedTuple):
    """Masks over an [N, M] similarity matrix.

    pos_weight: float [N, M], weight of each positive term (0 = not a positive).
    neg_mask:   bool [N, M], True where the candidate is a negative of the anchor.
    """

    pos_weight: Tensor
    neg_mask: Tensor


def cosine_similarity_matrix(z: Tensor, other: Tensor | None = None) -> Tensor:
    """Cosine similarities of L2-normalised rows.

    z: [N, D], other: [M, D] (default: z). Returns [N, M] in [-1, 1].
    """
    a = F.normalize(z, dim=1)
    b = a if other is None else F.normalize(other, dim=1)
    return a @ b.T


def info_nce_per_anchor(sim: Tensor, pos_weight: Tensor, neg_mask: Tensor, temperature: float,
                        positives_in_denominator: bool = True) -> tuple[Tensor, Tensor]:
    """Per-anchor masked InfoNCE (see the module docstring for the formula).

    sim: [N, M] similarities; pos_weight: float [N, M] (>= 0); neg_mask: bool [N, M]; a candidate may
    not be both a positive and a negative of the same anchor.
    Returns (loss [N], valid [N] bool): loss_i = sum_j pos_weight[i, j] * l_ij (0 where invalid),
    valid_i = the anchor has at least one positive.
    """
    if sim.dim() != 2 or pos_weight.shape != sim.shape or neg_mask.shape != sim.shape:
        raise ValueError(f"sim {tuple(sim.shape)}, pos_weight {tuple(pos_weight.shape)} and "
                         f"neg_mask {tuple(neg_mask.shape)} must all be the same [N, M] shape")
    if neg_mask.dtype != torch.bool:
        raise TypeError(f"neg_mask must be bool, got {neg_mask.dtype}")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if bool((pos_weight < 0).any()):
        raise ValueError("pos_weight has negative entries")
    pos_mask = pos_weight > 0
    if bool((pos_mask & neg_mask).any()):
        raise ValueError("a candidate is both a positive (pos_weight > 0) and a negative (neg_mask) of one anchor")
    logits = sim.float() / temperature                                                 # [N, M]
    neg_inf = torch.finfo(logits.dtype).min
    if positives_in_denominator:
        lse = logits.masked_fill(~(pos_mask | neg_mask), neg_inf).logsumexp(dim=1)      # [N]
        per_pair = lse[:, None] - logits                                               # [N, M]
    else:
        neg_lse = logits.masked_fill(~neg_mask, neg_inf).logsumexp(dim=1)              # [N]
        # -log(e^a / (e^a + e^b)) = softplus(b - a); an anchor with no negatives gives 0.
        per_pair = F.softplus(neg_lse[:, None] - logits)                               # [N, M]
    per_pair = torch.where(pos_mask, per_pair, torch.zeros_like(per_pair))
    loss = (pos_weight.to(per_pair.dtype) * per_pair).sum(dim=1)                        # [N]
    return loss, pos_mask.any(dim=1)


def info_nce(sim: Tensor, pos_weight: Tensor, neg_mask: Tensor, temperature: float = 0.07,
             anchor_weight: Tensor | None = None, positives_in_denominator: bool = True) -> Tensor:
    """Masked InfoNCE / SupCon, averaged over the anchors that have a positive.

    sim: [N, M] similarities (cosine for the book's methods); pos_weight: float [N, M];
    neg_mask: bool [N, M]; anchor_weight: float [N] (default 1; CRS-CONT's class weights w_i);
    positives_in_denominator: True = SupCon L_out / NT-Xent, False = each positive against the
    negatives only (the SSL-FER MaskFN loss ``CE([pos, neg\\k]) + lambda * CE([s_k, neg\\k])``).
    Returns a scalar. Anchors without positives are dropped from the mean (never NaN); if no anchor
    has one, the result is 0 and still connected to the graph.
    """
    loss, valid = info_nce_per_anchor(sim, pos_weight, neg_mask, temperature, positives_in_denominator)
    if anchor_weight is not None:
        if anchor_weight.shape != loss.shape:
            raise ValueError(f"anchor_weight {tuple(anchor_weight.shape)} must be [N] = {tuple(loss.shape)}")
        loss = loss * anchor_weight.to(loss.dtype)
    if not bool(valid.any()):
        return sim.sum() * 0.0
    return loss[valid].mean()


def supcon_masks(labels: Tensor, normalize: bool = True) -> ContrastMasks:
    """Supervised-contrastive masks over N samples with labels.

    labels: int [N]. Positives of anchor i = the other samples with its label, each weighted
    1/|P(i)| when ``normalize`` (SupCon's mean over positives); negatives = the samples with a
    different label, so with ``positives_in_denominator=True`` the denominator is every non-self sample.
    Returns ContrastMasks with [N, N] tensors. A label seen once gives a row with no positive.
    """
    if labels.dim() != 1:
        raise ValueError(f"labels must be [N], got {tuple(labels.shape)}")
    same = labels[:, None] == labels[None, :]                                           # [N, N]
    eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    pos = same & ~eye
    weight = pos.float()
    if normalize:
        weight = weight / pos.sum(dim=1, keepdim=True).clamp(min=1)
    return ContrastMasks(weight, ~same)


def pair_masks(pair_ids: Tensor) -> ContrastMasks:
    """NT-Xent masks: every id appears exactly twice; the partner is the one positive, all others negatives.

    pair_ids: int [N] (e.g. ``cat([arange(B), arange(B)])`` for SimCLR's two views, or the
    (anchor, positive) and (neg-anchor, neg-positive) pair ids of an SSL-FER tuple batch).
    """
    counts = torch.bincount(pair_ids - pair_ids.min())
    bad = (counts != 0) & (counts != 2)
    if bool(bad.any()):
        first = int(torch.nonzero(bad)[0]) + int(pair_ids.min())
        raise ValueError(f"pair id {first} appears {int(counts[first - int(pair_ids.min())])} times; "
                         "every pair id must appear exactly twice")
    return supcon_masks(pair_ids, normalize=False)


def maskfn_masks(masks: ContrastMasks, desc_sim: Tensor, fn_weight: float = 0.8,
                 threshold: float | None = None, exclude: Tensor | None = None) -> tuple[ContrastMasks, Tensor]:
    """MaskFN: turn the likely false negatives of each anchor into weighted positives.

    masks: the base ContrastMasks [N, N] (e.g. from ``pair_masks``); desc_sim: [N, N] similarity of the
    mouth-eye descriptors g (``G = g g^T``); fn_weight: lambda, the weight of a false negative as a
    positive (paper and code: 0.8); threshold: None = per anchor the top-1 negative by G (what the
    authors' active ``info_nce_loss_withmask_agg`` does), a float = every negative with G > threshold
    (the unused ``info_nce_loss_withmask`` variant, whose code instead set those similarities to 0 and
    kept them as negatives: do that with ``sim.masked_fill(fn_mask, 0)`` and the base masks);
    exclude: bool [N, N], negatives that may never be chosen (e.g. same-clip hard negatives; the
    authors' top-1 code excludes none).
    Use with ``positives_in_denominator=False``: loss_i = CE([s_p, neg\\FN]) + lambda * sum_k CE([s_k, neg\\FN]).
    Returns (new ContrastMasks, fn_mask bool [N, N]).
    """
    pos_weight, neg_mask = masks
    if desc_sim.shape != neg_mask.shape:
        raise ValueError(f"desc_sim {tuple(desc_sim.shape)} must match the masks {tuple(neg_mask.shape)}")
    eligible = neg_mask if exclude is None else neg_mask & ~exclude
    if threshold is None:
        scores = desc_sim.float().masked_fill(~eligible, float("-inf"))
        k = scores.argmax(dim=1)                                                        # [N]
        fn_mask = F.one_hot(k, neg_mask.shape[1]).bool() & eligible                     # [N, M]
    else:
        fn_mask = eligible & (desc_sim > threshold)
    new_weight = torch.where(fn_mask, torch.full_like(pos_weight, fn_weight), pos_weight)
    return ContrastMasks(new_weight, neg_mask & ~fn_mask), fn_mask
