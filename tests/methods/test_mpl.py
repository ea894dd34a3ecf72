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


def _optimize_like_the_engine(optimizers):
    done = []

    def optimize(name, loss, retain_graph=False):
        opt = optimizers[name]
        opt.zero_grad(set_to_none=True)
        loss.backward(retain_graph=retain_graph)
        opt.step()
        done.append(name)
        return loss.item()

    optimize.done = done
    return optimize


def _classifier(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 5))


def _batch(seed=0, b=6, u=2):
    g = torch.Generator().manual_seed(seed)
    return {"image": torch.randint(0, 256, (b, 3, 8, 8), generator=g, dtype=torch.uint8),
            "expression": torch.randint(0, 5, (b,), generator=g),
            "unlabelled": torch.randint(0, 256, (b, u, 3, 8, 8), generator=g, dtype=torch.uint8),
            "unlabelled_expression": torch.randint(0, 5, (b, u), generator=g)}


def test_teacher_student_step_orders_optimisers_and_feedback_estimates_agree():
    from fer_lib.methods.mpl import TeacherStudent

    teacher, student = _classifier(0), _classifier(1)
    opts = {"student": torch.optim.SGD(student.parameters(), lr=1e-3),
            "teacher": torch.optim.SGD(teacher.parameters(), lr=1e-2)}
    method = TeacherStudent(teacher, student, num_classes=5, exact_feedback=True, student_optimizer=opts["student"])
    before = [p.detach().clone() for p in method.parameters()]
    optimize = _optimize_like_the_engine(opts)
    loss, logs = method.training_step(_batch(), optimize)
    assert optimize.done == ["student", "teacher"]
    assert all(not torch.equal(a, b) for a, b in zip(before, method.parameters()))
    assert torch.isfinite(loss)
    # the student was stepped before f was measured: the two estimates of (6) agree for a small SGD lr
    assert logs["f_exact"] == pytest.approx(logs["f_first_order"], rel=0.05, abs=1e-7)
    assert sum(logs[f"pl_frac/{k}"] for k in range(5)) == pytest.approx(1.0)
    assert 0.0 <= logs["pl_acc"] <= 1.0 and {"loss_u", "loss_s", "loss_c", "loss_f"} <= set(logs)


def test_feedback_off_is_plain_pseudo_labelling_and_exact_needs_the_optimizer():
    from fer_lib.methods.mpl import TeacherStudent, pseudo_label_logs

    teacher, student = _classifier(0), _classifier(1)
    opts = {"student": torch.optim.SGD(student.parameters(), lr=1e-3),
            "teacher": torch.optim.SGD(teacher.parameters(), lr=1e-2)}
    method = TeacherStudent(teacher, student, num_classes=5, feedback_weight=0.0)
    _, logs = method.training_step(_batch(), _optimize_like_the_engine(opts))
    assert "loss_f" not in logs and "f_first_order" not in logs
    with pytest.raises(ValueError, match="student_optimizer"):
        TeacherStudent(teacher, student, num_classes=5, exact_feedback=True)
    logs = pseudo_label_logs(torch.tensor([0, 0, 2, 1]), torch.tensor([0, 1, 2, 1]), 3)
    assert logs == {"pl_frac/0": 0.5, "pl_frac/1": 0.25, "pl_frac/2": 0.25, "pl_acc": 0.75,
                    "pl_true/0": 1.0, "pl_true/1": 2.0, "pl_true/2": 1.0, "pl_hit/0": 1.0, "pl_hit/1": 1.0, "pl_hit/2": 1.0}


def test_feedback_check_leaves_model_and_agrees():
    from fer_lib.methods.mpl import feedback_check

    model = _small_model(4)
    before = [p.detach().clone() for p in model.parameters()]
    x_l, y_l, x_u, y_hat = _data(5)
    out = feedback_check(model, x_l, y_l, x_u, y_hat, 1e-3)
    exact, first = _both_estimates(model, x_l, y_l, x_u, y_hat, 1e-3)
    assert out["exact"] == pytest.approx(exact, rel=1e-9) and out["first_order"] == pytest.approx(first, rel=1e-9)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


# --- BatchNorm: l_old and l_new must be one function (issue 18, bug 1) ---

def _bn_classifier(seed, k=5):
    """A small BatchNorm ResNet of the library (the chapter's kind of model) + a linear head."""
    from fer_lib.models.resnet import ResNetBackbone

    torch.manual_seed(seed)
    backbone = ResNetBackbone(depth=10, width=8, stem_stride=2)
    return nn.Sequential(backbone, nn.Linear(backbone.feature_dim, k))


def _bn_batch(seed=0, b=6, u=2, size=16):
    g = torch.Generator().manual_seed(seed)
    return {"image": torch.randint(0, 256, (b, 3, size, size), generator=g, dtype=torch.uint8),
            "expression": torch.randint(0, 5, (b,), generator=g),
            "unlabelled": torch.randint(0, 256, (b, u, 3, size, size), generator=g, dtype=torch.uint8)}


def _teacher_student(student_lr, feedback_weight=1.0, **kwargs):
    from fer_lib.methods.mpl import TeacherStudent

    teacher, student = _bn_classifier(0), _bn_classifier(1)
    opts = {"student": torch.optim.SGD(student.parameters(), lr=student_lr),
            "teacher": torch.optim.SGD(teacher.parameters(), lr=1e-2)}
    method = TeacherStudent(teacher, student, num_classes=5, feedback_weight=feedback_weight, **kwargs).train()
    return method, _optimize_like_the_engine(opts)


def test_zero_student_step_gives_zero_feedback_in_train_mode_with_batchnorm():
    method, optimize = _teacher_student(student_lr=0.0)
    for seed in range(4):
        _, logs = method.training_step(_bn_batch(seed), optimize)
        # the student did not move, so its labelled loss did not change: f = 0 up to float rounding
        assert abs(logs["f_first_order"]) < 1e-6
        # the MPL code's l_old (labelled rows of the mixed training forward) sees other BatchNorm statistics
        assert abs(logs["f_first_order_mixed"]) > 1e-3


def test_mpl_code_old_loss_is_the_named_variant():
    method, optimize = _teacher_student(student_lr=0.0, old_loss_from_mixed_batch=True)
    _, logs = method.training_step(_bn_batch(0), optimize)
    assert logs["f_first_order"] == logs["f_first_order_mixed"] and abs(logs["f_first_order"]) > 1e-3


def test_measuring_feedback_leaves_batchnorm_running_statistics_alone():
    """The student's running statistics after a step are those of its training forward only: the same with
    the feedback measured (three more train-mode forwards) as without it."""
    states = []
    for feedback_weight in (0.0, 1.0):
        method, optimize = _teacher_student(student_lr=1e-2, feedback_weight=feedback_weight, seed=3)
        method.training_step(_bn_batch(1), optimize)
        states.append(method.student.state_dict())
    for name, value in states[0].items():
        assert torch.equal(value, states[1][name]), name


def _reference_train_mode_check(model, x_l, y_l, x_u, y_hat, lr):
    """Slow reference for feedback_check: one plain SGD step as the method takes it, BatchNorm in train mode."""
    m = copy.deepcopy(model).train()
    params = list(m.parameters())
    with torch.no_grad():
        loss_old = F.cross_entropy(m(x_l), y_l)
    loss_u = F.cross_entropy(m(torch.cat([x_l, x_u]))[len(x_l):], y_hat)  # the student's mixed training forward
    g_u = torch.autograd.grad(loss_u, params)
    with torch.no_grad():
        for p, g in zip(params, g_u):
            p -= lr * g
        loss_new = F.cross_entropy(m(x_l), y_l)
    g_l = torch.autograd.grad(F.cross_entropy(m(x_l), y_l), params)
    exact = lr * sum((a.double() * b.double()).sum() for a, b in zip(g_l, g_u))
    return exact.item(), (loss_old - loss_new).item()


def _bn_images(seed, n, k=5, size=16):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=g) * 2 - 1, torch.randint(0, k, (n,), generator=g)


def test_feedback_check_runs_in_the_training_configuration():
    from fer_lib.methods.mpl import feedback_check

    model = _bn_classifier(2)
    x_l, y_l = _bn_images(0, 8)
    x_u, y_hat = _bn_images(1, 8)
    before = copy.deepcopy(model.state_dict())
    out = feedback_check(model, x_l, y_l, x_u, y_hat, 1e-2)
    exact, first = _reference_train_mode_check(model, x_l, y_l, x_u, y_hat, 1e-2)
    assert out["exact"] == pytest.approx(exact, rel=1e-4) and out["first_order"] == pytest.approx(first, rel=1e-3)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())  # the model is untouched
    zero = feedback_check(model, x_l, y_l, x_u, y_hat, 0.0)
    assert zero["exact"] == 0.0 and abs(zero["first_order"]) < 1e-6 and abs(zero["first_order_mixed"]) > 1e-3
    # in train mode the two estimates of (6) agree to first order (float64: this ResNet is curved, so the
    # first-order regime starts below eta_S ~ 1e-4); the MPL code's estimate keeps its offset
    model, x_l, x_u = model.double(), x_l.double(), x_u.double()
    gaps = []
    for lr in (1e-5, 1e-6):
        out = feedback_check(model, x_l, y_l, x_u, y_hat, lr)
        assert out["first_order"] == pytest.approx(out["exact"], rel=2e-3)
        assert abs(out["first_order_mixed"] - out["exact"]) > 1e-3
        gaps.append(abs(out["first_order"] - out["exact"]))
    assert 30 < gaps[0] / gaps[1] < 300  # the gap is O(eta_S^2)


@pytest.mark.parametrize("helpful", [True, False])
def test_feedback_sign_when_the_step_clearly_lowers_or_raises_the_labelled_loss(helpful):
    """Hand-made case: the student's "unlabelled" images are its labelled ones, with their true labels (the
    step must lower the labelled loss: f > 0) or every label shifted by one (it must raise it: f < 0)."""
    from fer_lib.methods.mpl import labelled_loss, student_step

    x_l, y_l = _bn_images(3, 10)
    y_hat = y_l if helpful else (y_l + 1) % 5
    signs = []
    for mpl_code_sign in (False, True):
        student = _bn_classifier(4).train()
        optimizer = torch.optim.SGD(student.parameters(), lr=0.05)
        optimize = _optimize_like_the_engine({"student": optimizer})
        loss_before = labelled_loss(student, x_l, y_l).item()
        _, f, logs = student_step(student, x_l, y_l, x_l, y_hat, optimize, student_lr=0.05,
                                  mpl_code_sign=mpl_code_sign)
        change = labelled_loss(student, x_l, y_l).item() - loss_before
        assert (change < -1e-3) if helpful else (change > 1e-3)  # the step really moved the labelled loss
        assert logs["f_first_order"] == pytest.approx(-change if not mpl_code_sign else change, rel=1e-5)
        assert f.item() == logs["f_exact"]
        signs.append((np.sign(logs["f_first_order"]), np.sign(logs["f_exact"])))
    expected = 1 if helpful else -1
    assert signs == [(expected, expected), (-expected, -expected)]
