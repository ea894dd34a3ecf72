"""ABAW6 temporal phase: a frozen frame encoder's features -> Transformer temporal encoder -> per-frame labels.

Training (one optimiser) on :class:`fer_lib.data.feature_windows.FeatureWindows` items; prediction over whole
videos with overlapping windows whose per-frame logits are averaged.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fer_lib.data.feature_windows import video_ranges, window_starts


def inverse_frequency_weights(labels: np.ndarray, num_classes: int) -> torch.Tensor:
    """Class weights [K] (float32) from frame labels [N] (-1 = unlabelled, ignored): w_k = N / (K' n_k).

    n_k: frames of class k, K': classes present, N: labelled frames. Every present class then carries the
    same total weight N / K' and the weighted frame count stays N: the loss-side counterpart of the spatial
    stage's class-balanced sampler (equal classes in expectation). Absent classes get 0 (never a target).
    """
    labels = np.asarray(labels, dtype=np.int64).ravel()
    labels = labels[labels >= 0]
    if labels.size == 0:
        raise ValueError("inverse_frequency_weights: no labelled frames (all labels are -1)")
    if labels.max() >= num_classes:
        raise ValueError(f"inverse_frequency_weights: labels outside 0..{num_classes - 1}")
    counts = np.bincount(labels, minlength=num_classes).astype(np.float64)  # [K]
    present = counts > 0
    weights = np.zeros(num_classes)
    weights[present] = labels.size / (present.sum() * counts[present])
    return torch.as_tensor(weights, dtype=torch.float32)


class TemporalClassifier(nn.Module):
    """Wraps a temporal model features [B, T, D] (+ padding [B, T]) -> logits [B, T, K] for the engine.

    training_step(batch): CE over the frames that have a label (label -1 and padding are ignored), their
    mean, or with ``class_weights`` [K] the weighted mean sum_i w_{y_i} CE_i / sum_i w_{y_i} (e.g.
    :func:`inverse_frequency_weights` of the training frames, to train as balanced as the spatial stage).
    Default None: unweighted, as before.
    """

    def __init__(self, model: nn.Module, class_weights: torch.Tensor | None = None):
        super().__init__()
        self.model = model
        if class_weights is not None:
            class_weights = torch.as_tensor(class_weights, dtype=torch.float32)
            if class_weights.ndim != 1 or not torch.isfinite(class_weights).all() or (class_weights < 0).any():
                raise ValueError(f"class_weights must be a finite, non-negative [K] vector, got {class_weights}")
        self.register_buffer("class_weights", class_weights, persistent=False)  # moves with the model's device

    def forward(self, features: torch.Tensor, padding: torch.Tensor | None = None) -> torch.Tensor:
        return self.model(features, padding)

    def training_step(self, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        logits = self(batch["features"], batch.get("padding")).float()  # [B, T, K]
        if self.class_weights is not None and self.class_weights.numel() != logits.shape[-1]:
            raise ValueError(f"class_weights has {self.class_weights.numel()} entries, the model {logits.shape[-1]} classes")
        labels = batch["expression"]  # [B, T], -1 = ignore
        loss = F.cross_entropy(logits.flatten(0, 1), labels.flatten(), weight=self.class_weights, ignore_index=-1)
        valid = labels >= 0
        acc = (logits.argmax(-1) == labels)[valid].float().mean()
        return loss, {"frame_acc": acc.item()}


@torch.no_grad()
def frame_features(encoder: nn.Module, images: torch.Tensor, batch_size: int = 256,
                   device: torch.device | str = "cpu") -> torch.Tensor:
    """Frozen per-frame features: uint8 images [N, 3, H, W] -> float [N, D] on the CPU (encoder in eval mode)."""
    was_training = encoder.training
    encoder.eval()
    out = []
    for lo in range(0, images.shape[0], batch_size):
        x = images[lo:lo + batch_size].to(device).float().div(127.5).sub(1.0)  # as methods.mpl.to_float_images
        out.append(encoder(x).float().cpu())
    encoder.train(was_training)
    return torch.cat(out)


@torch.no_grad()
def predict_videos(model: nn.Module, features: torch.Tensor, video_ids: np.ndarray, window: int,
                   stride: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """Per-frame logits [N, K] for frames features [N, D] of the videos in ``video_ids`` [N].

    Each video is covered by windows of ``window`` frames every ``stride`` frames (the last aligned to the
    end); a frame's logits are the mean over the windows that contain it. model(features [1, T, D]) -> [1, T, K].
    """
    was_training = model.training
    model.eval()
    outputs = []
    for lo, hi in video_ranges(video_ids):
        video = features[lo:hi].to(device)  # [T_v, D]
        total, count = None, torch.zeros(hi - lo, 1, device=device)
        for s in window_starts(hi - lo, window, stride):
            logits = model(video[s:s + window][None]).float()[0]  # [T, K]
            total = torch.zeros(hi - lo, logits.shape[1], device=device) if total is None else total
            total[s:s + logits.shape[0]] += logits
            count[s:s + logits.shape[0]] += 1
        outputs.append((total / count).cpu())
    model.train(was_training)
    return torch.cat(outputs)
