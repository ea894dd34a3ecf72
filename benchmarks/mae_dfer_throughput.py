"""MAE-DFER cost at the paper's size on this machine: FLOPs of one forward (meta device) beside the measured time
of one training forward + backward, for the LGI-Former (512 × 16, regions 2 × 5 × 10) and VideoMAE's ViT-B.

    python benchmarks/mae_dfer_throughput.py [--device cpu] [--iters 2] [--threads N]

Prints one line per model (params, GMACs, seconds per clip, clips/s) and the LGI-Former / ViT-B ratios of
compute and of time. The chapter's cost section measures the same with ``fer_lib.metrics.cost``.
"""

from __future__ import annotations

import argparse

import torch

from fer_lib.experiments.mae_dfer import COST_INPUT, COST_MODELS
from fer_lib.metrics.cost import cost_on_meta, train_step_seconds
from fer_lib.models.video_registry import build_video_encoder
from fer_lib.runtime import device_description, pick_device


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--iters", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: leave as is)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    print(f"device: {device_description(device)}, torch threads {torch.get_num_threads()}, input {COST_INPUT}")
    rows = {}
    for spec in COST_MODELS[:2]:
        build = lambda: build_video_encoder(spec["encoder"], **spec["kwargs"])  # noqa: E731
        cost = cost_on_meta(build, COST_INPUT)
        model = build().to(device)
        seconds = train_step_seconds(model, torch.randn(COST_INPUT, device=device), args.iters)
        rows[spec["model"]] = (cost["macs"] / 1e9, seconds)
        print(f"{spec['model']:24s} params {cost['params'] / 1e6:6.2f} M  {cost['macs'] / 1e9:6.2f} GMACs  "
              f"forward+backward {seconds:7.2f} s/clip  {1 / seconds:6.3f} clips/s")
    (m_lgi, s_lgi), (m_vit, s_vit) = rows.values()
    print(f"LGI-Former / ViT-B: compute {m_lgi / m_vit:.3f}, time {s_lgi / s_vit:.3f}")


if __name__ == "__main__":
    main()
