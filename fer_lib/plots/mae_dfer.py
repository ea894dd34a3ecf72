"""Figures of the MAE-DFER chapter: masked reconstructions (input, mask, appearance and motion) and LGI
attention over regions. Functions take arrays and return a matplotlib Figure; they never train."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from fer_lib.losses.reconstruction import unpatchify


def reconstruction_panels(rec: dict, grid: tuple[int, int, int], patch: int, index: int = 0) -> dict[str, np.ndarray]:
    """From :meth:`MAEDFERPretrain.reconstruct` output, the first frame of every tubelet as images [T', H, W, 3]:
    ``input``, ``masked`` (hidden tokens grey), ``appearance`` (masked tokens predicted, de-normalised with the
    true patch's mean/std; visible tokens from the input), ``motion target`` and ``motion predicted``
    (|frame difference slot| of normalised patches, channel-mean, masked tokens only for the prediction)."""
    patches, target, pred = rec["patches"][index:index + 1], rec["target"][index:index + 1], rec["pred"][index:index + 1]
    mask = rec["mask"][index:index + 1]  # [1, N]
    b, n, t, pp, c = patches.shape
    flat = patches.reshape(b, n, t * pp, c)
    mean, std = flat.mean(2, keepdim=True), flat.var(2, unbiased=True, keepdim=True).sqrt()
    app = (pred[:, :, :1].reshape(b, n, pp, c) * std + mean).clamp(0, 1)  # slot 0 de-normalised
    shown = patches.clone()
    shown[mask] = app[mask][:, None].expand(-1, t, -1, -1)
    grey = patches.clone()
    grey[mask] = 0.5

    def frames(p: torch.Tensor) -> np.ndarray:  # [1, N, t, pp, C] -> [T', H, W, C] first frame per tubelet
        video = unpatchify(p, grid, patch)[0]  # [C, T, H, W]
        return video[:, ::t].permute(1, 2, 3, 0).cpu().numpy()

    out = {"input": frames(patches), "masked": frames(grey), "appearance": frames(shown)}
    if t > 1:
        mt = target[:, :, 1:2].abs().mean(-1, keepdim=True).expand(-1, -1, t, -1, c)
        mp = torch.nan_to_num(pred[:, :, 1:2], nan=0.0).abs().mean(-1, keepdim=True).expand(-1, -1, t, -1, c)
        scale = float(mt.max()) or 1.0
        out["motion target"] = frames(mt / scale).clip(0, 1)
        out["motion predicted"] = frames(mp / scale).clip(0, 1)
    return out


def reconstruction_figure(panels: dict[str, np.ndarray], max_columns: int = 8):
    """Rows = panels (name -> images [T', H, W, 3]), columns = tubelets."""
    names = list(panels)
    cols = min(max_columns, len(panels[names[0]]))
    fig, axes = plt.subplots(len(names), cols, figsize=(1.3 * cols, 1.35 * len(names)), squeeze=False)
    for i, name in enumerate(names):
        for j in range(cols):
            ax = axes[i, j]
            ax.imshow(panels[name][j], interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(name, fontsize=8)
            if i == 0:
                ax.set_title(f"tubelet {j}", fontsize=8)
    fig.tight_layout()
    return fig


def representative_attention_map(local: np.ndarray, region_of_token: np.ndarray, grid: tuple[int, int, int]) -> np.ndarray:
    """local [R, 1+S, 1+S] (one clip, one block, head-mean) -> [T', H', W']: how much each region's
    representative token attends to each of its tokens (tokens of region r in ascending index order)."""
    out = np.zeros(int(np.prod(grid)))
    for r in range(local.shape[0]):
        out[np.flatnonzero(region_of_token == r)] = local[r, 0, 1:]
    return out.reshape(grid)


def lgi_attention_figure(frame: np.ndarray, rep_map: np.ndarray, global_attn: np.ndarray, region_of_token: np.ndarray,
                         grid: tuple[int, int, int]):
    """Left: a frame; middle: representative→token attention (mean over time) with region borders;
    right: the R×R global attention among representative tokens."""
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.2))
    axes[0].imshow(frame)
    axes[0].set_title("input frame")
    h, w = frame.shape[:2]
    heat = rep_map.mean(0)
    axes[1].imshow(frame, alpha=0.5)
    axes[1].imshow(heat, cmap="magma", alpha=0.6, extent=(0, w, h, 0), interpolation="nearest")
    regions = region_of_token.reshape(grid)[0]
    for y in range(grid[1]):
        for x in range(grid[2]):
            if x + 1 < grid[2] and regions[y, x] != regions[y, x + 1]:
                axes[1].axvline((x + 1) * w / grid[2], color="cyan", lw=1)
            if y + 1 < grid[1] and regions[y, x] != regions[y + 1, x]:
                axes[1].plot([x * w / grid[2], (x + 1) * w / grid[2]], [(y + 1) * h / grid[1]] * 2, color="cyan", lw=1)
    axes[1].set_title("representative → token attention")
    im = axes[2].imshow(global_attn, cmap="viridis")
    axes[2].set_title("global attention (rep tokens)")
    axes[2].set_xlabel("key region"), axes[2].set_ylabel("query region")
    fig.colorbar(im, ax=axes[2], fraction=0.046)
    for ax in axes[:2]:
        ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    return fig


def label_fraction_figure(table: list[dict], chance: float | None = None):
    """UAR (mean ± std over seeds) against the label fraction, one line per (evaluation, model) of a numeric
    summary (rows with keys ``evaluation``, ``model``, ``labels (%)``, ``UAR``, ``UAR_std``)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, evaluation in zip(axes, ("probe", "finetune")):
        lines: dict[str, list[dict]] = {}
        for r in table:
            if r["evaluation"] == evaluation:
                lines.setdefault(r["model"], []).append(r)
        for model, rows in lines.items():
            rows = sorted(rows, key=lambda r: r["labels (%)"])
            ax.errorbar([r["labels (%)"] for r in rows], [r["UAR"] for r in rows],
                        yerr=[r.get("UAR_std") or 0 for r in rows], marker="o", capsize=3, label=model)
        if chance is not None:
            ax.axhline(chance, color="grey", ls=":", label="chance")
        ax.set_xscale("log")
        ax.set_xlabel("labelled training clips (%)")
        ax.set_title({"probe": "frozen probe on concatenated tokens", "finetune": "fine-tuning"}[evaluation])
        ax.legend(fontsize=7)
    axes[0].set_ylabel("UAR (%)")
    fig.tight_layout()
    return fig
