"""The frozen mouth-eye descriptor behind MaskFN's false-negative search: HOG features of the two crops.

SSL-FER embeds the eye and mouth crops with an ImageNet-pretrained ResNet-18 (frozen) and takes,
for each anchor, the negative with the most similar descriptor as a false negative. ImageNet weights
cannot be downloaded here, so the descriptor must be fixed without training. The choice is a
histogram of oriented gradients (Dalal & Triggs 2005):

- what MaskFN looks for is "same local expression shape": mouth opening, lip-corner direction, eye
  aperture and brow slant are edge orientations, which HOG encodes directly (it was a standard
  hand-crafted FER feature before CNNs);
- it works on grey values with per-block contrast normalisation, so skin tone and lighting count less;
- it has no weights and no training data of its own (a FER-trained network, such as the FER2013 port,
  would smuggle expression labels into self-supervised pre-training), is deterministic, runs batched on
  the GPU as a few tensor ops, and :func:`hog` equals ``skimage.feature.hog`` (tested).

The alternatives with the same constraints are raw pixels and a randomly initialised CNN. The faces
chapter measures all three on synthetic faces (nearest other-identity frame sharing the expression):
none is far above chance there, so a fixed descriptor makes MaskFN's false-negative search weak;
see that chapter's table before reading MaskFN results.

``describe(eye [B, 3, S, S], mouth [B, 3, S, S]) -> [B, D]``: ``D = 2 x blocks x cells x orientations``
(3528 for 64 px crops, 8 px cells, 2 x 2 blocks, 9 orientations), L2-normalised, so ``g @ g.T`` is the
cosine similarity MaskFN ranks negatives by.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

LUMA = (0.299, 0.587, 0.114)


def _as_float_nchw(images: torch.Tensor) -> torch.Tensor:
    """uint8/float ``[B, 3, H, W]`` or ``[B, H, W, 3]`` (0..255) -> float64 grey ``[B, 1, H, W]``."""
    if images.ndim != 4:
        raise ValueError(f"expected a batch of images [B, 3, H, W], got shape {tuple(images.shape)}")
    x = images.to(torch.float64)
    if x.shape[1] != 3 and x.shape[-1] == 3:
        x = x.permute(0, 3, 1, 2)                           # [B, H, W, 3] -> [B, 3, H, W]
    if x.shape[1] == 3:
        luma = torch.tensor(LUMA, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
        x = (x * luma).sum(1, keepdim=True)                 # [B, 1, H, W]
    elif x.shape[1] != 1:
        raise ValueError(f"expected 1 or 3 channels, got shape {tuple(images.shape)}")
    return x


def hog(grey: torch.Tensor, orientations: int = 9, cell: int = 8, block: int = 2, eps: float = 1e-5) -> torch.Tensor:
    """HOG of grey images ``float [B, 1, H, W]`` (0..255) -> ``[B, n_blocks_r * n_blocks_c * block^2 * orientations]``.

    Same definition and feature order as ``skimage.feature.hog(..., block_norm="L2-Hys")``: central
    differences (zero on the border rows/columns), unsigned orientation in [0, 180) hard-binned, cell
    histograms = summed magnitude / cell area, blocks of ``block x block`` cells at a one-cell stride,
    L2-Hys normalisation (L2, clip at 0.2, L2 again).
    """
    g_row = torch.zeros_like(grey)
    g_col = torch.zeros_like(grey)
    g_row[..., 1:-1, :] = grey[..., 2:, :] - grey[..., :-2, :]
    g_col[..., :, 1:-1] = grey[..., :, 2:] - grey[..., :, :-2]
    magnitude = torch.hypot(g_row, g_col)                                    # [B, 1, H, W]
    angle = torch.remainder(torch.rad2deg(torch.atan2(g_row, g_col)), 180.0)
    bins = torch.floor(angle / (180.0 / orientations)).long()                # [B, 1, H, W] in 0..orientations
    one_hot = F.one_hot(bins[:, 0], orientations + 1)[..., :orientations]    # [B, H, W, O] (180.0 itself: no bin)
    weighted = (one_hot * magnitude[:, 0, ..., None]).permute(0, 3, 1, 2)    # [B, O, H, W]
    cells = F.avg_pool2d(weighted, cell, stride=cell)                        # [B, O, Hc, Wc]
    blocks = cells.unfold(2, block, 1).unfold(3, block, 1)                   # [B, O, Hb, Wb, block_r, block_c]
    blocks = blocks.permute(0, 2, 3, 4, 5, 1).flatten(3)                     # [B, Hb, Wb, block^2 * O]
    blocks = blocks / torch.sqrt((blocks ** 2).sum(-1, keepdim=True) + eps ** 2)
    blocks = blocks.clamp(max=0.2)
    blocks = blocks / torch.sqrt((blocks ** 2).sum(-1, keepdim=True) + eps ** 2)
    return blocks.flatten(1)


@torch.no_grad()
def describe(eye_crops: torch.Tensor, mouth_crops: torch.Tensor, orientations: int = 9, cell: int = 8,
             block: int = 2) -> torch.Tensor:
    """Mouth-eye descriptor ``float32 [B, D]``, L2-normalised: ``normalize([HOG(eye) || HOG(mouth)])``.

    eye_crops, mouth_crops: ``[B, 3, S, S]`` (or ``[B, S, S, 3]``), uint8 or float in 0..255, on any device,
    as :func:`fer_lib.faces.crops.mouth_eye_crops` makes them. No gradient flows (the descriptor is frozen).
    """
    if eye_crops.shape[0] != mouth_crops.shape[0]:
        raise ValueError(f"eye and mouth batches differ: {eye_crops.shape[0]} vs {mouth_crops.shape[0]}")
    parts = [hog(_as_float_nchw(c), orientations, cell, block) for c in (eye_crops, mouth_crops)]
    return F.normalize(torch.cat(parts, dim=1), dim=1).to(torch.float32)
