"""Teacher-student semi-supervised pretraining with debiased feedback (ABAW6, Yu et al. 2024, section 3.3).

The student learns from the teacher's hard pseudo-labels on unlabelled face-recognition images (L_u, (1));
the teacher learns from class-balanced labelled FER data (L_s, (3)), a consistency loss between an
unlabelled image and its strong augmentation (L_c, (4)) and the feedback loss L_f = f * CE(y_hat, T(x)) (5),
where f (6) measures whether the student's pseudo-label step helped its labelled loss. The losses are the
pure functions of ``fer_lib.losses.semi``; this file holds what needs the models: the exact gradient dot
product of (6) and the two-optimiser step.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def parameter_gradients(model: nn.Module, loss: torch.Tensor, retain_graph: bool = False) -> list[torch.Tensor]:
    """d loss / d p for each trainable parameter p of ``model`` (zeros for unused ones), detached.

    Does not touch ``p.grad``: the engine's backward stays the only writer of ``.grad``.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    grads = torch.autograd.grad(loss, params, retain_graph=retain_graph, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g.detach() for p, g in zip(params, grads)]


def gradient_dot(grads_a: list[torch.Tensor], grads_b: list[torch.Tensor]) -> torch.Tensor:
    """Sum over parameters of <a_p, b_p>: the dot product of two flattened parameter gradients."""
    if len(grads_a) != len(grads_b):
        raise ValueError(f"gradient lists differ in length: {len(grads_a)} vs {len(grads_b)}")
    total = torch.zeros((), dtype=torch.float64, device=grads_a[0].device if grads_a else None)
    for a, b in zip(grads_a, grads_b):
        if a.shape != b.shape:
            raise ValueError(f"gradient shapes differ: {tuple(a.shape)} vs {tuple(b.shape)}")
        total = total + (a.double() * b.double()).sum()
    return total


def feedback_coefficient_exact(student_new: nn.Module, images_labelled: torch.Tensor, labels: torch.Tensor,
                               grads_pseudo_old: list[torch.Tensor], student_lr: float,
                               mpl_code_sign: bool = False) -> torch.Tensor:
    """Formula (6) exactly: f = eta_S * grad CE(y, S'(x_l))^T grad CE(y_hat, S(x_u)).

    student_new: the student after its step (theta_t+1); images_labelled: [B, C, H, W] (or [B, D]);
    labels: [B] int64; grads_pseudo_old: the old student's gradients of L_u (from
    :func:`parameter_gradients` before the step), in ``student_new.parameters()`` order; student_lr:
    eta_S. Returns a float64 scalar, positive when the two gradients agree (the pseudo-label step helped
    the labelled loss to first order; see ``fer_lib.losses.semi`` for the sign). ``mpl_code_sign=True``
    negates it, matching the sign of MPL-pytorch's ``l_new - l_old``.
    """
    loss_new = F.cross_entropy(student_new(images_labelled), labels)
    grads_labelled_new = parameter_gradients(student_new, loss_new)
    f = student_lr * gradient_dot(grads_labelled_new, grads_pseudo_old)
    return -f if mpl_code_sign else f
