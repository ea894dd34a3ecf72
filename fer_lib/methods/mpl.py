"""Teacher-student semi-supervised pretraining with debiased feedback (ABAW6, Yu et al. 2024, section 3.3).

The student learns from the teacher's hard pseudo-labels on unlabelled face-recognition images (L_u, (1));
the teacher learns from class-balanced labelled FER data (L_s, (3)), a consistency loss between an
unlabelled image and its strong augmentation (L_c, (4)) and the feedback loss L_f = f * CE(y_hat, T(x)) (5),
where f (6) measures whether the student's pseudo-label step helped its labelled loss. The losses are the
pure functions of ``fer_lib.losses.semi``; this file holds what needs the models: the exact gradient dot
product of (6), the student's step with its feedback (:func:`student_step`, shared by the method and by
:func:`feedback_check`) and the two-optimiser step.

BatchNorm and f: in train mode a BatchNorm model's output for an image depends on the other images of the
forward pass. The student's labelled loss l(theta) of (6) must therefore be one function, evaluated at theta
and theta' on the same batch composition, or f is biased (a step of size 0 would give f != 0). Both losses
here come from a forward of the labelled images alone, in train mode (:func:`labelled_loss`); measurement
forwards leave the BatchNorm running statistics as they found them (:func:`buffers_kept`).

Data-parallel (torchrun, :mod:`fer_lib.engine.distributed`): the engine averages each optimiser's gradients
over processes; f is the global batch's too: both labelled losses (and, for the exact f, both gradients) are
averaged over processes before f is formed, so every process steps its teacher with the same f, the value one
process would compute from the whole batch (up to BatchNorm, whose statistics stay per process). The
pseudo-label logs count the whole batch and the logged losses are their means over processes.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fer_lib.augment.weak_strong import strong_augment, weak_augment
from fer_lib.engine import distributed as ddp
from fer_lib.losses.semi import (consistency_ce, feedback_coefficient, feedback_loss, hard_pseudo_labels,
                                 pseudo_label_ce)


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


def at_least_float32(logits: torch.Tensor) -> torch.Tensor:
    """Logits in float32 or wider: bf16/fp16 (autocast) are upcast for the loss, float64 is kept."""
    return logits.to(torch.promote_types(logits.dtype, torch.float32))


@contextmanager
def buffers_kept(model: nn.Module):
    """Restores every buffer of ``model`` (BatchNorm running mean/var, batch counter) on exit.

    For forwards that only measure (f's labelled losses and gradients): in train mode they would otherwise
    move the running statistics that the evaluation uses, and more so the more often f is measured.
    """
    saved = [b.detach().clone() for b in model.buffers()]
    try:
        yield model
    finally:
        with torch.no_grad():
            for buffer, value in zip(model.buffers(), saved):
                buffer.copy_(value)


def labelled_loss(student: nn.Module, images_labelled: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """l(theta) = CE(y, S(x_l)) over the labelled images alone, in the student's current mode, no gradient.

    images_labelled: [B, C, H, W] (or [B, D]); labels: [B] int64. Returns a float32 scalar. In train mode
    BatchNorm normalises with the statistics of x_l alone, the same before and after the student's step;
    the running statistics are left untouched. (A student with dropout would draw a new mask in each call:
    the ResNets of this library have none.)
    """
    with torch.no_grad(), buffers_kept(student):
        return F.cross_entropy(at_least_float32(student(images_labelled)), labels)


def feedback_coefficient_exact(student_new: nn.Module, images_labelled: torch.Tensor, labels: torch.Tensor,
                               grads_pseudo_old: list[torch.Tensor], student_lr: float,
                               mpl_code_sign: bool = False) -> torch.Tensor:
    """Formula (6) exactly: f = eta_S * grad CE(y, S'(x_l))^T grad CE(y_hat, S(x_u)).

    student_new: the student after its step (theta_t+1); images_labelled: [B, C, H, W] (or [B, D]);
    labels: [B] int64; grads_pseudo_old: the old student's gradients of L_u (from
    :func:`parameter_gradients` before the step), in ``student_new.parameters()`` order; student_lr:
    eta_S. Returns a float64 scalar, positive when the two gradients agree (the pseudo-label step helped
    the labelled loss to first order; see ``fer_lib.losses.semi`` for the sign); under DDP the labelled
    gradient is averaged over processes (pass ``grads_pseudo_old`` averaged too). ``mpl_code_sign=True``
    negates it, matching the sign of MPL-pytorch's ``l_new - l_old``. The labelled gradient is taken in the
    student's current mode over x_l alone, as :func:`labelled_loss`, with the buffers kept.
    """
    with buffers_kept(student_new):
        loss_new = F.cross_entropy(at_least_float32(student_new(images_labelled)), labels)
        grads_labelled_new = parameter_gradients(student_new, loss_new)
    ddp.all_reduce_mean_(grads_labelled_new)   # the global batch's gradient (grads_pseudo_old: the caller's)
    f = student_lr * gradient_dot(grads_labelled_new, grads_pseudo_old)
    return -f if mpl_code_sign else f


def student_step(student: nn.Module, images_labelled: torch.Tensor, labels: torch.Tensor,
                 images_unlabelled: torch.Tensor, pseudo_labels: torch.Tensor, optimize, feedback: bool = True,
                 student_lr: float | None = None, mpl_code_sign: bool = False,
                 old_loss_from_mixed_batch: bool = False) -> tuple[torch.Tensor, torch.Tensor | None, dict[str, float]]:
    """The student's half of a teacher-student step: L_u (1), ``optimize("student", L_u)``, then f (6).

    images_labelled: [B, C, H, W]; labels: [B]; images_unlabelled: [BU, C, H, W] (the strong views);
    pseudo_labels: [BU] int64 (the teacher's y_hat); optimize: the engine's step (or any callable
    ``optimize(name, loss, retain_graph=False)``). The student's training forward runs on
    cat(x_l, x_u), as MPL's, so its BatchNorm sees both kinds of images; only its x_u rows enter L_u.
    With ``feedback``: f = l_old - l_new (paper's sign; ``mpl_code_sign`` flips it), with
    l = :func:`labelled_loss` before and after the step: the same images alone, same mode, so a zero step
    gives f = 0 exactly. With ``student_lr`` (eta_S) f is the exact gradient dot product of (6) instead
    (valid for a plain SGD step), and the first-order value is logged beside it.

    old_loss_from_mixed_batch: the paper's (6) has one labelled loss at theta and theta'. MPL-pytorch
    (``main.py`` train_loop) and the official MPL code take l_old from the x_l rows of the student's
    training forward on cat(x_l, x_us) but l_new from a forward on x_l alone, both in train mode: the two
    see different BatchNorm statistics, so f carries an offset that does not depend on the step (with a
    zero step, on the chapter's ResNet-10 after its teacher-student phase: +0.041 +- 0.031 over 20 batches,
    against exactly 0 here). ``True`` reproduces that code.
    Either way ``f_first_order_mixed`` logs the code's value, for comparison. Under DDP the labelled losses
    and L_u's gradient are averaged over processes first: f is the global batch's, the same in every process.

    Returns (L_u, f as a detached scalar or None without feedback, logs).
    """
    # l_old before the training forward: buffers_kept restores BatchNorm buffers in place, which after that
    # forward would invalidate the running statistics its backward has saved
    loss_old = labelled_loss(student, images_labelled, labels) if feedback else None
    b = images_labelled.shape[0]
    logits = at_least_float32(student(torch.cat([images_labelled, images_unlabelled])))  # [B + BU, K]
    logits_l, logits_u = logits.split([b, images_unlabelled.shape[0]])
    loss_u = pseudo_label_ce(logits_u, pseudo_labels)  # (1)
    logs = {"loss_u": loss_u.item()}
    if not feedback:
        optimize("student", loss_u)
        return loss_u, None, logs
    loss_old_mixed = F.cross_entropy(logits_l.detach(), labels)
    grads_u = parameter_gradients(student, loss_u, retain_graph=True) if student_lr is not None else None
    optimize("student", loss_u)
    # the global batch's losses (and gradient) under DDP: every process then forms the same f
    losses = torch.stack([loss_old, labelled_loss(student, images_labelled, labels), loss_old_mixed])
    ddp.all_reduce_mean_([losses, *(grads_u or [])])
    loss_old, loss_new, loss_old_mixed = losses.unbind()
    loss_old = loss_old_mixed if old_loss_from_mixed_batch else loss_old
    f = feedback_coefficient(loss_old, loss_new, mpl_code_sign)
    logs["f_first_order"] = f.item()
    logs["f_first_order_mixed"] = feedback_coefficient(loss_old_mixed, loss_new, mpl_code_sign).item()
    if student_lr is not None:
        f = feedback_coefficient_exact(student, images_labelled, labels, grads_u, student_lr, mpl_code_sign)
        logs["f_exact"] = f.item()
    return loss_u, f, logs


def to_float_images(images: torch.Tensor) -> torch.Tensor:
    """uint8 [B, 3, H, W] -> float [B, 3, H, W] in [-1, 1] (mean 0.5, std 0.5 per channel)."""
    return images.float().div(127.5).sub(1.0)


class TeacherStudent(nn.Module):
    """The ABAW6 spatial phase: one teacher-student step per batch, two optimisers ("student", "teacher").

    teacher, student: classifiers images [B, 3, H, W] float -> logits [B, K] (same architecture, own weights).
    A batch (from ``fer_lib.data.paired.LabelledUnlabelled``) holds ``image`` uint8 [B, 3, H, W] and
    ``expression`` [B] (class-balanced labelled FER data), ``unlabelled`` uint8 [B, U, 3, H, W] (unlabelled FR
    images, U per labelled one) and optionally ``unlabelled_expression`` [B, U], the hidden ground truth,
    used only to log the pseudo-labels' accuracy and class distribution (never for training).

    Order in :meth:`training_step` (as MPL): teacher forward on (weak x_l, weak x_u, strong x_u);
    hard pseudo-labels y_hat = argmax T(weak x_u); :func:`student_step`: student forward on (weak x_l,
    strong x_u), L_u = CE(y_hat, S(strong x_u)) (1) -> **student step**, then f from the student's labelled
    loss on weak x_l alone before and after its step (first-order; ``exact_feedback=True``: the gradient dot
    product of (6), which needs ``student_optimizer`` for eta_S and equals the first-order value only for a
    plain SGD student); L_T = L_s + consistency_weight * L_c + feedback_weight * f * CE(y_hat, T(weak x_u))
    -> **teacher step**.

    Paper vs code (named arguments, defaults = paper):
      mpl_code_sign: f = l_old - l_new (paper's (6); positive when the pseudo-labels helped) vs MPL-pytorch's
        l_new - l_old (see ``fer_lib.losses.semi``).
      old_loss_from_mixed_batch: l_old from the labelled images alone, like l_new (one function l of (6)) vs
        MPL-pytorch's l_old from the mixed training forward, biased under BatchNorm (see :func:`student_step`).
      feedback_on_strong_view: the paper's L_f uses T(x_FR) with the y_hat the student got; MPL-pytorch
        uses the teacher's logits on the *strong* view against their own argmax (kekmodel issue #26).
      consistency_temperature / consistency_threshold: paper plain CE (1, 0); MPL-pytorch UDA 0.7 / 0.6.
      crop_fraction / cutout_fraction: the views' random crop (paper: 224 of 256) and the strong view's cutout
        ("removal"), see ``fer_lib.augment.weak_strong``; 1 / 0 (the defaults) switch them off.
    ``feedback_weight=0`` is plain pseudo-labelling (the chapter's "feedback off" row).
    """

    def __init__(self, teacher: nn.Module, student: nn.Module, num_classes: int, seed: int = 0,
                 consistency_weight: float = 1.0, feedback_weight: float = 1.0, consistency_temperature: float = 1.0,
                 consistency_threshold: float = 0.0, mpl_code_sign: bool = False, feedback_on_strong_view: bool = False,
                 exact_feedback: bool = False, student_optimizer: torch.optim.Optimizer | None = None,
                 randaugment_magnitude: int = 9, old_loss_from_mixed_batch: bool = False, crop_fraction: float = 1.0,
                 cutout_fraction: float = 0.0):
        super().__init__()
        if exact_feedback and student_optimizer is None:
            raise ValueError("exact_feedback=True needs student_optimizer (for the student's learning rate eta_S)")
        self.teacher, self.student, self.num_classes = teacher, student, num_classes
        self.consistency_weight, self.feedback_weight = consistency_weight, feedback_weight
        self.consistency_temperature, self.consistency_threshold = consistency_temperature, consistency_threshold
        self.mpl_code_sign, self.feedback_on_strong_view = mpl_code_sign, feedback_on_strong_view
        self.old_loss_from_mixed_batch = old_loss_from_mixed_batch
        self.exact_feedback, self.student_optimizer = exact_feedback, student_optimizer
        self.randaugment_magnitude = randaugment_magnitude
        self.crop_fraction, self.cutout_fraction = crop_fraction, cutout_fraction  # views: weak_strong's crop, cutout
        self.generator = torch.Generator().manual_seed(seed)  # augmentation randomness (checkpointed by the engine)

    def views(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(weak x_l [B,3,H,W], y [B], weak x_u [BU,3,H,W], strong x_u [BU,3,H,W]) as float images."""
        x_l, y, x_u = batch["image"], batch["expression"], batch["unlabelled"]
        x_u = x_u.flatten(0, 1)  # [B, U, 3, H, W] -> [BU, 3, H, W]
        weak_l = to_float_images(weak_augment(x_l, self.generator, crop_fraction=self.crop_fraction))
        weak_u = to_float_images(weak_augment(x_u, self.generator, crop_fraction=self.crop_fraction))
        strong_u = to_float_images(strong_augment(x_u, self.generator, magnitude=self.randaugment_magnitude,
                                                  crop_fraction=self.crop_fraction,
                                                  cutout_fraction=self.cutout_fraction))
        return weak_l, y, weak_u, strong_u

    def training_step(self, batch: dict, optimize) -> tuple[torch.Tensor, dict[str, float]]:
        x_l, y, x_uw, x_us = self.views(batch)
        b, bu = x_l.shape[0], x_uw.shape[0]
        t_logits = self.teacher(torch.cat([x_l, x_uw, x_us])).float()  # [B + 2BU, K]
        t_l, t_uw, t_us = t_logits.split([b, bu, bu])
        y_hat = hard_pseudo_labels(t_uw)  # [BU]

        lr = self.student_optimizer.param_groups[0]["lr"] if self.exact_feedback else None
        loss_u, f, logs = student_step(self.student, x_l, y, x_us, y_hat, optimize, feedback=bool(self.feedback_weight),
                                       student_lr=lr, mpl_code_sign=self.mpl_code_sign,
                                       old_loss_from_mixed_batch=self.old_loss_from_mixed_batch)  # student step first

        loss_s = pseudo_label_ce(t_l, y)  # (3)
        loss_c = consistency_ce(t_uw, t_us, self.consistency_temperature, self.consistency_threshold)  # (4)
        loss_t = loss_s + self.consistency_weight * loss_c
        logs.update({"loss_s": loss_s.item(), "loss_c": loss_c.item()})
        if f is not None:
            if self.feedback_on_strong_view:
                loss_f = feedback_loss(t_us, hard_pseudo_labels(t_us), f)
            else:
                loss_f = feedback_loss(t_uw, y_hat, f)  # (5)
            loss_t = loss_t + self.feedback_weight * loss_f
            logs["loss_f"] = loss_f.item()
        optimize("teacher", loss_t)
        losses = ddp.mean_logs({k: v for k, v in logs.items() if k.startswith("loss_")})  # all processes' mean
        hidden = batch.get("unlabelled_expression")
        logs |= losses | pseudo_label_logs(ddp.all_gather_cat(y_hat),   # the pseudo-labels of the whole batch
                                           None if hidden is None else ddp.all_gather_cat(hidden), self.num_classes)
        return loss_u.detach() + loss_t.detach(), logs


def pseudo_label_logs(pseudo: torch.Tensor, hidden: torch.Tensor | None, num_classes: int) -> dict[str, float]:
    """Logs of one batch of pseudo-labels [N]: pl_frac/k, the fraction assigned to class k; with the hidden
    truth [N] also pl_true/k (count of truly-k images) and pl_hit/k (of those, labelled k), so that per-class
    recall = mean(pl_hit/k) / mean(pl_true/k) over any window of logged steps, and pl_acc (agreement) when
    every truth is known. A negative truth is unknown (a real face-recognition pool): left out of the counts."""
    pseudo = pseudo.flatten()
    counts = torch.bincount(pseudo, minlength=num_classes).float()
    logs = {f"pl_frac/{k}": v for k, v in enumerate((counts / counts.sum()).tolist())}
    if hidden is not None:
        hidden = hidden.flatten()
        known = hidden >= 0
        pseudo, hidden = pseudo[known], hidden[known]
        hit = pseudo == hidden
        if bool(known.all()):
            logs["pl_acc"] = hit.float().mean().item()
        true = torch.bincount(hidden, minlength=num_classes).tolist()
        hits = torch.bincount(hidden[hit], minlength=num_classes).tolist()
        logs.update({f"pl_true/{k}": float(v) for k, v in enumerate(true)})
        logs.update({f"pl_hit/{k}": float(v) for k, v in enumerate(hits)})
    return logs


def feedback_check(student: nn.Module, images_labelled: torch.Tensor, labels: torch.Tensor,
                   images_unlabelled: torch.Tensor, pseudo_labels: torch.Tensor, student_lr: float,
                   old_loss_from_mixed_batch: bool = False) -> dict[str, float]:
    """Both estimates of (6) for one plain SGD student step, run by the method's own :func:`student_step`
    on a copy of ``student`` in train mode (the model itself is untouched).

    images_labelled: [B, 3, H, W] float, labels: [B]; images_unlabelled: [BU, 3, H, W] float (the student's
    strong views in training), pseudo_labels: [BU]. As in training, the student's step comes from a forward
    on cat(x_l, x_u) with BatchNorm in train mode. Returns dict(exact = eta_S g_l(theta')^T g_u(theta),
    first_order = l(theta) - l(theta'), first_order_mixed = the same with MPL-code's l_old from the mixed
    forward): ``exact`` and ``first_order`` agree up to O(eta_S^2); ``old_loss_from_mixed_batch=True`` makes
    ``first_order`` the MPL code's value (as :class:`TeacherStudent`'s argument).
    """
    model = copy.deepcopy(student).train()
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=student_lr)

    def optimize(name: str, loss: torch.Tensor, retain_graph: bool = False) -> None:
        optimizer.zero_grad(set_to_none=True)
        loss.backward(retain_graph=retain_graph)
        optimizer.step()

    _, _, logs = student_step(model, images_labelled, labels, images_unlabelled, pseudo_labels, optimize,
                              student_lr=student_lr, old_loss_from_mixed_batch=old_loss_from_mixed_batch)
    return {"exact": logs["f_exact"], "first_order": logs["f_first_order"],
            "first_order_mixed": logs["f_first_order_mixed"]}


def pseudo_label_track(history: list[dict], num_classes: int) -> dict:
    """From the engine's history of a teacher-student run (means over each logging window of
    :func:`pseudo_label_logs`' values), K = ``num_classes``: steps [L],
    pl_acc [L] (agreement with the hidden truth), pl_uar [L] (mean per-class recall over the classes present),
    pl_frac [L, K] (class distribution of the pseudo-labels), true_frac [L, K] (of the hidden truth), f [L]
    (the feedback coefficient as trained) and f_mixed [L] (MPL code's estimate, logged beside it). Agreement
    and recall count only the images whose truth is known (a real face-recognition pool has none)."""
    rows = [h for h in history if "pl_true/0" in h and sum(h[f"pl_true/{k}"] for k in range(num_classes)) > 0]
    acc, uar, true_frac = [], [], []
    for h in rows:
        true = np.array([h[f"pl_true/{k}"] for k in range(num_classes)])
        hit = np.array([h[f"pl_hit/{k}"] for k in range(num_classes)])
        acc.append(float(hit.sum() / true.sum()))
        uar.append(float(np.mean(hit[true > 0] / true[true > 0])))
        true_frac.append((true / true.sum()).tolist())
    return {"step": [h["step"] for h in rows], "pl_acc": acc, "pl_uar": uar,
            "pl_frac": [[h[f"pl_frac/{k}"] for k in range(num_classes)] for h in rows], "true_frac": true_frac,
            "f": [h.get("f_first_order") for h in rows], "f_mixed": [h.get("f_first_order_mixed") for h in rows]}
