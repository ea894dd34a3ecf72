"""Pretrain SSL-FER rows outside the notebook, e.g. data-parallel on several GPUs; the chapter then loads them.

    torchrun --standalone --nproc_per_node=8 -m fer_lib.protocols.ssl_fer_train --profile full \\
        [--rows SimCLR TimeAug+HardNeg+FaceSwap+MaskFN] [--seeds 0 1 2] [-p KEY VALUE ...]

Each (row, seed) trains through the engine (DDP under torchrun, one process otherwise) into the checkpoint
folder the chapter uses (``checkpoints/ssl_fer/<profile>/``, see
:func:`fer_lib.protocols.ssl_fer.checkpoint_dir`). Run the chapter afterwards with the same profile
and ``-p`` values and it loads the finished rows instead of training them (a finished checkpoint loads in
any process count). An interrupted run started again resumes where its last checkpoint left off.
"""

from __future__ import annotations

import argparse

from fer_lib.config import chapter_config, parse_value
from fer_lib.engine import distributed as ddp
from fer_lib.experiments.ssl_fer import ROWS
from fer_lib.protocols import ssl_fer as protocol
from fer_lib.results import checkpoints_root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fer_lib.protocols.ssl_fer_train",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="full")
    parser.add_argument("--rows", nargs="+", default=None, help="row names (default: every re-run row)")
    parser.add_argument("--seeds", nargs="+", type=int, default=None, help="default: the profile's seeds")
    parser.add_argument("--device", default="auto")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"),
                        help="a config override, as for the runner")
    args = parser.parse_args(argv)
    cfg = chapter_config("ssl_fer", args.profile, {k: parse_value(v) for k, v in args.parameter})
    trainable = {r.row: r for r in ROWS if r.rerun}
    unknown = sorted(set(args.rows or ()) - set(trainable))
    if unknown:
        parser.error(f"unknown rows {unknown}; rows: {sorted(trainable)}")
    info = ddp.init_from_env(args.device)
    data = protocol.load_data(cfg)
    root = checkpoints_root() / "ssl_fer" / args.profile
    for name in args.rows or list(trainable):
        for seed in args.seeds or cfg.seeds:
            _, result = protocol.pretrain(trainable[name], cfg, data, seed, info.device, checkpoint_root=root)
            if info.rank == 0:
                print(f"{name} seed {seed}: step {result.step}, {result.seconds:.0f} s -> {result.checkpoint}",
                      flush=True)
    ddp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
