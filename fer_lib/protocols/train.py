"""Train a chapter's rows outside the notebook, e.g. data-parallel on several GPUs; the chapter then loads them.

    torchrun --standalone --nproc_per_node=8 -m fer_lib.protocols.train CHAPTER --profile full \\
        [--rows ROW ...] [--seeds 0 1 2] [-p KEY VALUE ...]

Each (row, seed) trains through the engine (DDP under torchrun, one process otherwise) into the checkpoint
folder the chapter uses (``checkpoints/<chapter>/<profile>/``, :meth:`fer_lib.results.Run.checkpoint_root`).
Run the chapter afterwards with the same profile and ``-p`` values and it loads the finished rows instead of
training them (a finished checkpoint loads in any process count). An interrupted run started again resumes
where its last checkpoint left off.

A chapter takes part by giving its protocol module two functions:

- ``trainable_rows(cfg) -> dict[str, Row]``: the rows whose training this entry point can run, by name;
- ``train_row(row, cfg, data, seed, device, checkpoint_root) -> Path``: train (or resume, or find finished)
  one row and return its checkpoint folder.
"""

from __future__ import annotations

import argparse
import importlib

from fer_lib.config import chapter_claims, chapter_config, parse_value
from fer_lib.engine import distributed as ddp
from fer_lib.metrics.claims import row_seeds
from fer_lib.results import checkpoints_root

#: Chapters whose protocols provide ``trainable_rows`` and ``train_row``.
CHAPTERS = ("ssl_fer", "mae_dfer", "crs_cont", "abaw6")


def protocol(chapter: str):
    """The chapter's protocol module (``fer_lib.protocols.<chapter>``)."""
    if chapter not in CHAPTERS:
        raise SystemExit(f"no rows of {chapter!r} train outside the notebook; chapters: {', '.join(CHAPTERS)}")
    return importlib.import_module(f"fer_lib.protocols.{chapter}")


def default_seeds(chapter: str, row: str, cfg) -> tuple[int, ...]:
    """The seeds the chapter runs ``row`` with: ``cfg.key_seeds`` for a row in one of its testable claims,
    ``cfg.seeds`` otherwise (:func:`fer_lib.metrics.claims.row_seeds`)."""
    return row_seeds(row, chapter_claims(chapter, cfg.dataset), cfg.seeds, cfg.key_seeds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fer_lib.protocols.train",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("chapter", choices=CHAPTERS)
    parser.add_argument("--profile", default="full")
    parser.add_argument("--rows", nargs="+", default=None, help="row names (default: every trainable row)")
    parser.add_argument("--seeds", nargs="+", type=int, default=None,
                        help="default: the chapter's seeds for the row (key_seeds for a row in a claim)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"),
                        help="a config override, as for the runner")
    args = parser.parse_args(argv)
    module = protocol(args.chapter)
    cfg = chapter_config(args.chapter, args.profile, {k: parse_value(v) for k, v in args.parameter})
    trainable = module.trainable_rows(cfg)
    unknown = sorted(set(args.rows or ()) - set(trainable))
    if unknown:
        parser.error(f"unknown rows {unknown}; rows: {sorted(trainable)}")
    info = ddp.init_from_env(args.device)
    data = module.load_data(cfg)
    root = checkpoints_root() / args.chapter / args.profile
    for name in args.rows or list(trainable):
        for seed in args.seeds or default_seeds(args.chapter, name, cfg):
            folder = module.train_row(trainable[name], cfg, data, seed, info.device, root)
            if info.rank == 0:
                print(f"{args.chapter} {name} seed {seed} -> {folder}", flush=True)
    ddp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
