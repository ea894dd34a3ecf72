"""Estimated cost of each paper chapter's `full` profile on one GPU: measured FLOPs and activations of one
training step at the paper's model size, times the paper's schedule on the real datasets.

    python benchmarks/full_cost.py [--chapters mae_dfer crs_cont abaw6 ssl_fer] [--device cpu]
                                   [--gpu-tflops 300]

For every training stage of a chapter, one optimiser step runs through the chapter's own protocol code
(the engine's fit capped at one step) on random inputs of the paper's size, at a small batch, under
``torch.utils.flop_counter.FlopCounterMode`` (forward + backward FLOPs; math attention) and a saved-tensors
hook (bytes kept for backward: the activation memory, fp32). Per item, scaled to the paper's batch:

- time = FLOPs per step x steps of the paper's schedule / GPU rate. The rate is ``--gpu-tflops`` (default
  300 TFLOP/s, about 30 % of an H100's dense bf16 peak: an assumption) unless ``--device cuda`` measures
  it: then the measured FLOPs per second of these steps replace it;
- memory = weights, gradients and AdamW/SGD state (fp32) + activations at the paper's batch (fp32; bf16
  autocast stores about half), an upper bound for methods that run several networks in one step.

Dataset sizes (items of one epoch) are the releases' published counts, listed in ``SIZES``. The model-only
throughput on this device is printed beside each stage (items/s of the capped step, no data loading).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from typing import NamedTuple
from unittest import mock

import numpy as np
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from fer_lib.config import chapter_config
from fer_lib.engine import trainer as engine_trainer
from fer_lib.protocols import training_log

#: items per epoch of the real datasets (published counts)
SIZES = {"VoxCeleb2 dev clips": 1_092_009, "DFEW fold train clips": 9_358,   # 11,697 single-labelled, 4/5 per fold
         "RAF-DB train": 12_271, "AffectNet train (8 classes)": 287_651, "VoxCeleb1 clips": 153_516}


class Step(NamedTuple):
    """One measured optimiser step: FLOPs and saved bytes per dataset item, seconds per item on the device."""

    stage: str
    flops: float
    act_bytes: float
    seconds: float
    params: int


def measure(stage: str, batch: int, call, device) -> Step:
    """Run ``call()`` (a protocol function that trains) with every fit capped at one step; per-item numbers."""
    found = {}

    def capped(method, dataset, *, optimizers, **kw):
        kw.update(max_steps=1, progress=False, device=device, log_every=1)
        storages: dict[int, int] = {}

        def pack(t):
            if t.device.type != "meta" and not isinstance(t, torch.nn.Parameter):
                storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
            return t

        counter = FlopCounterMode(display=False)
        t0 = time.perf_counter()
        with sdpa_kernel(SDPBackend.MATH), counter, torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            result = engine_trainer.fit(method, dataset, optimizers=optimizers, **kw)
        params = {p.untyped_storage().data_ptr() for p in method.parameters()}
        act = sum(n for ptr, n in storages.items() if ptr not in params)
        found.setdefault("steps", []).append(Step(stage, counter.get_total_flops() / batch, act / batch,
                                                  (time.perf_counter() - t0) / batch,
                                                  sum(p.numel() for p in method.parameters() if p.requires_grad)))
        return result

    with mock.patch.object(training_log, "fit", capped):
        call()
    return found["steps"]


def clips(n: int, frames: int, size: int) -> list[dict]:
    return [{"video": torch.randint(0, 256, (frames, 3, size, size), dtype=torch.uint8), "label": torch.tensor(i % 7)}
            for i in range(n)]


def mae_dfer(device) -> list[tuple[Step, float, int, str]]:
    """(step, items of the schedule, runs per seed, what) of MAE-DFER's pretraining and fine-tuning stages."""
    from fer_lib.protocols import mae_dfer as mae
    cfg = dataclasses.replace(chapter_config("mae_dfer", "full"), pre_batch=2, ft_batch=2)
    full = chapter_config("mae_dfer", "full")
    out = []
    for name, runs in (("lgi_former", 2), ("vit", 1)):
        [pre] = measure(f"pretrain {name}", 2, lambda: mae.pretrain(cfg, name, name == "lgi_former",
                                                                   clips(2, cfg.frames, cfg.image_size), 0, device), device)
        out.append((pre, full.pre_epochs * SIZES["VoxCeleb2 dev clips"], runs, "VoxCeleb2, pre_epochs"))
    for name, runs in (("lgi_former", 3), ("vit", 2)):
        [ft] = measure(f"fine-tune {name}", 2, lambda: mae.finetune(cfg, name, clips(2, cfg.frames, cfg.image_size),
                                                                    0, device), device)
        out.append((ft, full.ft_epochs * SIZES["DFEW fold train clips"], runs, "DFEW fold, ft_epochs"))
    return out


def crs_cont(device) -> list[tuple[Step, float, int, str]]:
    from fer_lib.augment.fer_views import FerViewConfig
    from fer_lib.experiments.crs_cont import ROWS
    from fer_lib.models.resnet import ResNetBackbone
    from fer_lib.protocols import crs_cont as crs
    cfg = chapter_config("crs_cont", "full")
    items = [{"image": torch.randint(0, 256, (3, cfg.image_size, cfg.image_size), dtype=torch.uint8),
              "coarse": torch.tensor(i % 4), "index": torch.tensor(i)} for i in range(2)]
    encoder = ResNetBackbone(cfg.depth, cfg.width, cfg.stem_stride)
    method = crs.build_pretraining(ROWS[0], encoder, encoder.feature_dim, FerViewConfig(size=cfg.image_size),
                                   negative_weight=cfg.negative_weight, instance_weight=cfg.instance_weight)
    [step] = measure("pretrain (two views)", 2, lambda: crs.pretrain(method, items, batch_size=2, device=device,
                                                                    log=training_log.QUIET), device)
    mix = SIZES["RAF-DB train"] + SIZES["AffectNet train (8 classes)"]
    runs = len(ROWS) + len(cfg.sweep_weights)   # the chapter's rows and its weight sweep, each pretrained
    return [(step, cfg.epochs * mix, runs, "RAF-DB + AffectNet, epochs")]


def abaw6(device) -> list[tuple[Step, float, int, str]]:
    from fer_lib.data.paired import Frames
    from fer_lib.experiments.abaw6 import ROWS
    from fer_lib.protocols import abaw6 as ab
    cfg = dataclasses.replace(chapter_config("abaw6", "full"), batch_size=2, bootstrap_resamples=10)
    full = chapter_config("abaw6", "full")
    s = cfg.image_size
    frames = Frames(np.random.default_rng(0).integers(0, 256, (8, s, s, 3), dtype=np.uint8), np.arange(8) % 8)
    data = ab.AbawData(frames, np.zeros(8, np.int64), frames, frames, frames, frames, np.zeros(8, np.int64))
    rows = {r.row: r for r in ROWS}
    [base] = measure("baseline (supervised)", 2, lambda: ab.train_spatial(rows["baseline"], cfg, data, 0, device), device)
    [ts] = measure("teacher-student", 2, lambda: ab.train_spatial(rows["ssl_all"], cfg, data, 0, device), device)
    ssl_rows = sum(r.ssl for r in {r.spatial: r for r in ROWS}.values())
    return [(base, full.labelled_steps * full.batch_size, 1, "labelled_steps x batch"),
            (ts, full.labelled_steps * full.batch_size, ssl_rows, "labelled_steps x batch, per SSL phase-1 run")]


def ssl_fer(device) -> list[tuple[Step, float, int, str]]:
    from fer_lib.experiments.ssl_fer import ROWS
    from fer_lib.protocols import ssl_fer as ssl
    full = chapter_config("ssl_fer", "full")
    cfg = dataclasses.replace(chapter_config("ssl_fer", "full", {"dataset": "synthetic"}), size=112, n_identities=6,
                              clips_per_identity=2, frames_per_clip=24, eval_identities=16, views_per_step=8,
                              identity_set_identities=4, identity_set_frames=4)
    data = ssl.load_data(cfg)
    row = {r.row: r for r in ROWS}["TimeAug+HardNeg+FaceSwap+MaskFN"]
    [step] = measure("pretrain (per image)", cfg.views_per_step, lambda: ssl.pretrain(row, cfg, data, 0, device), device)
    images = full.epochs * SIZES["VoxCeleb1 clips"] * 4   # one 4-image tuple per clip per epoch
    return [(step, images, sum(r.method in ("ssl_fer", "moco", "byol") for r in ROWS), "VoxCeleb1, epochs x 4 images")]


BATCH = {"mae_dfer": ("pre_batch", "ft_batch"), "crs_cont": ("batch_size",), "abaw6": ("batch_size",),
         "ssl_fer": ("views_per_step",)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", nargs="+", default=["mae_dfer", "crs_cont", "abaw6", "ssl_fer"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--gpu-tflops", type=float, default=300.0)
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    for chapter in args.chapters:
        cfg = chapter_config(chapter, "full")
        print(f"\n{chapter} (full): seeds {len(cfg.seeds)}, claim rows {len(cfg.key_seeds)} seeds")
        total = 0.0
        for step, items, runs, what in globals()[chapter](device):
            batch = max(getattr(cfg, k) for k in BATCH[chapter] if hasattr(cfg, k))
            rate = step.flops / step.seconds if device.type == "cuda" else args.gpu_tflops * 1e12
            hours = step.flops * items / rate / 3600
            memory = (16 * step.params + step.act_bytes * batch) / 2**30
            total += hours * runs
            print(f"  {step.stage:28s} {step.params / 1e6:7.1f} M params  {step.flops / 1e9:8.1f} GFLOP/item (fwd+bwd)"
                  f"  {step.act_bytes / 2**20:8.1f} MiB act/item  {1 / step.seconds:7.2f} items/s on {device.type}"
                  f"  | {items:.3g} items ({what}): {hours:6.2f} GPU-h per run, x{runs} runs per seed;"
                  f" ~{memory:5.1f} GiB at batch {batch}")
        print(f"  => {total:.1f} GPU-h per seed (estimate at {args.gpu_tflops:.0f} TFLOP/s)")


if __name__ == "__main__":
    main()
