"""Raw-pixel linear probes: how much of a factor a linear read-out of the pixels alone recovers.

On real faces a linear probe on raw pixels decodes *identity* far better than *expression*; the
synthetic data must reproduce that ordering, since it is the shortcut contrastive FER methods fight.
The probe is scikit-learn's ``RidgeClassifier`` on pixels scaled to [0, 1].
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.linear_model import RidgeClassifier
from sklearn.metrics import balanced_accuracy_score


def ridge_probe(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                alpha: float = 10.0) -> dict[str, float]:
    """Fit a ridge classifier on features [N, D], score on the test set.

    Returns accuracy, balanced accuracy, their chance levels (the majority-class rate of the test labels,
    "chance"; 1 / number of test classes, "chance_balanced") and the number of training classes.
    """
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise ValueError("features and labels differ in length")
    if len(np.unique(y_train)) < 2:
        raise ValueError("a probe needs at least two classes in its training labels")
    clf = RidgeClassifier(alpha=alpha).fit(x_train, y_train)
    pred = clf.predict(x_test)
    _, counts = np.unique(y_test, return_counts=True)
    with warnings.catch_warnings():   # predicting a class absent from y_test is expected, not an error
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        balanced = float(balanced_accuracy_score(y_test, pred))
    return {"accuracy": float(np.mean(pred == y_test)), "balanced_accuracy": balanced,
            "chance": float(counts.max() / counts.sum()), "chance_balanced": 1.0 / len(counts),
            "n_classes": int(len(np.unique(y_train)))}


def pixel_probe(images: np.ndarray, targets: dict[str, np.ndarray], train: np.ndarray,
                alpha: float = 10.0) -> list[dict]:
    """One ridge probe per target on raw pixels.

    images: uint8 [N, H, W, C]; targets: name -> int labels [N]; train: bool [N] (the rest is the test
    set; split by clip so that test frames come from clips the probe never saw).
    Returns rows {"target", "accuracy", "balanced_accuracy", "chance", "chance_balanced", "n_classes",
    "n_train", "n_test"}.
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


def normalised_landmarks(landmarks: np.ndarray) -> np.ndarray:
    """Landmarks [N, 68, 2] -> features [N, 136]: centred on their mean, divided by their RMS radius."""
    pts = np.asarray(landmarks, np.float32)
    pts = pts - pts.mean(axis=1, keepdims=True)
    pts = pts / np.sqrt((pts ** 2).sum(-1).mean(-1))[:, None, None]
    return pts.reshape(len(pts), -1)


def identity_expression_probe(videos, frame_step: int = 3, train_slots: int = 2, alpha: float = 10.0) -> list[dict]:
    """The data chapter's probe on a rendered set (fields of ``SynthVideos``).

    Frames every ``frame_step``; the first ``train_slots`` clips of each identity train the probe, the
    others test it (so test frames come from unseen clips of seen identities). Rows: identity from
    pixels, expression from pixels, expression from the 68 normalised landmarks (what the geometry
    carries once appearance is removed).
    """
    frames = np.asarray(videos.frames[:, ::frame_step])                   # [n, T', H, W, 3]
    n, T = frames.shape[:2]
    slot = np.zeros(n, np.int64)
    for i in np.unique(videos.identity):
        members = np.flatnonzero(videos.identity == i)
        slot[members] = np.arange(len(members))
    train = np.repeat(slot < train_slots, T)
    ident = np.repeat(np.asarray(videos.identity), T)
    expr = np.asarray(videos.expression[:, ::frame_step]).reshape(-1)
    rows = pixel_probe(frames.reshape(n * T, *frames.shape[2:]), {"identity": ident, "expression": expr}, train,
                       alpha)
    marks = normalised_landmarks(np.asarray(videos.landmarks[:, ::frame_step]).reshape(n * T, -1, 2))
    geo = ridge_probe(marks[train], expr[train], marks[~train], expr[~train], alpha=1.0)
    rows.append({"target": "expression", **geo, "n_train": int(train.sum()), "n_test": int((~train).sum())})
    names = ("identity from pixels", "expression from pixels", "expression from landmarks")
    return [{"probe": name, **row} for name, row in zip(names, rows)]
