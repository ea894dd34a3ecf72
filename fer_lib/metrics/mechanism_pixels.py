"""Raw-pixel linear probes: how much of a factor a linear read-out of the pixels alone recovers.

On real faces a linear probe on raw pixels decodes *identity* far better than *expression*; the
synthetic data must reproduce that ordering, since it is the shortcut contrastive FER methods fight.
The probe is scikit-learn's ``RidgeClassifier`` on pixels scaled to [0, 1].
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import RidgeClassifier
from sklearn.metrics import balanced_accuracy_score


def ridge_probe(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                alpha: float = 10.0) -> dict[str, float]:
    """Fit a ridge classifier on features [N, D], score on the test set.

    Returns accuracy, balanced accuracy, the majority-class rate of the test labels ("chance") and the
    number of classes seen in training.
    """
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise ValueError("features and labels differ in length")
    if len(np.unique(y_train)) < 2:
        raise ValueError("a probe needs at least two classes in its training labels")
    clf = RidgeClassifier(alpha=alpha).fit(x_train, y_train)
    pred = clf.predict(x_test)
    _, counts = np.unique(y_test, return_counts=True)
    return {"accuracy": float(np.mean(pred == y_test)),
            "balanced_accuracy": float(balanced_accuracy_score(y_test, pred)),
            "chance": float(counts.max() / counts.sum()),
            "n_classes": int(len(np.unique(y_train)))}


def pixel_probe(images: np.ndarray, targets: dict[str, np.ndarray], train: np.ndarray,
                alpha: float = 10.0) -> list[dict]:
    """One ridge probe per target on raw pixels.

    images: uint8 [N, H, W, C]; targets: name -> int labels [N]; train: bool [N] (the rest is the test
    set; split by clip so that test frames come from clips the probe never saw).
    Returns rows {"target", "accuracy", "balanced_accuracy", "chance", "n_classes", "n_train", "n_test"}.
    """
    train = np.asarray(train, bool)
    if train.all() or not train.any():
        raise ValueError("the train mask must leave both a train and a test part")
    x = np.asarray(images, np.float32).reshape(len(images), -1) / 255.0   # [N, H*W*C]
    rows = []
    for name, y in targets.items():
        y = np.asarray(y)
        row = ridge_probe(x[train], y[train], x[~train], y[~train], alpha)
        rows.append({"target": name, **row, "n_train": int(train.sum()), "n_test": int((~train).sum())})
    return rows
