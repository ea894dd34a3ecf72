"""Test-time views of a video (MAE-DFER / VideoMAE evaluation): ``temporal`` clips of ``num_frames``
frames at ``stride`` placed uniformly along the video × ``spatial`` square crops along the long side.
After MAE-DFER's square resize the spatial crops coincide (the code still averages them).
"""

from __future__ import annotations

import torch


def temporal_starts(n_frames: int, window: int, views: int) -> list[int]:
    """Uniformly spaced start frames of ``views`` windows of ``window`` frames (0 when the video is shorter)."""
    last = max(n_frames - window, 0)
    if views == 1:
        return [last // 2]
    return [round(i * last / (views - 1)) for i in range(views)]


def evaluation_views(video: torch.Tensor, num_frames: int, stride: int, crop: int, temporal: int = 2,
                    spatial: int = 2) -> torch.Tensor:
    """video [B, T, C, H, W] -> views [B, V, T', C, crop, crop] with V = temporal·spatial, T' = num_frames.

    A video shorter than ``num_frames·stride`` is covered by linspace over all frames and, below
    ``num_frames``, padded with its last frame (the paper's rule).
    """
    b, t, c, h, w = video.shape
    if min(h, w) < crop:
        raise ValueError(f"crop {crop} is larger than the video's {h}x{w} frames")
    window = num_frames * stride
    views = []
    for start in temporal_starts(t, window, temporal):
        if t >= window:
            idx = torch.arange(start, start + window, stride)
        else:
            idx = torch.linspace(0, t - 1, min(num_frames, t)).round().long()
            idx = torch.cat([idx, idx[-1:].expand(num_frames - idx.numel())])
        clip = video[:, idx.to(video.device)]  # [B, T', C, H, W]
        long_side = max(h, w) - crop
        for s in temporal_starts(long_side + 1, 1, spatial) if long_side else [0] * spatial:
            top, left = (s, (w - crop) // 2) if h > w else ((h - crop) // 2, s)
            views.append(clip[..., top:top + crop, left:left + crop])
    return torch.stack(views, dim=1)
