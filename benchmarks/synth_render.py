"""Rendering throughput of the synthetic face-video generator: frames/s at 64 and 112 px, 1 and 2 workers.

    python benchmarks/synth_render.py [--identities 40] [--clips 4] [--frames 16] [--domain vox]

Times ``render_into`` (rendering + writing the memory-mapped .npy in a temporary folder; labels are
not included), best of two runs; worker processes are started inside the timed region.
Target: >= 1,000 frames/s at 64 px with 2 workers on a 2-core machine.

Two numbers per cell: wall-clock frames/s, and in brackets frames per CPU-second summed over the
main process and its workers (what one idle core renders per second). On a shared, loaded machine the
wall-clock number drops while the CPU-second number stays put: compare the two before concluding.
"""

from __future__ import annotations

import argparse
import os

from fer_lib.data.synth import SynthConfig, render_speed


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--identities", type=int, default=40)
    ap.add_argument("--clips", type=int, default=4)
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--domain", default="vox")
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 112])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args(argv)
    print(f"domain={args.domain}, {args.identities * args.clips} clips x {args.frames} frames, "
          f"cpu_count={os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    print("size | " + " | ".join(f"{w} worker{'s' if w > 1 else ''}: frames/s (per CPU-s)" for w in args.workers))
    for size in args.sizes:
        cfg = SynthConfig(domain=args.domain, n_identities=args.identities, clips_per_identity=args.clips,
                          frames_per_clip=args.frames, size=size)
        cells = [render_speed(cfg, w, repeats=2) for w in args.workers]
        print(f"{size:4d} | " + " | ".join(f"{wall:>21.0f} ({cpu:5.0f})" for wall, cpu in cells), flush=True)


if __name__ == "__main__":
    main()
