"""MAE-DFER pretraining step: mask tubelet tokens, encode the visible ones, decode all, and regress the
per-patch normalised appearance + motion targets of the masked tokens.

Reads top to bottom: uint8 clip -> [0, 1] -> ImageNet-normalised encoder input; mask (part-window tube
for the LGI-Former, plain tube for the VideoMAE baseline); encoder(visible) -> LN -> decoder -> loss.
"""

from __future__ import annotations

import torch
from torch import nn

from fer_lib.augment.color import IMAGENET_MEAN, IMAGENET_STD
from fer_lib.augment.generator import GeneratorState
from fer_lib.augment.masking import part_window_tube_mask, tube_mask
from fer_lib.losses.reconstruction import (masked_reconstruction_loss, motion_slot_weights, patchify,
                                           reconstruction_targets)


def to_model_input(video: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 clips [B, T, C, H, W] -> ([0, 1] video [B, C, T, H, W], ImageNet-normalised copy)."""
    x01 = video.permute(0, 2, 1, 3, 4).float() / 255.0  # [B, C, T, H, W]
    mean = torch.tensor(IMAGENET_MEAN, device=x01.device).view(1, 3, 1, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=x01.device).view(1, 3, 1, 1, 1)
    return x01, (x01 - mean) / std


class MAEDFERPretrain(nn.Module):
    """Masked video autoencoder around any registered encoder (ViT or LGI-Former) and an MAEDecoder.

    mask_window: (wh, ww) tokens -> part-window tube mask (MAE-DFER, (5, 10)); None -> plain tube (VideoMAE).
    motion: True -> MAE-DFER's appearance + motion target with weight ``motion_weight`` (λ = 0.5);
    False -> VideoMAE's appearance-only target (all frame slots weighted equally).
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, mask_ratio: float = 0.9,
                 mask_window: tuple[int, int] | None = (5, 10), motion: bool = True, motion_weight: float = 0.5,
                 seed: int = 0):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.mask_ratio, self.mask_window, self.motion, self.seed = mask_ratio, mask_window, motion, seed
        pe = encoder.patch_embed
        self.tubelet, self.patch, self.grid = pe.tubelet, pe.patch, pe.grid
        weights = motion_slot_weights(self.tubelet, motion_weight) if motion else torch.full(
            (self.tubelet,), 1.0 / self.tubelet)
        self.register_buffer("slot_weights", weights, persistent=False)
        # masks come from a seeded CPU generator kept in the state dict: a resumed pretraining draws the
        # masks it would have drawn, on any device
        self.rng = GeneratorState(seed)

    def make_mask(self, batch: int, device: torch.device, generator: torch.Generator | None = None) -> torch.Tensor:
        """Mask [B, N] on ``device`` from ``generator``, by default the method's own seeded CPU generator."""
        generator = self.rng.generator if generator is None else generator
        if self.mask_window is None:
            mask = tube_mask(batch, self.grid, self.mask_ratio, generator)
        else:
            mask = part_window_tube_mask(batch, self.grid, self.mask_window, self.mask_ratio, generator)
        return mask.to(device)

    def forward(self, video: torch.Tensor, mask: torch.Tensor | None = None) -> dict:
        """uint8 video [B, T, C, H, W] -> dict(loss, pred [B, N_mask, P], target [B, N, t, pp, C], mask [B, N])."""
        x01, x = to_model_input(video)
        if mask is None:
            mask = self.make_mask(x.shape[0], x.device)
        encoded = self.encoder(x, mask)
        pred = self.decoder(self.encoder.norm(encoded.tokens), mask)  # [B, N_mask, t·p·p·C]
        with torch.no_grad():
            target = reconstruction_targets(x01, self.tubelet, self.patch, self.motion)
        loss = masked_reconstruction_loss(pred.float(), target, mask, self.slot_weights)
        return {"loss": loss, "pred": pred, "target": target, "mask": mask}

    def training_step(self, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        out = self(batch["video"])
        return out["loss"], {"loss": float(out["loss"].detach())}

    @torch.no_grad()
    def reconstruct(self, video: torch.Tensor, mask: torch.Tensor | None = None) -> dict:
        """For figures: [0, 1] input [B, C, T, H, W], the mask [B, N], and the targets and predictions as
        per-token patches [B, N, t, pp, C] (visible tokens: prediction = NaN, so plots show them blank)."""
        out = self(video, mask)
        target, mask = out["target"], out["mask"]
        pred = torch.full_like(target, float("nan"))
        pred[mask] = out["pred"].float().reshape(-1, *target.shape[2:])
        x01, _ = to_model_input(video)
        return {"input": x01, "patches": patchify(x01, self.tubelet, self.patch), "mask": mask,
                "target": target, "pred": pred, "loss": float(out["loss"])}
