"""Dynamic-FER fine-tuning of a video encoder (MAE-DFER §fine-tuning), optionally with a gaze head.

Features: LayerNorm(mean of the LGI-Former's representative tokens) (the paper) or of all tokens (ViT).
Training: mixup 0.8 / cutmix 1.0 with label smoothing 0.1 (timm ``Mixup`` + ``SoftTargetCrossEntropy``),
drop path in the encoder, layer-wise lr decay 0.75 (the engine's ``layer_decay_groups`` with
:func:`video_layer_id`). Test: 2 temporal × 2
spatial views, softmax averaged per video. Combined variant: ``α · CE + L1(gaze)``.
"""

from __future__ import annotations

import re

import torch
import torch.nn.functional as F
from timm.data import Mixup
from timm.loss import SoftTargetCrossEntropy
from torch import nn

from fer_lib.augment.eval_views import evaluation_views
from fer_lib.losses.regression import combined_loss
from fer_lib.methods.mae_dfer import to_model_input


def video_mixup(num_classes: int, mixup_alpha: float = 0.8, cutmix_alpha: float = 1.0,
                label_smoothing: float = 0.1) -> Mixup:
    """timm's Mixup with MAE-DFER's settings (switch prob 0.5, per batch)."""
    return Mixup(mixup_alpha=mixup_alpha, cutmix_alpha=cutmix_alpha, label_smoothing=label_smoothing,
                 num_classes=num_classes)


def mix_video(mixup: Mixup, x: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """x [B, C, T, H, W], labels [B] -> mixed x (same shape), soft targets [B, K].

    timm's cutmix indexes dims 2, 3 as (H, W); on a 5-D video that would cut along (T, H). Frames are
    folded into channels first ([B, C·T, H, W]) so the box is spatial and shared by all frames."""
    b, c, t, h, w = x.shape
    flat = x.reshape(b, c * t, h, w).clone()
    flat, soft = mixup(flat, labels)
    return flat.reshape(b, c, t, h, w), soft


class VideoClassifier(nn.Module):
    """encoder -> pooled [B, D] -> LN -> logits [B, K] (+ regression [B, R] when ``num_reg``).

    pool_reps: True = mean of representative tokens (LGI-Former, the paper); False or an encoder without
    them = mean of all tokens. head_init_scale 0.001 as the code. alpha: weight of CE in the combined loss.
    mixup: a timm Mixup or None (then CE with ``label_smoothing``); not used with a regression head.
    """

    def __init__(self, encoder: nn.Module, num_classes: int, pool_reps: bool = True, num_reg: int = 0,
                 alpha: float = 1.0, mixup: Mixup | None = None, label_smoothing: float = 0.1,
                 head_init_scale: float = 0.001):
        super().__init__()
        self.encoder, self.pool_reps, self.alpha = encoder, pool_reps, alpha
        self.mixup, self.label_smoothing, self.num_classes = mixup, label_smoothing, num_classes
        if mixup is not None and num_reg:
            raise ValueError("mixup mixes inputs but not regression targets: use mixup=None with num_reg > 0")
        dim = encoder.dim
        self.fc_norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, num_classes)
        self.reg_head = nn.Linear(dim, num_reg) if num_reg else None
        for layer in (self.head, self.reg_head):
            if layer is not None:
                nn.init.trunc_normal_(layer.weight, std=0.02)
                nn.init.zeros_(layer.bias)
                layer.weight.data.mul_(head_init_scale)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised video [B, C, T, H, W] -> pooled features [B, D]."""
        enc = self.encoder(x)
        pooled = enc.reps.mean(1) if (self.pool_reps and enc.reps is not None) else enc.tokens.mean(1)
        return self.fc_norm(pooled)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x [B, C, T, H, W] -> (logits [B, K], regression [B, R] or None)."""
        f = self.features(x)
        return self.head(f), (self.reg_head(f) if self.reg_head is not None else None)

    def training_step(self, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        """batch: video uint8 [B, T, C, H, W], label [B] (+ gaze [B, 2] or per frame [B, T, 2] with a regression head)."""
        _, x = to_model_input(batch["video"])
        labels = batch["label"]
        if self.mixup is not None:
            x, soft = mix_video(self.mixup, x, labels)
            logits, reg = self(x)
            ce = SoftTargetCrossEntropy()(logits, soft)
        else:
            logits, reg = self(x)
            ce = F.cross_entropy(logits, labels, label_smoothing=self.label_smoothing)
        logs = {"ce": float(ce.detach())}
        if reg is None:
            return ce, logs
        gaze = batch["gaze"].to(reg)
        gaze = gaze.mean(1) if gaze.ndim == 3 else gaze  # per-frame [B, T, 2] -> the clip's mean gaze
        loss = combined_loss(logits, labels, reg, gaze, self.alpha, class_loss=ce)
        logs["loss"] = float(loss.detach())
        return loss, logs

    @torch.no_grad()
    def predict(self, video: torch.Tensor, num_frames: int, stride: int, temporal: int = 2,
                spatial: int = 2) -> dict:
        """uint8 video [B, T_all, C, H, W] -> dict(probs [B, K] softmax averaged over the V views,
        reg [B, R] averaged, or None). Crops are square at the frames' short side."""
        crop = min(video.shape[-2:])
        views = evaluation_views(video, num_frames, stride, crop, temporal, spatial)  # [B, V, T', C, s, s]
        b, v = views.shape[:2]
        _, x = to_model_input(views.flatten(0, 1))
        logits, reg = self(x)
        probs = logits.float().softmax(-1).reshape(b, v, -1).mean(1)
        return {"probs": probs, "reg": reg.float().reshape(b, v, -1).mean(1) if reg is not None else None}


def video_layer_id(name: str, num_layers: int) -> int:
    """Layer index for layer-wise lr decay (the engine's ``layer_decay_groups(layer_id=...)``):
    tubelet embedding and the LGI-Former's representative tokens -> 0 (as ViT's cls token), ``blocks.<i>`` -> i + 1,
    everything else (final norms, heads) -> ``num_layers`` (= depth + 1)."""
    name = re.sub(r"^(module\.)?(encoder\.)?", "", name)
    if name.split(".")[0] in ("patch_embed", "region_tokens"):
        return 0
    match = re.match(r"blocks\.(\d+)\.", name)
    return int(match.group(1)) + 1 if match else num_layers
