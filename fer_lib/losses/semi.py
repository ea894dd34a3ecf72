"""Semi-supervised losses of the ABAW6 teacher-student (Yu et al. 2024, formulas (1)-(6)): pure functions.

Notation (paper): teacher T, student S, labelled FER batch (x_FER, y_FER), unlabelled face-recognition
batch x_FR with the teacher's pseudo-label y_hat_FR.

* student:  L_u = CE(y_hat_FR, S(x_FR))                                  (1)  -> :func:`pseudo_label_ce`
* teacher:  L_T = L_s + L_c + L_f                                        (2)
            L_s = CE(y_FER, T(x_FER))                                    (3)  -> :func:`pseudo_label_ce` with true labels
            L_c = CE(T(x_FR), T(Aug(x_FR)))                              (4)  -> :func:`consistency_ce`
            L_f = f * CE(y_hat_FR, T(x_FR))                              (5)  -> :func:`feedback_loss`
            f   = eta_S * grad CE(y_FER, S'(x_FER))^T grad CE(y_hat_FR, S(x_FR))   (6)

The exact ``f`` of (6) needs the student's parameter gradients, so it lives with the models in
``fer_lib.methods.mpl.feedback_coefficient_exact``; here is its first-order estimate,
:func:`feedback_coefficient`, computed from two scalar losses.

Sign convention (deliberate; the public implementations disagree, methods.md section 4):
with the student step theta' = theta - eta_S g_u (g_u = grad of L_u at theta) a first-order Taylor
expansion around theta' gives

    l(theta) - l(theta') = eta_S grad l(theta')^T g_u + O(eta_S^2),

where l is the student's labelled loss. So the paper's ``f`` (positive when the two gradients point the
same way) equals ``l_old - l_new``: positive when the student's update on the pseudo-labels *lowered*
its labelled loss. Minimising ``f * CE(y_hat, T(x))`` with f > 0 then makes the teacher *more* confident
in the pseudo-label that helped, and with f < 0 pushes it away from one that hurt: the debiasing argument
of the paper's section 3.3.3, and the REINFORCE form of d l(theta'(phi)) / d phi in Meta Pseudo Labels.
kekmodel/MPL-pytorch (and the official TF code) use ``h = l_new - l_old``, the opposite sign; Face2Exp and
kekmodel issue #6 use ``l_old - l_new``. The code's sign is available as ``mpl_code_sign=True``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _check_logits_labels(logits: torch.Tensor, labels: torch.Tensor, name: str) -> None:
    if logits.ndim != 2:
        raise ValueError(f"{name}: logits must be [B, K], got shape {tuple(logits.shape)}")
    if labels.shape != logits.shape[:1]:
        raise ValueError(f"{name}: labels must be [B]={logits.shape[0]}, got shape {tuple(labels.shape)}")
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= logits.shape[1]):
        raise ValueError(f"{name}: labels outside 0..{logits.shape[1] - 1}")


def _masked_mean(per_sample: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean of per-sample values [B] over ``mask`` [B] (bool or float weights); an empty mask gives 0."""
    if mask is None:
        return per_sample.mean()
    if mask.shape != per_sample.shape:
        raise ValueError(f"mask must be [B]={per_sample.shape[0]}, got shape {tuple(mask.shape)}")
    mask = mask.to(per_sample.dtype)
    # Divide by B (not by the mask's sum), as FixMatch/MPL do: a confident-only batch is not re-weighted.
    return (per_sample * mask).sum() / per_sample.shape[0]


def pseudo_label_ce(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor | None = None,
                    label_smoothing: float = 0.0) -> torch.Tensor:
    """Cross-entropy against hard (pseudo-)labels: formula (1) for the student, (3) for the teacher.

    logits: [B, K] raw scores; labels: [B] int64 class indices; mask: optional [B] bool/float selecting
    samples (e.g. confident pseudo-labels); the masked sum is divided by B. ``label_smoothing``: the paper
    uses plain CE (0); MPL-pytorch smooths with 0.15. Returns a scalar.
    """
    _check_logits_labels(logits, labels, "pseudo_label_ce")
    per_sample = F.cross_entropy(logits, labels, reduction="none", label_smoothing=label_smoothing)  # [B]
    return _masked_mean(per_sample, mask)


def soft_targets(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """Detached target distribution softmax(logits / temperature): [B, K] -> [B, K]."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    return torch.softmax(logits.detach().float() / temperature, dim=1)


def consistency_ce(target_logits: torch.Tensor, logits: torch.Tensor, temperature: float = 1.0,
                   threshold: float = 0.0) -> torch.Tensor:
    """Consistency loss (4): CE(T(x), T(Aug(x))) = mean_b -sum_k q_bk log softmax(logits)_bk.

    target_logits: [B, K] teacher logits on the weakly augmented image (no gradient flows through them);
    logits: [B, K] teacher logits on its strong augmentation. q = softmax(target_logits / temperature).
    Samples whose max q is below ``threshold`` are masked out (sum divided by B).
    Paper: plain CE, i.e. temperature 1 and no threshold (the defaults). MPL-pytorch's UDA term uses
    temperature 0.7 and threshold 0.6; Face2Exp leaves it unmasked.
    """
    if target_logits.shape != logits.shape or logits.ndim != 2:
        raise ValueError(f"consistency_ce: target {tuple(target_logits.shape)} and logits {tuple(logits.shape)} "
                         "must both be [B, K]")
    q = soft_targets(target_logits, temperature)  # [B, K]
    per_sample = -(q * torch.log_softmax(logits.float(), dim=1)).sum(dim=1)  # [B]
    mask = q.max(dim=1).values >= threshold if threshold > 0 else None
    return _masked_mean(per_sample, mask)


def feedback_coefficient(loss_labelled_old: torch.Tensor, loss_labelled_new: torch.Tensor,
                         mpl_code_sign: bool = False) -> torch.Tensor:
    """First-order estimate of the feedback coefficient f of formula (6), a detached scalar.

    loss_labelled_old: scalar CE(y_FER, S(x_FER; theta_t)) before the student's step;
    loss_labelled_new: scalar CE(y_FER, S(x_FER; theta_t+1)) after it. Both must be the same function of
    theta: same labelled batch, same forward composition and BatchNorm mode (in train mode BatchNorm mixes
    the images of a forward pass; ``fer_lib.methods.mpl.labelled_loss``), or f is offset even for a zero step.
    Returns ``old - new`` (the paper's sign: positive when the pseudo-label step helped the labelled
    loss; equal to eta_S g_l(theta')^T g_u up to O(eta_S^2)). ``mpl_code_sign=True`` returns
    ``new - old`` as kekmodel/MPL-pytorch and the official MPL code do.
    """
    old, new = torch.as_tensor(loss_labelled_old).detach(), torch.as_tensor(loss_labelled_new).detach()
    if old.ndim or new.ndim:
        raise ValueError(f"feedback_coefficient takes scalar losses, got shapes {tuple(old.shape)}, {tuple(new.shape)}")
    return new - old if mpl_code_sign else old - new


def feedback_loss(teacher_logits: torch.Tensor, pseudo_labels: torch.Tensor,
                  coefficient: torch.Tensor | float) -> torch.Tensor:
    """Feedback term (5): L_f = f * CE(y_hat_FR, T(x_FR)).

    teacher_logits: [B, K] teacher logits on the unlabelled images (gradient flows into the teacher);
    pseudo_labels: [B] the hard labels y_hat the student was trained on; coefficient: scalar f
    (treated as a constant: it is detached). Returns a scalar; with f > 0 minimising it raises the
    teacher's probability of y_hat, with f < 0 lowers it.
    """
    _check_logits_labels(teacher_logits, pseudo_labels, "feedback_loss")
    f = torch.as_tensor(coefficient, dtype=torch.float32, device=teacher_logits.device).detach()
    if f.ndim:
        raise ValueError(f"feedback_loss: coefficient must be a scalar, got shape {tuple(f.shape)}")
    return f * F.cross_entropy(teacher_logits.float(), pseudo_labels)


def hard_pseudo_labels(logits: torch.Tensor) -> torch.Tensor:
    """y_hat = argmax of the (detached) teacher logits: [B, K] -> [B] int64."""
    if logits.ndim != 2:
        raise ValueError(f"hard_pseudo_labels: logits must be [B, K], got shape {tuple(logits.shape)}")
    return logits.detach().argmax(dim=1)
