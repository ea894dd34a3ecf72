"""``fer-book predict``: classify every frame of a video file or a folder of videos.

    fer-book predict VIDEO_OR_FOLDER --out DIR [--checkpoint FILE [--classes ORDER|a,b,c]]
                     [--vote-window 15 [--vote-stride 1]] [--frame-step 1] [--max-frames N] [--device auto]

Per video ``<stem>``: ``<out>/<stem>.csv`` (one row per considered frame, :mod:`fer_lib.predict.frames`) and
``<out>/<stem>.png`` (:func:`fer_lib.plots.faces.prediction_timeline`). The model is the FER2013 mini-Xception
by default, or a classifier checkpoint (:mod:`fer_lib.predict.classifier`). The runner only wires the
subcommand: :func:`add_arguments` and :func:`run`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``predict`` subcommand's options (defaults from :class:`fer_lib.predict.frames.PredictSettings`)."""
    parser.add_argument("source", type=Path, help="a video file or a folder of video files")
    parser.add_argument("--out", type=Path, required=True, help="folder for <video>.csv and <video>.png")
    parser.add_argument("--checkpoint", type=Path, help="a classifier checkpoint (default: the FER2013 model)")
    parser.add_argument("--classes", help="class names for the checkpoint's outputs: a class order name "
                                          "(e.g. affwild2_8) or a comma-separated list (default: stored ones)")
    parser.add_argument("--frame-step", type=int, default=1, help="classify every k-th frame")
    parser.add_argument("--max-frames", type=int, help="stop after this many decoded frames per video")
    parser.add_argument("--upsample", type=int, default=0, help="HOG upsampling (1 finds smaller faces, ~4x slower)")
    parser.add_argument("--min-score", type=float, default=0.0, help="drop detections scoring below it")
    parser.add_argument("--multi-face", choices=("best", "skip"), default="best",
                        help="several faces: classify the most confident one, or none (the row says so)")
    parser.add_argument("--vote-window", type=int, default=0, help="sliding-window vote over frames (0: off)")
    parser.add_argument("--vote-stride", type=int, default=1)
    parser.add_argument("--vote-align", choices=("centre", "start"), default="centre")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:1 | mps")


def run(args: argparse.Namespace) -> int:
    """Predict every video of ``args.source``; 0 on success, 1 with a message naming the problem."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from fer_lib.data.videos import VideoReadError
    from fer_lib.engine.checkpoint import CheckpointMismatchError
    from fer_lib.plots.faces import prediction_timeline
    from fer_lib.predict.classifier import fer2013_classifier, load_classifier, resolve_classes
    from fer_lib.predict.frames import PredictSettings, list_videos, predict_video
    from fer_lib.runtime import pick_device

    try:
        settings = PredictSettings(**{f.name: getattr(args, f.name) for f in dataclasses.fields(PredictSettings)})
        videos = list_videos(args.source)
        classes = resolve_classes(args.classes) if args.classes else None
        if args.checkpoint is None and classes is not None:
            raise ValueError("--classes names a checkpoint's outputs; the default FER2013 model has its own")
        classifier = fer2013_classifier() if args.checkpoint is None else load_classifier(args.checkpoint, classes)
        device = pick_device(args.device)
        args.out.mkdir(parents=True, exist_ok=True)
        print(f"model: {classifier.name}; classes {', '.join(classifier.classes)}; {device}", flush=True)
        for path in videos:
            start = time.perf_counter()
            table = predict_video(path, classifier, settings, device)
            seconds = time.perf_counter() - start
            table.to_csv(args.out / f"{path.stem}.csv", index=False)
            fig = prediction_timeline(table, classifier.classes, f"{path.name}: {classifier.name}")
            fig.savefig(args.out / f"{path.stem}.png", dpi=110)
            plt.close(fig)
            counts = table["status"].value_counts()
            print(f"{path.name}: {len(table)} frames ({counts.get('face', 0)} one face, "
                  f"{counts.get('several_faces', 0)} several, {counts.get('no_face', 0)} none) in {seconds:.1f} s "
                  f"({len(table) / max(seconds, 1e-9):.1f} frames/s) -> {args.out / path.stem}.csv/.png", flush=True)
    except (FileNotFoundError, ValueError, VideoReadError, CheckpointMismatchError, RuntimeError) as err:
        print(f"fer-book predict: {err}", file=sys.stderr)
        return 1
    return 0
