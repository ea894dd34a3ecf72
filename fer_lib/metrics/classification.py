"""Classification metrics used across the book: accuracy, macro F1, UAR, WAR, confusion matrix, and the
contrastive methods' logged top-1 (:func:`positive_top1`).

Inputs are integer label arrays of shape [N]; ``num_classes`` K fixes the confusion matrix size so
a class absent from a small test set still counts (as 0 recall / 0 F1) instead of vanishing.
"""

from __future__ import annotations

import numpy as np
import torch


def confusion(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Confusion matrix [K, K]: rows = true class, columns = predicted class."""
    y_true, y_pred = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} differ in shape")
    for name, arr in (("y_true", y_true), ("y_pred", y_pred)):
        if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
            raise ValueError(f"{name} has labels outside 0..{num_classes - 1}")
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of correct predictions (= WAR)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float((y_true == y_pred).mean())


def war(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> float:
    """Weighted average recall: trace(CM) / sum(CM), i.e. accuracy (MAE-DFER's WAR)."""
    cm = confusion(y_true, y_pred, num_classes)
    return float(np.trace(cm) / cm.sum())


def uar(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> float:
    """Unweighted average recall: mean over classes *present in y_true* of CM[c, c] / sum(CM[c, :])."""
    cm = confusion(y_true, y_pred, num_classes)
    support = cm.sum(axis=1)
    present = support > 0
    return float((np.diag(cm)[present] / support[present]).mean())


def per_class_f1(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """F1 of each class [K]; a class with no true and no predicted samples gets 0 (sklearn's zero_division=0)."""
    cm = confusion(y_true, y_pred, num_classes)
    tp = np.diag(cm).astype(float)
    denom = cm.sum(axis=0) + cm.sum(axis=1)
    return np.divide(2 * tp, denom, out=np.zeros(num_classes), where=denom > 0)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> float:
    """Unweighted mean of per-class F1 over all K classes (the ABAW EXPR score when K = 8)."""
    return float(per_class_f1(y_true, y_pred, num_classes).mean())


def positive_top1(sim: torch.Tensor, pos_weight: torch.Tensor) -> float:
    """Share of anchors whose most similar other sample is a positive (the authors' logged 'top-1'). sim [N, N],
    pos_weight [N, N] (> 0 where j is a positive of anchor i)."""
    off = sim.masked_fill(torch.eye(len(sim), dtype=torch.bool, device=sim.device), float("-inf"))
    best = off.argmax(dim=1)
    return float((pos_weight[torch.arange(len(sim), device=sim.device), best] > 0).float().mean())
