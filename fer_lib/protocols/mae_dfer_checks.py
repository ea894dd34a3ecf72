"""Checks of the MAE-DFER chapter's premises, measured before any claim is read.

- :func:`reconstruction_check`: did pretraining learn anything? The held-out masked reconstruction loss of a
  pretrained autoencoder beside the loss of predicting, at every masked token, the per-position mean target
  of the pretraining pool (the best constant a decoder could learn without looking at the clip), per slot.
- :func:`motion_signal`: is there motion for the motion target to predict? Mean squared frame difference
  (grey levels², within a tubelet's frame pair) inside the face (the box of the 68 landmarks) vs outside it,
  where it is pixel noise only.
- :func:`pupil_shift_px`: is gaze visible at this size? How many pixels gaze moves the rendered pupils.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, Subset

from fer_lib.data.synth import clip_factors, identity_of
from fer_lib.data.synth.landmarks import PUPILS
from fer_lib.data.synth.render import render_points
from fer_lib.losses.reconstruction import masked_reconstruction_loss, reconstruction_targets
from fer_lib.methods.mae_dfer import to_model_input


def _first(dataset, n: int):
    return Subset(dataset, range(min(n, len(dataset))))


@torch.no_grad()
def reconstruction_check(method, pool_set, heldout_set, device, n: int = 256, batch_size: int = 32,
                         seed: int = 0) -> dict[str, float]:
    """Masked reconstruction loss on the first ``n`` held-out items (masks from a ``seed``-ed generator, the
    same for both predictors) of ``method`` (a MAEDFERPretrain) and of the per-position mean target over the
    first ``n`` pool items. Returns {"model", "mean target"} (the training loss) and the same per slot:
    "model, appearance slot", "mean target, motion slot", ... (slot 0 = appearance, slot 1 = the second
    frame: its motion target with motion, else its appearance)."""
    method.eval().to(device)
    targets = []
    for batch in DataLoader(_first(pool_set, n), batch_size=batch_size):
        x01, _ = to_model_input(batch["video"].to(device))
        targets.append(reconstruction_targets(x01, method.tubelet, method.patch, method.motion).sum(0))
    mean_target = torch.stack(targets).sum(0) / min(n, len(pool_set))          # [N, t, pp, C]
    generator = torch.Generator(device=device).manual_seed(seed)
    t = method.tubelet
    slots = {"": method.slot_weights, ", appearance slot": torch.eye(t)[0],
             ", second-frame slot": torch.eye(t)[1]}
    sums = {f"{who}{slot}": 0.0 for who in ("model", "mean target") for slot in slots}
    count = 0
    for batch in DataLoader(_first(heldout_set, n), batch_size=batch_size):
        video = batch["video"].to(device)
        mask = method.make_mask(len(video), device, generator)
        out = method(video, mask)
        target = out["target"]
        baseline = mean_target.expand_as(target)[mask].reshape(len(video), -1, target[0, 0].numel())
        for slot, weights in slots.items():
            for who, pred in (("model", out["pred"].float()), ("mean target", baseline)):
                sums[f"{who}{slot}"] += len(video) * float(masked_reconstruction_loss(pred, target, mask, weights))
        count += len(video)
    return {k: v / count for k, v in sums.items()}


def motion_signal(dataset, n: int = 200, tubelet: int = 2) -> dict[str, float]:
    """Frame-pair differences (frames 2k, 2k+1 of each window, as a tubelet pairs them) of the first ``n``
    items: mean squared difference in grey levels² inside the landmarks' box ("face") and outside it
    ("background", the noise floor), their ratio, and the face's share of the image area."""
    face, back, area = [], [], []
    for i in range(min(n, len(dataset))):
        item = dataset[i]
        video = item["video"].float().mean(1)                             # [T, H, W] grey
        marks = item["landmarks"].numpy()                                 # [T, 68, 2] (x, y) pixels
        _, h, w = video.shape
        for k in range(0, video.shape[0] - 1, tubelet):
            diff2 = ((video[k + 1] - video[k]) ** 2).numpy()
            x0, y0 = np.floor(marks[k].min(0)).astype(int).clip(0)
            x1, y1 = np.ceil(marks[k].max(0)).astype(int) + 1
            inside = np.zeros((h, w), bool)
            inside[y0:min(y1, h), x0:min(x1, w)] = True
            face.append(diff2[inside].mean())
            back.append(diff2[~inside].mean())
            area.append(inside.mean())
    f, b = float(np.mean(face)), float(np.mean(back))
    ratio = f / b if b > 0 else float("inf")
    return {"face": f, "background": b, "face / background": ratio, "face area": float(np.mean(area))}


def pupil_shift_px(synth_cfg, n: int = 100) -> dict[str, float]:
    """How far gaze moves the pupils in the rendered frames of the first ``n`` clips of ``synth_cfg``: the pupils'
    positions (output pixels, from the generator's rig) with each frame's gaze minus with gaze 0, as the mean
    and the 90th percentile of that displacement's length over frames and both eyes."""
    shifts = []
    for c in range(min(n, synth_cfg.n_clips)):
        idt = identity_of(synth_cfg, c // synth_cfg.clips_per_identity)
        f = clip_factors(synth_cfg, c, idt)
        args = (f.pose, f.centre, f.scale, synth_cfg.size)
        seen = render_points(idt, f.aus, f.blink, f.gaze, *args)[:, PUPILS]
        still = render_points(idt, f.aus, f.blink, np.zeros_like(f.gaze), *args)[:, PUPILS]
        shifts.append(np.linalg.norm(seen - still, axis=-1).ravel())
    d = np.concatenate(shifts)
    return {"mean (px)": float(d.mean()), "90th percentile (px)": float(np.percentile(d, 90))}
