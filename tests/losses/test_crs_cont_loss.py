"""CRS-CONT loss vs hand-computed values and a naive per-anchor loop written from the formula."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from fer_lib.losses.crs_cont import crs_cont_loss, group_weights, softmax_instance_contrast, weighted_supcon


def _loop_supcon(z, labels, weight=None, tau=0.07):
    """-w_{y_i}/|P(i)| sum_p log(exp(s_ip) / sum_{a != i} exp(s_ia)), averaged over anchors with a positive."""
    z = F.normalize(z.double(), dim=1)
    n = len(z)
    total, count = 0.0, 0
    for i in range(n):
        others = [a for a in range(n) if a != i]
        pos = [p for p in others if labels[p] == labels[i]]
        if not pos:
            continue
        denom = sum(math.exp(float(z[i] @ z[a]) / tau) for a in others)
        li = -sum(math.log(math.exp(float(z[i] @ z[p]) / tau) / denom) for p in pos) / len(pos)
        total += (1.0 if weight is None else float(weight[labels[i]])) * li
        count += 1
    return total / count


def test_hand_computed_two_groups_with_and_without_weights():
    # B = 2 images of groups 0 and 1, both views identical: rows [e1, e2, e1, e2], labels [0, 1, 0, 1].
    z = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    labels = torch.tensor([0, 1, 0, 1])
    # every anchor: one positive at s = 1, two negatives at s = 0 -> l = -log(e / (e + 2)) (tau = 1)
    l = math.log(1 + 2 / math.e)
    assert weighted_supcon(z, labels, None, temperature=1.0, base_temperature=1.0).item() == pytest.approx(l)
    w = torch.tensor([1.0, 0.5])
    assert weighted_supcon(z, labels, w, 1.0, 1.0).item() == pytest.approx((l + 0.5 * l + l + 0.5 * l) / 4)


def test_hand_computed_one_group_mean_over_positives():
    # all four rows in one group: anchor 0 has positives with s = 0, 1, 0 and denominator e + 2
    z = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    labels = torch.zeros(4, dtype=torch.long)
    expected = math.log(math.e + 2) - 1 / 3
    assert weighted_supcon(z, labels, None, 1.0, 1.0).item() == pytest.approx(expected)
    # tau / base_tau scales the loss (SupContrast)
    assert weighted_supcon(z, labels, None, 1.0, 2.0).item() == pytest.approx(expected / 2)


@pytest.mark.parametrize("weighted", [False, True])
def test_supcon_matches_loop(weighted):
    g = torch.Generator().manual_seed(0)
    z = torch.randn(12, 5, generator=g)
    labels = torch.randint(0, 4, (6,), generator=g).repeat(2)
    w = group_weights({"negative": 0.5, "surprise": 2.0}) if weighted else None
    got = weighted_supcon(z, labels, w, temperature=0.5, base_temperature=0.5).item()
    assert got == pytest.approx(_loop_supcon(z, labels, w, 0.5), rel=1e-5)
    if weighted:
        assert got != pytest.approx(_loop_supcon(z, labels, None, 0.5), rel=1e-3)


def test_group_weights_order_and_unknown():
    torch.testing.assert_close(group_weights({"negative": 0.5}), torch.tensor([1.0, 0.5, 1.0, 1.0]))
    with pytest.raises(KeyError, match="unknown group"):
        group_weights({"angry": 0.5})


def test_softmax_instance_contrast_matches_nt_xent_loop():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(8, 4, generator=g)
    p = F.normalize(F.softmax(logits.double(), dim=1), dim=1)
    tau, b = 0.2, 4
    total = 0.0
    for i in range(2 * b):
        partner = (i + b) % (2 * b)
        s = [float(p[i] @ p[a]) / tau for a in range(2 * b) if a != i]
        total += -(float(p[i] @ p[partner]) / tau - math.log(sum(math.exp(v) for v in s)))
    assert softmax_instance_contrast(logits, tau).item() == pytest.approx(total / (2 * b), rel=1e-5)
    with pytest.raises(ValueError, match="two views"):
        softmax_instance_contrast(logits[:7])


def test_full_loss_is_the_weighted_sum_of_its_terms():
    g = torch.Generator().manual_seed(2)
    z = torch.randn(10, 6, generator=g, requires_grad=True)
    logits = torch.randn(10, 4, generator=g, requires_grad=True)
    coarse = torch.randint(0, 4, (5,), generator=g)
    w = group_weights({"negative": 0.5})
    loss, parts = crs_cont_loss(z, logits, coarse, w, temperature=0.07)
    assert parts["supcon"].item() == pytest.approx(_loop_supcon(z.detach(), coarse.repeat(2), w, 0.07), rel=1e-5)
    assert parts["ce"].item() == pytest.approx(F.cross_entropy(logits[:5], coarse).item(), rel=1e-6)
    assert parts["instance"].item() == pytest.approx(softmax_instance_contrast(logits, 0.07).item(), rel=1e-6)
    assert loss.item() == pytest.approx((parts["supcon"] + parts["ce"] + 0.4 * parts["instance"]).item(), rel=1e-6)
    loss.backward()
    assert torch.isfinite(z.grad).all() and z.grad.abs().sum() > 0 and logits.grad.abs().sum() > 0
    both, parts2 = crs_cont_loss(z, logits, coarse, w, ce_on_both_views=True, instance_weight=0.0)
    assert parts2["ce"].item() == pytest.approx(F.cross_entropy(logits, coarse.repeat(2)).item(), rel=1e-6)
    assert parts2["instance"].item() == 0.0
    assert both.item() == pytest.approx((parts2["supcon"] + parts2["ce"]).item(), rel=1e-6)


def test_image_ids_as_labels_give_nt_xent():
    """With unique ids per image, the weighted SupCon term is SimCLR's NT-Xent (other view = only positive)."""
    g = torch.Generator().manual_seed(4)
    z = torch.randn(8, 3, generator=g)
    ids = torch.arange(4)
    loss, parts = crs_cont_loss(z, torch.zeros(8, 4), ids, None, temperature=0.3, instance_weight=0.0,
                                ce_weight=0.0)
    assert parts["ce"].item() == 0.0
    assert loss.item() == pytest.approx(_loop_supcon(z, ids.repeat(2), None, 0.3), rel=1e-5)
    # NT-Xent as a cross-entropy over [other view, all non-self] (torch reference)
    zn = F.normalize(z, dim=1)
    sim = (zn @ zn.T / 0.3).masked_fill(torch.eye(8, dtype=torch.bool), float("-inf"))
    target = torch.cat([torch.arange(4, 8), torch.arange(0, 4)])
    assert loss.item() == pytest.approx(F.cross_entropy(sim, target).item(), rel=1e-5)
