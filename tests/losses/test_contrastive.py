"""The one masked InfoNCE against hand values, closed forms, a naive per-anchor loop and torch's cross-entropy."""

import math

import pytest
import torch
import torch.nn.functional as F

from fer_lib.losses.contrastive import (
    ContrastMasks, cosine_similarity_matrix, info_nce, info_nce_per_anchor, maskfn_masks, pair_masks, supcon_masks,
)


def naive_loss(sim, pos_weight, neg_mask, tau, anchor_weight=None, pos_in_denom=True):
    """Slow loop straight from the formula: python floats, one anchor and one positive at a time."""
    n, m = sim.shape
    total, count = 0.0, 0
    for i in range(n):
        pos = [j for j in range(m) if pos_weight[i, j] > 0]
        neg = [j for j in range(m) if neg_mask[i, j]]
        if not pos:
            continue
        li = 0.0
        for p in pos:
            num = math.exp(sim[i, p] / tau)
            if pos_in_denom:
                den = sum(math.exp(sim[i, k] / tau) for k in pos + neg)
            else:
                den = num + sum(math.exp(sim[i, k] / tau) for k in neg)
            li += float(pos_weight[i, p]) * -math.log(num / den)
        total += li * (1.0 if anchor_weight is None else float(anchor_weight[i]))
        count += 1
    return total / count


def random_sim(n, seed, d=8):
    g = torch.Generator().manual_seed(seed)
    return cosine_similarity_matrix(torch.randn(n, d, generator=g, dtype=torch.float64))


def test_hand_computed_two_pairs():
    # 4 samples, pairs (0,2) and (1,3); tau = 1. Anchor 0: pos s02 = 0.5, negatives s01 = 0.1, s03 = -0.2.
    sim = torch.tensor([[1.0, 0.1, 0.5, -0.2],
                        [0.1, 1.0, 0.0, 0.3],
                        [0.5, 0.0, 1.0, 0.2],
                        [-0.2, 0.3, 0.2, 1.0]], dtype=torch.float64)
    masks = pair_masks(torch.tensor([0, 1, 0, 1]))
    expected = [
        -math.log(math.exp(0.5) / (math.exp(0.5) + math.exp(0.1) + math.exp(-0.2))),
        -math.log(math.exp(0.3) / (math.exp(0.3) + math.exp(0.1) + math.exp(0.0))),
        -math.log(math.exp(0.5) / (math.exp(0.5) + math.exp(0.0) + math.exp(0.2))),
        -math.log(math.exp(0.3) / (math.exp(0.3) + math.exp(-0.2) + math.exp(0.2))),
    ]
    per_anchor, valid = info_nce_per_anchor(sim, *masks, temperature=1.0)
    assert valid.all()
    torch.testing.assert_close(per_anchor, torch.tensor(expected, dtype=per_anchor.dtype))
    assert info_nce(sim, *masks, temperature=1.0).item() == pytest.approx(sum(expected) / 4, rel=1e-6)


@pytest.mark.parametrize("batch", [2, 5, 16])
def test_uniform_similarity_closed_form(batch):
    # All similarities equal: every anchor sees 1 positive among 2B-1 candidates -> log(2B - 1).
    ids = torch.cat([torch.arange(batch), torch.arange(batch)])
    sim = torch.full((2 * batch, 2 * batch), 0.3)
    for in_denom in (True, False):
        loss = info_nce(sim, *pair_masks(ids), temperature=0.07, positives_in_denominator=in_denom)
        assert loss.item() == pytest.approx(math.log(2 * batch - 1), rel=1e-5)


def test_nt_xent_matches_authors_cross_entropy_and_loop():
    b, tau = 6, 0.07
    sim = random_sim(2 * b, seed=0)
    ids = torch.cat([torch.arange(b), torch.arange(b)])
    masks = pair_masks(ids)
    ours = info_nce(sim, *masks, temperature=tau)
    # The SSL-FER/SimCLR formulation: drop the diagonal, put the positive first, CE with target 0.
    n = 2 * b
    partner = (torch.arange(n) + b) % n
    rows = []
    for i in range(n):
        others = [j for j in range(n) if j not in (i, int(partner[i]))]
        rows.append(torch.cat([sim[i, partner[i]].view(1), sim[i, others]]))
    ce = F.cross_entropy(torch.stack(rows) / tau, torch.zeros(n, dtype=torch.long))
    torch.testing.assert_close(ours, ce.to(ours.dtype))
    assert ours.item() == pytest.approx(naive_loss(sim, *masks, tau), rel=1e-6)


def test_tuple_batch_timeaug_hardneg_masks():
    # x = cat[A, NA, P, NP]: pairs (A_i, P_i) and (NA_i, NP_i); the same-clip NA_i is a negative of A_i.
    b, tau = 3, 0.1
    ids = torch.cat([torch.arange(b), b + torch.arange(b), torch.arange(b), b + torch.arange(b)])
    masks = pair_masks(ids)
    assert masks.neg_mask[0, b] and masks.pos_weight[0, 2 * b] == 1 and not masks.neg_mask[0, 0]
    sim = random_sim(4 * b, seed=1)
    for in_denom in (True, False):
        assert info_nce(sim, *masks, temperature=tau, positives_in_denominator=in_denom).item() == pytest.approx(
            naive_loss(sim, *masks, tau, pos_in_denom=in_denom), rel=1e-6)


def test_maskfn_top1_matches_authors_formula_and_loop():
    b, tau, lam = 5, 0.07, 0.8
    n = 2 * b
    sim = random_sim(n, seed=2)
    desc = random_sim(n, seed=3)
    ids = torch.cat([torch.arange(b), torch.arange(b)])
    base = pair_masks(ids)
    masks, fn = maskfn_masks(base, desc, fn_weight=lam)
    assert fn.sum(dim=1).eq(1).all()
    ours = info_nce(sim, *masks, temperature=tau, positives_in_denominator=False)
    # Authors: k = argmax of G over the negatives; L = CE([pos, neg\k]) + lam * CE([s_k, neg\k]).
    partner = (torch.arange(n) + b) % n
    terms = []
    for i in range(n):
        negs = [j for j in range(n) if j not in (i, int(partner[i]))]
        k = negs[int(torch.argmax(desc[i, negs]))]
        assert fn[i, k]
        rest = [j for j in negs if j != k]
        first = torch.cat([sim[i, partner[i]].view(1), sim[i, rest]]) / tau
        second = torch.cat([sim[i, k].view(1), sim[i, rest]]) / tau
        target = torch.zeros(1, dtype=torch.long)
        terms.append(F.cross_entropy(first[None], target) + lam * F.cross_entropy(second[None], target))
    torch.testing.assert_close(ours, torch.stack(terms).mean().to(ours.dtype))
    assert ours.item() == pytest.approx(naive_loss(sim, *masks, tau, pos_in_denom=False), rel=1e-6)
    # Re-weighting: differs from plain NT-Xent and from putting positives in each other's denominators.
    assert abs(ours.item() - info_nce(sim, *base, temperature=tau).item()) > 1e-3
    assert abs(ours.item() - info_nce(sim, *masks, temperature=tau, positives_in_denominator=True).item()) > 1e-3


def test_maskfn_threshold_and_exclude():
    b, tau = 4, 0.2
    n = 2 * b
    sim = random_sim(n, seed=4)
    desc = random_sim(n, seed=5, d=3)
    base = pair_masks(torch.cat([torch.arange(b), torch.arange(b)]))
    exclude = torch.zeros(n, n, dtype=torch.bool)
    exclude[:, 0] = True                       # sample 0 may never be flagged
    masks, fn = maskfn_masks(base, desc, fn_weight=0.5, threshold=0.3, exclude=exclude)
    expected_fn = base.neg_mask & (desc > 0.3) & ~exclude
    assert torch.equal(fn, expected_fn) and fn.any()
    assert not (masks.neg_mask & fn).any()
    assert torch.all(masks.pos_weight[fn] == 0.5)
    assert info_nce(sim, *masks, temperature=tau, positives_in_denominator=False).item() == pytest.approx(
        naive_loss(sim, *masks, tau, pos_in_denom=False), rel=1e-6)
    # Top-1 with exclude never chooses column 0.
    _, fn1 = maskfn_masks(base, desc, exclude=exclude)
    assert not fn1[:, 0].any()


def test_weighted_supcon_matches_supcontrast_formula_and_drops_lonely_rows():
    tau = 0.07
    labels = torch.tensor([0, 1, 0, 2, 1, 0, 3])          # label 2 and 3 appear once -> no positive
    n = len(labels)
    sim = random_sim(n, seed=6)
    weights = torch.where(labels == 1, 0.5, 1.0).double()
    masks = supcon_masks(labels)
    ours = info_nce(sim, *masks, temperature=tau, anchor_weight=weights)
    # SupContrast L_out: log_prob = s_ij - log sum_{k != i} exp(s_ik); -w_i * mean over positives.
    logits = sim / tau
    self_mask = torch.eye(n, dtype=torch.bool)
    log_prob = logits - logits.masked_fill(self_mask, float("-inf")).logsumexp(dim=1, keepdim=True)
    pos = (labels[:, None] == labels[None, :]) & ~self_mask
    has = pos.any(dim=1)
    per = -(log_prob * pos).sum(1)[has] / pos.sum(1)[has] * weights[has]
    torch.testing.assert_close(ours, per.mean().to(ours.dtype))
    assert ours.item() == pytest.approx(naive_loss(sim, *masks, tau, anchor_weight=weights), rel=1e-6)
    assert torch.isfinite(ours)


def test_no_positive_rows_give_finite_loss_and_gradients():
    sim = random_sim(4, seed=7).requires_grad_(True)
    masks = supcon_masks(torch.tensor([0, 1, 2, 3]))
    loss = info_nce(sim, *masks)
    loss.backward()
    assert loss.item() == 0.0 and torch.isfinite(sim.grad).all()
    z = torch.randn(6, 4, requires_grad=True)
    loss = info_nce(cosine_similarity_matrix(z), *supcon_masks(torch.tensor([0, 0, 1, 2, 3, 3])))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(z.grad).all() and z.grad.abs().sum() > 0


def test_clear_errors():
    sim = torch.zeros(4, 4)
    masks = pair_masks(torch.tensor([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="both a positive"):
        info_nce(sim, masks.pos_weight, torch.ones(4, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="same \\[N, M\\] shape"):
        info_nce(torch.zeros(3, 3), *masks)
    with pytest.raises(ValueError, match="exactly twice"):
        pair_masks(torch.tensor([0, 0, 0, 1]))
    with pytest.raises(TypeError, match="bool"):
        info_nce(sim, masks.pos_weight, masks.neg_mask.float())
    assert isinstance(masks, ContrastMasks)
