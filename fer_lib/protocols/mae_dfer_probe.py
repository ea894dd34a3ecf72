"""Frozen read-outs of a video encoder for the MAE-DFER chapter: class-stratified label subsets, token features,
a logistic-regression probe with a clip-bootstrap interval, and a frame-level gaze head.

Mean pooling of a small masked-autoencoder encoder collapses its tokens into a few directions (issue 17:
effective rank 21.5 -> 11), so the probe reads the concatenated, per-token normalised tokens instead:
``features [N, tokens · D]``, standardised per dimension on the training clips.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch.utils.data import DataLoader

from fer_lib.methods.mae_dfer import to_model_input
from fer_lib.metrics.bootstrap import clip_bootstrap_uar
from fer_lib.metrics.classification import war
from fer_lib.metrics.regression import angular_error_deg


def label_subset(targets: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Sorted indices of a class-stratified subset of ``targets`` [N]: round(fraction · n_c) of each class c,
    at least one; fraction 1 keeps everything. The draw depends on ``seed`` only."""
    if not 0 < fraction <= 1:
        raise ValueError(f"label fraction must be in (0, 1], got {fraction}")
    targets = np.asarray(targets)
    rng = np.random.default_rng(seed)
    keep = []
    for c in np.unique(targets):
        members = np.flatnonzero(targets == c)
        keep.append(rng.choice(members, max(1, round(fraction * len(members))), replace=False))
    return np.sort(np.concatenate(keep))


@torch.no_grad()
def token_features(encoder, dataset, device, batch_size: int = 64) -> dict[str, np.ndarray]:
    """Frozen features of every item: {"x": [N, tokens · D] (the encoder's final LayerNorm per token, then
    concatenated), "y": [N] labels, "gaze": [N, T, 2] per-frame gaze when the items have it}."""
    encoder.eval().to(device)
    xs, ys, gaze = [], [], []
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        _, x = to_model_input(batch["video"].to(device))
        xs.append(encoder.norm(encoder(x).tokens).flatten(1).float().cpu().numpy())
        ys.append(batch["label"].numpy())
        if "gaze" in batch:
            gaze.append(batch["gaze"].float().numpy())
    out = {"x": np.concatenate(xs), "y": np.concatenate(ys)}
    if gaze:
        out["gaze"] = np.concatenate(gaze)
    return out


def linear_probe(train: dict, test: dict, subset: np.ndarray, num_classes: int, c: float, resamples: int,
                 seed: int) -> dict:
    """Multinomial logistic regression (L2, inverse strength ``c``) on standardised features of
    ``train["x"][subset]``; UAR and WAR (%) on ``test`` with the clip-bootstrap interval of the UAR."""
    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
    model.fit(train["x"][subset], train["y"][subset])
    pred = model.predict(test["x"])
    ci = clip_bootstrap_uar(test["y"], pred, num_classes, resamples=resamples, seed=seed)
    return {"uar": ci["uar"], "war": 100 * war(test["y"], pred, num_classes), "uar_low": ci["low"],
            "uar_high": ci["high"], "labelled": len(subset)}


def gaze_head(train: dict, test: dict, alphas=(1e1, 1e2, 1e3, 1e4, 1e5, 1e6)) -> dict:
    """Frame-level gaze from frozen features: ridge regression of every frame's (pitch, yaw) [T · 2] on
    standardised features, its L2 strength chosen among ``alphas`` by leave-one-out error on the training
    clips (with thousands of features and hundreds of clips a fixed small strength overfits). Returns the mean
    angular error (degrees) over test frames, beside a predictor answering the training frames' mean gaze,
    R² of the predictions and the chosen strength."""
    t = train["gaze"].shape[1]
    model = make_pipeline(StandardScaler(), RidgeCV(alphas=alphas))
    model.fit(train["x"], train["gaze"].reshape(len(train["x"]), -1))
    pred = model.predict(test["x"]).reshape(-1, t, 2)
    truth = test["gaze"]
    mean = np.broadcast_to(train["gaze"].reshape(-1, 2).mean(0), truth.shape)
    r2 = 1 - ((pred - truth) ** 2).sum() / ((truth - truth.reshape(-1, 2).mean(0)) ** 2).sum()
    return {"gaze error (deg)": float(angular_error_deg(truth.reshape(-1, 2), pred.reshape(-1, 2)).mean()),
            "mean-gaze predictor (deg)": float(angular_error_deg(truth.reshape(-1, 2), mean.reshape(-1, 2)).mean()),
            "R2": float(r2), "alpha": float(model[-1].alpha_)}
