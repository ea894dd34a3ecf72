"""Token masks for masked video autoencoding, made on the device from a seeded ``torch.Generator``.

A mask is a bool tensor [B, N] over tokens in (t, h, w) order with N = T'·H'·W'; True = masked
(hidden from the encoder, reconstructed by the decoder).

- :func:`tube_mask` (VideoMAE): one random spatial mask of ⌊ratio·H'W'⌋ masked positions per clip,
  repeated on every temporal slice ("tube").
- :func:`part_window_tube_mask` (MAE-DFER): the H'×W' plane is cut into windows of wh×ww tokens and
  *each window* gets exactly ⌊ratio·wh·ww⌋ masked positions, again repeated over time. Every LGI region
  that is a union of whole windows × temporal slices therefore keeps the same number of visible tokens,
  which the LGI-Former's region reshape needs (MAE-DFER: windows 5×10, ratio 0.9 -> 5 visible per window).
"""

from __future__ import annotations

import torch


def _ranks(noise: torch.Tensor) -> torch.Tensor:
    """Rank of each entry along the last dim (0 = smallest): a uniform random permutation per row."""
    return noise.argsort(dim=-1).argsort(dim=-1)


def tube_mask(batch: int, grid: tuple[int, int, int], ratio: float, generator: torch.Generator) -> torch.Tensor:
    """Tube mask [B, N] bool (True = masked), ⌊ratio·H'·W'⌋ masked per temporal slice; on ``generator.device``."""
    t, h, w = grid
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"mask ratio must be in [0, 1), got {ratio}")
    num_masked = int(ratio * h * w)
    noise = torch.rand(batch, h * w, generator=generator, device=generator.device)  # [B, H'W']
    spatial = _ranks(noise) < num_masked  # [B, H'W']
    return spatial[:, None, :].expand(batch, t, h * w).reshape(batch, t * h * w)  # [B, N]


def part_window_tube_mask(batch: int, grid: tuple[int, int, int], window: tuple[int, int], ratio: float,
                          generator: torch.Generator) -> torch.Tensor:
    """Part-window tube mask [B, N] bool: exactly ⌊ratio·wh·ww⌋ masked tokens in every wh×ww window.

    grid = (T', H', W') tokens; window = (wh, ww) tokens, must tile H'×W'. Same mask on every slice.
    """
    t, h, w = grid
    wh, ww = window
    if h % wh or w % ww:
        raise ValueError(f"window {window} does not tile the {h}x{w} token plane")
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"mask ratio must be in [0, 1), got {ratio}")
    nh, nw = h // wh, w // ww
    num_masked = int(ratio * wh * ww)
    noise = torch.rand(batch, nh, nw, wh * ww, generator=generator, device=generator.device)
    masked = _ranks(noise) < num_masked  # [B, nh, nw, wh·ww]
    masked = masked.reshape(batch, nh, nw, wh, ww).permute(0, 1, 3, 2, 4).reshape(batch, h * w)  # [B, H'W']
    return masked[:, None, :].expand(batch, t, h * w).reshape(batch, t * h * w)  # [B, N]
