"""What one row of the MAE-DFER chapter runs: pretrain an encoder as a masked video autoencoder, fine-tune it
(or a fresh one) for clip-level expression classification (optionally + gaze regression), evaluate with
2 temporal × 2 spatial views. Every batch loop lives in the engine (:func:`fer_lib.engine.trainer.fit`).

Datasets are map-style with items ``video`` uint8 [T, 3, H, W], ``label`` (and ``gaze`` [T, 2] for the
combined head): the synthetic :class:`fer_lib.data.datasets.ClipDataset` or the frame-folder loaders.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch.utils.data import DataLoader

from fer_lib.engine.optim import TOKEN_NAMES, layer_decay_groups, param_groups, warmup_cosine
from fer_lib.engine.trainer import fit, steps_per_epoch
from fer_lib.methods.mae_dfer import MAEDFERPretrain
from fer_lib.methods.video_finetune import VideoClassifier, video_layer_id, video_mixup
from fer_lib.metrics.classification import uar, war
from fer_lib.metrics.regression import angular_error_deg
from fer_lib.models.mae_decoder import MAEDecoder
from fer_lib.models.video_registry import build_video_encoder

SKIP_DECAY = TOKEN_NAMES + ("region_tokens",)


def encoder_kwargs(cfg, name: str, drop_path: float = 0.0) -> dict:
    """Constructor arguments of encoder ``name`` from a chapter config (LGI-Former: dim/depth/heads/region;
    ViT: vit_dim/vit_depth/vit_heads; VideoMamba: dim/depth)."""
    common = dict(frames=cfg.frames, image_size=cfg.image_size, tubelet=cfg.tubelet, patch=cfg.patch,
                  drop_path=drop_path)
    arch = {"lgi_former": dict(dim=cfg.dim, depth=cfg.depth, num_heads=cfg.heads, region=tuple(cfg.region)),
            "vit": dict(dim=cfg.vit_dim, depth=cfg.vit_depth, num_heads=cfg.vit_heads),
            "video_mamba": dict(dim=cfg.dim, depth=cfg.depth)}
    return {**common, **arch[name]}


def pretrain(cfg, name: str, motion: bool, dataset, seed: int, device) -> dict:
    """Masked-autoencoder pretraining of encoder ``name``: part-window tube masks for the LGI-Former (its
    regions need them), plain tube masks for the others (VideoMAE). Returns method, history, seconds."""
    torch.manual_seed(seed)
    encoder = build_video_encoder(name, **encoder_kwargs(cfg, name))
    decoder = MAEDecoder(encoder.grid, encoder.dim, cfg.decoder_dim, cfg.decoder_depth, cfg.decoder_heads,
                         out_dim=cfg.tubelet * cfg.patch ** 2 * 3)
    window = tuple(cfg.mask_window) if name == "lgi_former" else None
    method = MAEDFERPretrain(encoder, decoder, cfg.mask_ratio, window, motion, cfg.motion_weight, seed=seed)
    lr = cfg.pre_lr * cfg.pre_batch / 256  # the paper's linear scaling rule
    opt = torch.optim.AdamW(param_groups(method, cfg.weight_decay), lr=lr, betas=(0.9, 0.95))
    spe = steps_per_epoch(len(dataset), cfg.pre_batch)
    sched = warmup_cosine(opt, cfg.warmup_epochs * spe, cfg.pre_epochs * spe, cfg.pre_min_lr / cfg.pre_lr)
    result = fit(method, dataset, optimizers=opt, schedulers=sched, batch_size=cfg.pre_batch, epochs=cfg.pre_epochs,
                 device=device, seed=seed, grad_clip=cfg.grad_clip, progress=False)
    return {"method": method, "history": result.history, "seconds": result.seconds}


def finetune(cfg, name: str, train_set, seed: int, device, encoder_state: dict | None = None,
             gaze: bool = False) -> dict:
    """Fine-tune (from ``encoder_state`` or from scratch) with layer decay, drop path and mixup/cutmix +
    label smoothing (classification) or the combined α·CE + L1(gaze) loss (``gaze``: no mixup)."""
    torch.manual_seed(seed)
    encoder = build_video_encoder(name, **encoder_kwargs(cfg, name, cfg.drop_path))
    if encoder_state is not None:
        encoder.load_state_dict(encoder_state)
    mixup = None if gaze or cfg.mixup == 0 else video_mixup(cfg.num_classes, cfg.mixup, cfg.cutmix, cfg.smoothing)
    model = VideoClassifier(encoder, cfg.num_classes, pool_reps=True, num_reg=2 if gaze else 0,
                            alpha=cfg.gaze_alpha, mixup=mixup, label_smoothing=cfg.smoothing,
                            batch_norm_features=cfg.batch_norm_features)
    lr = cfg.ft_lr * cfg.ft_batch / 256
    groups = layer_decay_groups(model, lr=lr, weight_decay=cfg.weight_decay, layer_decay=cfg.layer_decay,
                                num_layers=len(encoder.blocks) + 1, layer_id=video_layer_id, skip=SKIP_DECAY)
    opt = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999))
    spe = steps_per_epoch(len(train_set), cfg.ft_batch)
    sched = warmup_cosine(opt, cfg.warmup_epochs * spe, cfg.ft_epochs * spe, cfg.ft_min_lr / cfg.ft_lr)
    result = fit(model, train_set, optimizers=opt, schedulers=sched, batch_size=cfg.ft_batch, epochs=cfg.ft_epochs,
                 device=device, seed=seed, grad_clip=cfg.grad_clip, progress=False)
    return {"model": model, "history": result.history, "seconds": result.seconds}


@torch.no_grad()
def evaluate(cfg, model: VideoClassifier, test_set, device, batch_size: int = 16) -> dict:
    """UAR / WAR (%) from softmax averaged over cfg.test_temporal × cfg.test_spatial views per video, and the
    mean gaze angular error (degrees, vs the clip's mean gaze) when the model has a regression head."""
    model.eval().to(device)
    probs, labels, reg, gaze = [], [], [], []
    t0 = time.perf_counter()
    for batch in DataLoader(test_set, batch_size=batch_size, shuffle=False):
        out = model.predict(batch["video"].to(device), cfg.frames, cfg.stride, cfg.test_temporal, cfg.test_spatial)
        probs.append(out["probs"].cpu().numpy())
        labels.append(batch["label"].numpy())
        if out["reg"] is not None:
            reg.append(out["reg"].cpu().numpy())
            gaze.append(batch["gaze"].float().mean(1).numpy())
    y, p = np.concatenate(labels), np.concatenate(probs).argmax(1)
    metrics = {"uar": 100 * uar(y, p, cfg.num_classes), "war": 100 * war(y, p, cfg.num_classes),
               "eval_seconds": time.perf_counter() - t0}
    if reg:
        metrics["gaze_error_deg"] = float(angular_error_deg(np.concatenate(gaze), np.concatenate(reg)).mean())
    return metrics
