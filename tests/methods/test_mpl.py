"""The feedback coefficient (6): exact gradient dot product vs its first-order estimate, and its sign."""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from fer_lib.losses.semi import feedback_coefficient
from fer_lib.methods.mpl import feedback_coefficient_exact, gradient_dot, parameter_gradients


def _small_model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 4)).double()


def _both_estimates(model, x_l, y_l, x_u, y_hat, lr):
    """Do the student's SGD step on the pseudo-labels; return (exact f, first-order f)."""
    student = copy.deepcopy(model)
    loss_old = F.cross_entropy(student(x_l), y_l).detach()
    loss_u = F.cross_entropy(student(x_u), y_hat)
    grads_u = parameter_gradients(student, loss_u)
    with torch.no_grad():
        for p, g in zip(student.parameters(), grads_u):
            p -= lr * g
        loss_new = F.cross_entropy(student(x_l), y_l)
    exact = feedback_coefficient_exact(student, x_l, y_l, grads_u, lr)
    return exact.item(), feedback_coefficient(loss_old, loss_new).item()


def _data(seed=1, n=12):
    g = torch.Generator().manual_seed(seed)
    x_l = torch.randn(n, 6, generator=g, dtype=torch.float64)
    y_l = torch.randint(0, 4, (n,), generator=g)
    x_u = torch.randn(n, 6, generator=g, dtype=torch.float64)
    y_hat = torch.randint(0, 4, (n,), generator=g)
    return x_l, y_l, x_u, y_hat


def test_exact_and_first_order_agree_to_first_order():
    model = _small_model()
    x_l, y_l, x_u, y_hat = _data()
    errors = []
    for lr in (1e-2, 1e-3):
        exact, first = _both_estimates(model, x_l, y_l, x_u, y_hat, lr)
        assert abs(exact) > 0
        errors.append(abs(exact - first))
        assert abs(exact - first) < 0.05 * abs(exact) + 1e-12
    # the gap is O(lr^2): ten times smaller lr -> about a hundred times smaller gap
    assert 50 < errors[0] / errors[1] < 200


def test_helpful_pseudo_label_gets_positive_feedback():
    model = _small_model(2)
    x_l, y_l, _, _ = _data(3)
    # pseudo-labels = the true labels on the labelled images: the step helps, f > 0 both ways
    exact, first = _both_estimates(model, x_l, y_l, x_l, y_l, 1e-2)
    assert exact > 0 and first > 0
    # every pseudo-label wrong: the step hurts the labelled loss, f < 0 both ways
    exact, first = _both_estimates(model, x_l, y_l, x_l, (y_l + 1) % 4, 1e-2)
    assert exact < 0 and first < 0
    # the MPL-code convention flips the sign
    student = copy.deepcopy(model)
    grads = parameter_gradients(student, F.cross_entropy(student(x_l), y_l))
    assert feedback_coefficient_exact(student, x_l, y_l, grads, 1e-2, mpl_code_sign=True).item() < 0


def test_exact_matches_closed_form_for_softmax_regression():
    """Linear model W x with W = 0, one sample: everything is hand-computable."""
    k, lr = 3, 0.1
    x = torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    y, y_hat = torch.tensor([0]), torch.tensor([2])
    model = nn.Linear(2, k, bias=False).double()
    nn.init.zeros_(model.weight)
    grads = parameter_gradients(model, F.cross_entropy(model(x), y_hat))
    with torch.no_grad():
        model.weight -= lr * grads[0]
    got = feedback_coefficient_exact(model, x, y, grads, lr).item()
    # reference: p = uniform; g_u = (p - e_yhat) x^T; W' = -lr g_u; p' = softmax(W' x); g_l' = (p' - e_y) x^T
    xn = np.array([1.0, -2.0]); p = np.full(k, 1 / k)
    g_u = np.outer(p - np.eye(k)[2], xn)
    z = (-lr * g_u) @ xn; p_new = np.exp(z) / np.exp(z).sum()
    g_l = np.outer(p_new - np.eye(k)[0], xn)
    assert got == pytest.approx(lr * (g_l * g_u).sum(), rel=1e-10)
    assert got < 0  # a wrong pseudo-label (2 instead of 0) gets negative feedback


def test_parameter_gradients_leave_grad_untouched_and_dot_checks_shapes():
    model = _small_model()
    x_l, y_l, _, _ = _data()
    grads = parameter_gradients(model, F.cross_entropy(model(x_l), y_l))
    assert all(p.grad is None for p in model.parameters())
    assert gradient_dot(grads, grads).item() == pytest.approx(sum((g * g).sum().item() for g in grads))
    with pytest.raises(ValueError, match="differ"):
        gradient_dot(grads, grads[:-1])
