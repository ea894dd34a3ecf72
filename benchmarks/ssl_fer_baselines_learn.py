"""Do MoCo-v2 and BYOL learn in the chapter's budget? The papers' momenta against momenta scaled to the run.

    python benchmarks/ssl_fer_baselines_learn.py [--profile default] [--fractions 0 0.1] [--probe] [-p KEY VALUE ...]

For each method and each ``momentum_time_fraction`` f (0: the papers' 0.999 / 0.996 and, for MoCo, one BatchNorm
group; > 0: :func:`~fer_lib.nn.momentum.budget_momentum` and shuffle-BN with ``moco_bn_groups``) it trains the
chapter's backbone for the chapter's number of steps on the synthetic pretraining pool and prints:

- ``init share``: the part of the key / target encoder that is still its random initialisation (the product of
  the momenta; exact, the EMA being linear);
- ``followed``: ``|theta_target - theta_0| / |theta_online - theta_0|`` over the backbone's weights, how far the
  target moved compared with the network it follows (1 = all the way);
- the loss over the first and the last 10 % of the steps (MoCo: as a fraction of chance, ``log(1 + queue)``, which
  grows while the queue fills, and the positive's top-1 among the queue);
- with ``--probe``: the chapter's linear probe (macro F1) on the online backbone, beside the untrained control.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

from fer_lib.config import chapter_config, parse_value
from fer_lib.data.datasets import FrameDataset
from fer_lib.engine.trainer import fit
from fer_lib.methods.byol import BYOL
from fer_lib.methods.moco import MoCo
from fer_lib.models.resnet import ResNetBackbone
from fer_lib.nn.momentum import budget_momentum, cosine_momentum
from fer_lib.protocols import ssl_fer as protocol
from fer_lib.protocols.ssl_fer_data import synthetic_sets
from fer_lib.runtime import pick_device


def pool(cfg) -> protocol.SSLFERData:
    """The chapter's two synthetic sets (no descriptors: the baselines do not use them)."""
    return protocol.SSLFERData(*synthetic_sets(cfg), None)


def weights(module: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten().float().cpu() for p in module.parameters()])


def build(name: str, cfg, fraction: float, steps: int, seed: int):
    """(method, momentum per step) with the backbone seeded as the chapter seeds it."""
    torch.manual_seed(seed)
    backbone = ResNetBackbone(cfg.depth, cfg.width, cfg.stem_stride)
    f = fraction if fraction > 0 else None
    if name == "MoCo-v2":
        m = budget_momentum(cfg.moco_momentum, steps, f)
        method = MoCo(backbone, protocol.views(cfg), cfg.proj_hidden, cfg.proj_dim, cfg.moco_queue,
                      cfg.moco_temperature, m, seed=seed, bn_groups=cfg.moco_bn_groups if f else 1)
        return method, [m] * steps
    base = budget_momentum(cfg.byol_momentum, steps, f)
    method = BYOL(backbone, protocol.views(cfg), steps, cfg.byol_hidden, cfg.byol_dim, base, seed=seed)
    return method, [cosine_momentum(t, steps, base) for t in range(steps)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--profile", default="default")
    ap.add_argument("--methods", nargs="+", default=["MoCo-v2", "BYOL"])
    ap.add_argument("--fractions", nargs="+", type=float, default=[0.0, 0.1])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--probe", action="store_true")
    ap.add_argument("-p", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"))
    args = ap.parse_args()
    cfg = chapter_config("ssl_fer", args.profile, {k: parse_value(v) for k, v in args.p})
    device = pick_device(args.device)
    data = pool(cfg)
    steps = protocol.total_steps(cfg, data)
    print(f"profile {args.profile}: {steps} steps of {cfg.views_per_step // 2} images x 2 views, device {device}")
    if args.probe:
        torch.manual_seed(args.seed)
        control = protocol.evaluate(ResNetBackbone(cfg.depth, cfg.width, cfg.stem_stride), cfg, data, args.seed, device)
        print(f"untrained control: probe F1 {control['F1']:.3f}")
    for name in args.methods:
        for fraction in args.fractions:
            method, momenta = build(name, cfg, fraction, steps, args.seed)
            target = method.key_backbone if name == "MoCo-v2" else method.target_backbone
            theta0 = weights(method.backbone)
            opt = torch.optim.Adam([p for p in method.parameters() if p.requires_grad], lr=cfg.lr,
                                   weight_decay=cfg.weight_decay)
            t0 = time.perf_counter()
            result = fit(method, FrameDataset(data.pretrain, "train"), optimizers=opt, batch_size=cfg.views_per_step // 2,
                         max_steps=steps, device=device, seed=args.seed, progress=False, log_every=1)
            online_move = (weights(method.backbone) - theta0).norm()
            followed = float((weights(target) - theta0).norm() / online_move)
            losses = np.array([h["loss"] for h in result.history])
            tenth = max(1, len(losses) // 10)
            line = (f"{name:8s} f={fraction:<5g} m0={momenta[0]:.4f} init share {math.prod(momenta):.2e} "
                    f"followed {followed:.3f} loss {losses[:tenth].mean():.3f} -> {losses[-tenth:].mean():.3f}")
            if name == "MoCo-v2":
                top1 = np.array([h["pos_top1"] for h in result.history])
                queue = np.array([h["queue"] for h in result.history])
                of_chance = losses[queue > 0] / np.log1p(queue[queue > 0])     # step 0: empty queue, no loss
                line += (f" (of chance {of_chance[:tenth].mean():.2f} -> {of_chance[-tenth:].mean():.2f})"
                         f" pos_top1 {top1[:tenth].mean():.3f} -> {top1[-tenth:].mean():.3f}")
            if args.probe:
                line += f" | probe F1 {protocol.evaluate(method.backbone, cfg, data, args.seed, device)['F1']:.3f}"
            print(line + f" ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
