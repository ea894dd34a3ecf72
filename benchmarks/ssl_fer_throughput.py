"""SSL-FER training throughput (images/s): the model alone on pre-staged tensors vs the chapter's whole pipeline.

    python benchmarks/ssl_fer_throughput.py [--profile default] [--row TimeAug+HardNeg+FaceSwap+MaskFN]
                                            [--device auto] [--steps 20] [-p KEY VALUE ...]

Four rows, each timed over ``--steps`` optimizer steps after 3 warm-up steps, images = views_per_step per step:

1. model alone: backbone + projector + InfoNCE + backward + Adam on normalised view tensors already on
   the device (what the GPU could do if data were free);
2. + strategies and views: ``SSLFER.training_step`` on one collated batch already on the device
   (CutMix, LandmarkMask, batched crops/jitter/blur on the device; on synthetic data FaceSwap is done by
   then, in the collate);
3. data path alone: the tuple dataset and its collate for one step's items (loading, donors, descriptors
   and, on synthetic data, FaceSwap), in the main process: what each data-loader worker does per step;
4. whole pipeline: ``fer_lib.engine.fit`` with the chapter's tuple dataset and collate (with
   ``num_workers`` loader processes, ``-p num_workers N``), as the chapter trains.

The gap between rows 1 and 4 is what the data path costs; with workers, row 4 approaches min(row 2, N x row 3).
CUDA runs use bf16 autocast and channels_last.
"""

from __future__ import annotations

import argparse
import time

import torch

from fer_lib.config import chapter_config, parse_value
from fer_lib.engine.trainer import fit
from fer_lib.experiments.ssl_fer import ROWS
from fer_lib.losses.contrastive import cosine_similarity_matrix, info_nce, pair_masks
from fer_lib.protocols import ssl_fer as protocol
from fer_lib.runtime import autocast, device_description, pick_device


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _timed(step, steps: int, device: torch.device) -> tuple[float, float]:
    """(wall, CPU) seconds per step of ``step()`` over ``steps`` calls, after 3 warm-up calls. CPU time is this
    process's (not its loader workers'): on a shared machine it moves far less with the load than wall time."""
    for _ in range(3):
        step()
    _sync(device)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    _sync(device)
    return (time.perf_counter() - start) / steps, (time.process_time() - cpu) / steps


def model_alone(method, cfg, device: torch.device, steps: int) -> float:
    n = cfg.views_per_step
    x = torch.randn(n, 3, cfg.view_size, cfg.view_size, device=device)
    if device.type == "cuda":
        x = x.contiguous(memory_format=torch.channels_last)
    masks = pair_masks(torch.arange(n, device=device) % (n // 2))
    opt = torch.optim.Adam(method.parameters(), lr=cfg.lr)

    def step():
        with autocast(device):
            z = method.projector(method.backbone(x))
        loss = info_nce(cosine_similarity_matrix(z.float()), *masks, temperature=cfg.temperature,
                        positives_in_denominator=False)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return _timed(step, steps, device)


def with_strategies(method, batch: dict, cfg, device: torch.device, steps: int) -> float:
    batch = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
    opt = torch.optim.Adam(method.parameters(), lr=cfg.lr)

    def step():
        with autocast(device):
            loss, _ = method.training_step(batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return _timed(step, steps, device)


def data_alone(ds, collate, per_step: int, steps: int) -> float:
    """Seconds per step of building one step's batch (items + collate) in this process."""
    collate = collate or torch.utils.data.default_collate
    batches = iter(range(10 ** 9))

    def step():
        start = next(batches) * per_step % max(1, len(ds) - per_step)
        collate([ds[i] for i in range(start, start + per_step)])
    return _timed(step, steps, torch.device("cpu"))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--row", default="TimeAug+HardNeg+FaceSwap+MaskFN")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("-p", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"))
    args = ap.parse_args(argv)
    overrides = {k: parse_value(v) for k, v in args.p}
    cfg = chapter_config("ssl_fer", args.profile, overrides)
    device = pick_device(args.device)
    row = next(r for r in ROWS if r.row == args.row)
    data = protocol.load_data(cfg)
    ds, collate, per_step = protocol.tuple_dataset(row, cfg, data, seed=0)
    batch = (collate or torch.utils.data.default_collate)([ds[i] for i in range(per_step)])
    print(f"{args.row} | profile {args.profile} | ResNet-{cfg.depth} width {cfg.width} at {cfg.view_size} px | "
          f"{cfg.views_per_step} images/step | {device_description(device)}")
    results = {}
    method = protocol.build_method(row, cfg, 0, args.steps).to(device)
    results["model alone (pre-staged tensors)"] = model_alone(method, cfg, device, args.steps)
    method = protocol.build_method(row, cfg, 0, args.steps).to(device)
    results["+ strategies and views (batch on device)"] = with_strategies(method, batch, cfg, device, args.steps)
    results["data path alone (items + collate, one process)"] = data_alone(ds, collate, per_step, args.steps)
    method = protocol.build_method(row, cfg, 0, args.steps + 3)
    start, cpu = time.perf_counter(), time.process_time()
    fit(method, ds, optimizers=torch.optim.Adam(method.parameters(), lr=cfg.lr), batch_size=per_step,
        max_steps=args.steps + 3, device=device, seed=0, collate_fn=collate, num_workers=cfg.num_workers,
        channels_last=device.type == "cuda", progress=False)
    results[f"whole pipeline (fit, {cfg.num_workers} loader workers)"] = (
        (time.perf_counter() - start) / (args.steps + 3), (time.process_time() - cpu) / (args.steps + 3))
    for name, (wall, cpu) in results.items():
        print(f"{name:48s} {cfg.views_per_step / wall:7.0f} images/s  ({wall * 1000:7.1f} ms/step wall, "
              f"{cpu * 1000:7.1f} ms/step CPU)")


if __name__ == "__main__":
    main()
