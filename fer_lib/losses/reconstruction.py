"""Masked video reconstruction: patchify, per-patch normalisation, appearance and motion targets, and
the loss over masked tokens only (MAE-DFER's joint masked appearance + motion modelling).

Notation: a token is a tubelet of t frames × p×p pixels × C channels; patches [B, N, t, p·p, C].

- appearance target (VideoMAE, "norm pixel"): each token's pixels normalised per channel over its
  t·p·p pixels, ``(v − mean) / (std_unbiased + 1e-6)``;
- motion target (MAE-DFER): frame slot 0 keeps the normalised appearance of the tubelet's first frame,
  slot k ≥ 1 is the difference of normalised frames k and k−1 (t = 2: one difference);
- loss = Σ_k w_k · MSE(slot k) over masked tokens; MAE-DFER: w = [1−λ, λ] with λ = 0.5, which equals the
  plain MSE of its code over the 1536 values; VideoMAE: appearance target, w uniform.
"""

from __future__ import annotations

import torch


def patchify(video: torch.Tensor, tubelet: int, patch: int) -> torch.Tensor:
    """video [B, C, T, H, W] -> patches [B, N, t, p·p, C], tokens in (t, h, w) order (as TubeletEmbed)."""
    b, c, t, h, w = video.shape
    if t % tubelet or h % patch or w % patch:
        raise ValueError(f"video {tuple(video.shape)} is not divisible into {tubelet}x{patch}x{patch} tubelets")
    x = video.reshape(b, c, t // tubelet, tubelet, h // patch, patch, w // patch, patch)
    x = x.permute(0, 2, 4, 6, 3, 5, 7, 1)  # [B, T', H', W', t, p, p, C]
    return x.reshape(b, (t // tubelet) * (h // patch) * (w // patch), tubelet, patch * patch, c)


def unpatchify(patches: torch.Tensor, grid: tuple[int, int, int], patch: int) -> torch.Tensor:
    """patches [B, N, t, p·p, C] -> video [B, C, T, H, W] (inverse of :func:`patchify`)."""
    b, n, t, pp, c = patches.shape
    gt, gh, gw = grid
    x = patches.reshape(b, gt, gh, gw, t, patch, patch, c).permute(0, 7, 1, 4, 2, 5, 3, 6)
    return x.reshape(b, c, gt * t, gh * patch, gw * patch)


def normalize_patches(patches: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Per token and channel: (v − mean) / (unbiased std + eps) over the t·p·p pixels. [B, N, t, pp, C] -> same."""
    b, n, t, pp, c = patches.shape
    flat = patches.reshape(b, n, t * pp, c)
    mean = flat.mean(dim=2, keepdim=True)
    std = flat.var(dim=2, unbiased=True, keepdim=True).sqrt()
    return ((flat - mean) / (std + eps)).reshape(b, n, t, pp, c)


def motion_target(normalized: torch.Tensor) -> torch.Tensor:
    """[B, N, t, pp, C] normalised patches -> slot 0 = frame 0, slot k = frame k − frame k−1 (k ≥ 1)."""
    diffs = normalized[:, :, 1:] - normalized[:, :, :-1]
    return torch.cat([normalized[:, :, :1], diffs], dim=2)


def reconstruction_targets(video01: torch.Tensor, tubelet: int, patch: int, motion: bool) -> torch.Tensor:
    """video in [0, 1] [B, C, T, H, W] -> targets [B, N, t, pp, C]: normalised appearance, or the motion
    target of MAE-DFER when ``motion`` (targets are made from the un-normalised [0, 1] pixels, as the code)."""
    target = normalize_patches(patchify(video01, tubelet, patch))
    return motion_target(target) if motion else target


def motion_slot_weights(tubelet: int, motion_weight: float) -> torch.Tensor:
    """Weights [t] of the frame slots: [1 − λ, λ/(t−1), ...]; λ = 0.5 with t = 2 is MAE-DFER's plain MSE."""
    if tubelet < 2:
        raise ValueError("a motion target needs tubelets of at least 2 frames")
    return torch.tensor([1.0 - motion_weight] + [motion_weight / (tubelet - 1)] * (tubelet - 1))


def masked_reconstruction_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor,
                               slot_weights: torch.Tensor) -> torch.Tensor:
    """Σ_k w_k · mean over masked tokens and their pixels of (pred − target)², slot k = frame k of the tubelet.

    pred [B, N_mask, t·pp·C] (masked tokens in ascending order), target [B, N, t, pp, C], mask [B, N] bool
    (True = masked; every clip the same count), slot_weights [t]. Returns a scalar.
    """
    b, n, t, pp, c = target.shape
    masked = target[mask].reshape(b, -1, t, pp * c)  # [B, N_mask, t, pp·C]
    if pred.shape != (b, masked.shape[1], t * pp * c):
        raise ValueError(f"pred {tuple(pred.shape)} does not match the masked targets {(b, masked.shape[1], t * pp * c)}")
    per_slot = ((pred.reshape(b, -1, t, pp * c) - masked) ** 2).mean(dim=(0, 1, 3))  # [t]
    return (slot_weights.to(per_slot) * per_slot).sum()
