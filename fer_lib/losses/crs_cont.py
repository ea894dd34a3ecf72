r"""The CRS-CONT loss: weighted coarse SupCon + coarse cross-entropy + an instance contrast on softmax outputs.

For a batch of B images seen in two views (N = 2B rows, view 1 then view 2), embeddings z [N, D]
(L2-normalised inside), coarse classifier logits c [N, K] (K = 4 groups) and coarse labels y [B]:

    L = L_supcon^w(z, y) + CE(c[:B], y) + lambda_inst * L_inst(normalize(softmax(c)))

    L_supcon^w = 1/N sum_i  -w_{y_i} / |P(i)| sum_{p in P(i)} log( exp(z_i.z_p / tau) / sum_{a != i} exp(z_i.z_a / tau) )

with P(i) the other rows of i's coarse group (its own second view included), w [K] the *weight vector*
(the code: 0.5 for the negative group, 1 elsewhere) and L_inst the NT-Xent / SimCLR loss whose only
positive is the other view of the same image. Both contrastive terms are the book's one masked
InfoNCE (``fer_lib.losses.contrastive.info_nce``) with SupCon masks over the coarse labels or over the
image ids.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from fer_lib.data.labels import COARSE_4
from fer_lib.losses.contrastive import cosine_similarity_matrix, info_nce, pair_masks, supcon_masks

__all__ = ["group_weights", "weighted_supcon", "softmax_instance_contrast", "crs_cont_loss"]


def group_weights(weights: dict[str, float], order: tuple[str, ...] = COARSE_4) -> Tensor:
    """The weight vector w [K] in ``order`` from {group name: weight}; unnamed groups weigh 1.

    >>> group_weights({"negative": 0.5})   # the CRS-CONT code's ``imbalance_weight``: tensor([1.0, 0.5, 1.0, 1.0])
    """
    unknown = sorted(set(weights) - set(order))
    if unknown:
        raise KeyError(f"unknown group(s) {unknown}; groups are {order}")
    return torch.tensor([float(weights.get(name, 1.0)) for name in order])


def weighted_supcon(z: Tensor, labels: Tensor, class_weight: Tensor | None = None, temperature: float = 0.07,
                    base_temperature: float = 0.07) -> Tensor:
    """Supervised contrastive loss (SupCon L_out) with a per-anchor weight taken from the anchor's class.

    z: [N, D] embeddings (all views stacked); labels: int [N] (repeat the batch's labels once per view);
    class_weight: [K] weight of an anchor of each class (None = all 1, plain SupCon);
    temperature, base_temperature: the loss is scaled by tau / base_tau as in SupContrast (1 at the defaults).
    Anchors without a positive are dropped from the mean. Returns a scalar.
    """
    if z.dim() != 2 or labels.shape != (z.shape[0],):
        raise ValueError(f"z must be [N, D] and labels [N]; got {tuple(z.shape)} and {tuple(labels.shape)}")
    masks = supcon_masks(labels)
    anchor_weight = None
    if class_weight is not None:
        if int(labels.max()) >= len(class_weight):
            raise ValueError(f"label {int(labels.max())} has no entry in a class_weight of {len(class_weight)}")
        anchor_weight = class_weight.to(z.device, torch.float32)[labels]                            # [N]
    loss = info_nce(cosine_similarity_matrix(z), masks.pos_weight, masks.neg_mask, temperature, anchor_weight)
    return loss * (temperature / base_temperature)


def softmax_instance_contrast(logits: Tensor, temperature: float = 0.07) -> Tensor:
    """NT-Xent on L2-normalised softmax outputs: the other view of the same image is the only positive.

    logits: [2B, K], view 1 rows then view 2 rows. Returns a scalar.
    """
    if logits.dim() != 2 or logits.shape[0] % 2:
        raise ValueError(f"logits must be [2B, K] (two views stacked), got {tuple(logits.shape)}")
    b = logits.shape[0] // 2
    probs = F.softmax(logits.float(), dim=1)                                                          # [2B, K]
    ids = torch.arange(b, device=logits.device).repeat(2)                                             # [2B]
    masks = pair_masks(ids)
    return info_nce(cosine_similarity_matrix(probs), masks.pos_weight, masks.neg_mask, temperature)


def crs_cont_loss(z: Tensor, logits: Tensor, coarse: Tensor, class_weight: Tensor | None = None,
                  temperature: float = 0.07, instance_weight: float = 0.4, instance_temperature: float = 0.07,
                  ce_weight: float = 1.0, ce_on_both_views: bool = False) -> tuple[Tensor, dict[str, Tensor]]:
    """The full CRS-CONT objective.

    z: [2B, D] projected embeddings (view 1 rows, then view 2); logits: [2B, K] coarse classifier outputs
    on z; coarse: int [B] labels of the contrast (coarse groups; fine classes for a fine-label SupCon; image
    ids give SimCLR, with ce_weight=0 as ids are no classifier targets); class_weight: [K] the weight vector
    (None = no weight vector);
    instance_weight: lambda_inst (0.4 in the code; 0 removes the softmax-contrast term);
    ce_weight: weight of the coarse cross-entropy (1 in the code; 0 leaves plain (weighted) SupCon);
    ce_on_both_views: False = cross-entropy on the first view's logits only, which is what the code does
    (the paper text is not available to say otherwise); True averages it over both views.
    Returns (loss, parts) with parts = {"supcon", "ce", "instance"} (detached scalars).
    """
    b = coarse.shape[0]
    if z.shape[0] != 2 * b or logits.shape[0] != 2 * b:
        raise ValueError(f"z {tuple(z.shape)} and logits {tuple(logits.shape)} must have 2B = {2 * b} rows")
    labels = coarse.repeat(2)                                                                         # [2B]
    supcon = weighted_supcon(z, labels, class_weight, temperature, temperature)
    ce = instance = torch.zeros((), device=z.device)
    loss = supcon
    if ce_weight:
        ce = F.cross_entropy(logits.float(), labels) if ce_on_both_views else F.cross_entropy(logits[:b].float(), coarse)
        loss = loss + ce_weight * ce
    if instance_weight:
        instance = softmax_instance_contrast(logits, instance_temperature)
        loss = loss + instance_weight * instance
    parts = {"supcon": supcon.detach(), "ce": ce.detach(), "instance": instance.detach()}
    return loss, parts
