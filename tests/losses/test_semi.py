"""Semi-supervised losses (formulas (1)-(6)) against slow loops written from the formulas and closed forms."""

import math

import numpy as np
import pytest
import torch

from fer_lib.losses.semi import (consistency_ce, feedback_coefficient, feedback_loss, hard_pseudo_labels,
                                 pseudo_label_ce, soft_targets)


def _slow_ce(logits, labels):
    out = []
    for row, y in zip(logits.tolist(), labels.tolist()):
        z = max(row)
        lse = z + math.log(sum(math.exp(v - z) for v in row))
        out.append(lse - row[y])
    return out


def test_pseudo_label_ce_matches_loop_and_mask():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 8, generator=g, dtype=torch.float64)
    labels = torch.tensor([0, 7, 3, 3, 1, 5])
    per = _slow_ce(logits, labels)
    assert pseudo_label_ce(logits, labels).item() == pytest.approx(sum(per) / 6, rel=1e-12)
    mask = torch.tensor([1, 0, 1, 0, 0, 1], dtype=torch.bool)
    # masked sum divided by B (not by the number kept), as FixMatch/MPL
    assert pseudo_label_ce(logits, labels, mask).item() == pytest.approx((per[0] + per[2] + per[5]) / 6, rel=1e-12)


def test_pseudo_label_ce_closed_form_uniform_logits():
    logits = torch.zeros(4, 8)
    assert pseudo_label_ce(logits, torch.tensor([0, 1, 2, 7])).item() == pytest.approx(math.log(8), rel=1e-6)


def test_pseudo_label_ce_rejects_bad_labels():
    with pytest.raises(ValueError, match="labels outside"):
        pseudo_label_ce(torch.zeros(2, 3), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"\[B, K\]"):
        pseudo_label_ce(torch.zeros(2, 3, 1), torch.tensor([0, 1]))


def test_consistency_ce_matches_loop_and_is_detached():
    g = torch.Generator().manual_seed(1)
    weak = torch.randn(5, 4, generator=g, dtype=torch.float64, requires_grad=True)
    strong = torch.randn(5, 4, generator=g, dtype=torch.float64, requires_grad=True)
    t = 0.7
    expected = 0.0
    for w_row, s_row in zip(weak.tolist(), strong.tolist()):
        q = np.exp(np.array(w_row) / t); q /= q.sum()
        logp = np.array(s_row) - np.log(np.exp(np.array(s_row)).sum())
        expected += -(q * logp).sum()
    got = consistency_ce(weak, strong, temperature=t)
    assert got.item() == pytest.approx(expected / 5, rel=1e-6)
    got.backward()
    assert weak.grad is None and strong.grad is not None


def test_consistency_ce_threshold_masks_unconfident_rows():
    weak = torch.tensor([[10.0, 0.0], [0.0, 0.0]])  # confident, then 50/50
    strong = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
    # only row 0 passes threshold 0.9: its CE against uniform logits is log 2; divided by B = 2
    assert consistency_ce(weak, strong, threshold=0.9).item() == pytest.approx(math.log(2) / 2, rel=1e-5)
    assert consistency_ce(weak, strong).item() == pytest.approx(math.log(2), rel=1e-5)


def test_soft_targets_and_hard_labels():
    logits = torch.tensor([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    q = soft_targets(logits, 0.5)
    assert torch.allclose(q, torch.softmax(logits * 2, dim=1))
    assert hard_pseudo_labels(logits).tolist() == [1, 2]
    with pytest.raises(ValueError, match="temperature"):
        soft_targets(logits, 0.0)


def test_feedback_coefficient_sign_conventions():
    old, new = torch.tensor(1.0), torch.tensor(0.75)  # the step lowered the labelled loss: it helped
    assert feedback_coefficient(old, new).item() == pytest.approx(0.25)
    assert feedback_coefficient(old, new, mpl_code_sign=True).item() == pytest.approx(-0.25)
    with pytest.raises(ValueError, match="scalar"):
        feedback_coefficient(torch.ones(2), torch.ones(2))


def test_feedback_loss_value_and_direction():
    logits = torch.tensor([[0.5, 0.0, -0.5]], requires_grad=True)
    y_hat = torch.tensor([1])
    ce = _slow_ce(logits.detach(), y_hat)[0]
    assert feedback_loss(logits, y_hat, 2.0).item() == pytest.approx(2.0 * ce, rel=1e-6)
    # f > 0: a descent step raises the teacher's probability of y_hat; f < 0 lowers it
    for f, sign in ((0.3, 1), (-0.3, -1)):
        x = logits.detach().clone().requires_grad_(True)
        feedback_loss(x, y_hat, f).backward()
        p_before = torch.softmax(x.detach(), 1)[0, 1]
        p_after = torch.softmax(x.detach() - 0.5 * x.grad, 1)[0, 1]
        assert sign * (p_after - p_before).item() > 0
    # the coefficient is a constant: no gradient flows into it
    f = torch.tensor(0.5, requires_grad=True)
    feedback_loss(logits, y_hat, f).backward()
    assert f.grad is None
