"""Embed a dataset with a frozen network: numpy features [N, D] plus the items' labels, in dataset order.

    feats, labels = embed(method.encoder, FrameDataset(videos, "test"), device=run.torch_device)
    feats.shape     # (N, D) float32
    labels          # {"expression": int64 [N], "identity": int64 [N], "valence": float32 [N], ...}

The network runs in ``eval()`` mode (its previous mode is restored), under ``torch.no_grad()`` and bf16
autocast on CUDA; outputs are returned as float32. Works for logits too (``embed(classifier, ...)``).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from fer_lib.runtime import autocast, pick_device


def to_unit_float(x: torch.Tensor) -> torch.Tensor:
    """uint8 images in 0..255 -> float32 in [0, 1]; float input is returned unchanged."""
    return x.float().div_(255) if x.dtype == torch.uint8 else x


@torch.no_grad()
def embed(encoder: nn.Module, dataset, *, batch_size: int = 256, device: str | torch.device = "auto",
          input_key: str = "image", label_keys: Sequence[str] | None = None,
          preprocess: Callable[[torch.Tensor], torch.Tensor] = to_unit_float, num_workers: int = 0,
          channels_last: bool = False, amp: bool = True) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Features ``encoder(preprocess(batch[input_key]))`` for every item of ``dataset``, in order.

    input_key: the item field fed to the encoder (``"image"`` [3, H, W], ``"video"`` [T, 3, H, W], ``"x"``...).
    label_keys: item fields to return alongside (default: every other numeric field with one value per item).
    preprocess: applied on the device to the batched input (default: uint8 -> [0, 1] float).
    Returns (features float32 [N, D], {key: array [N]}). An encoder output that is not [B, D] is an error.
    """
    device = pick_device(device) if isinstance(device, str) else device
    was_training = encoder.training
    encoder.eval().to(device)
    # an explicit generator: creating the loader's iterator must not consume the global torch RNG
    # (embedding inside a training callback would otherwise change the rest of the run)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, drop_last=False, num_workers=num_workers,
                        pin_memory=device.type == "cuda", generator=torch.Generator().manual_seed(0))
    feats: list[np.ndarray] = []
    labels: dict[str, list[np.ndarray]] = {}
    try:
        for batch in loader:
            if input_key not in batch:
                raise KeyError(f"embed: dataset items have no field {input_key!r} (fields: {sorted(batch)})")
            x = preprocess(batch[input_key].to(device, non_blocking=True))
            if channels_last and x.ndim == 4:
                x = x.contiguous(memory_format=torch.channels_last)
            with autocast(device, amp):
                out = encoder(x)
            if not isinstance(out, torch.Tensor) or out.ndim != 2:
                raise ValueError(f"embed: {type(encoder).__name__} must return a [B, D] tensor, got "
                                 f"{tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}")
            feats.append(out.float().cpu().numpy())
            keys = label_keys if label_keys is not None else [
                k for k, v in batch.items() if k != input_key and isinstance(v, torch.Tensor) and v.ndim == 1]
            for key in keys:
                if key not in batch:
                    raise KeyError(f"embed: dataset items have no label field {key!r} (fields: {sorted(batch)})")
                labels.setdefault(key, []).append(np.asarray(batch[key]))
    finally:
        encoder.train(was_training)
    if not feats:
        raise ValueError("embed: the dataset is empty")
    return np.concatenate(feats), {k: np.concatenate(v) for k, v in labels.items()}
