"""Preprocessing: video file or frame folder -> a folder of aligned face frames per clip + a frame index.

For each clip (a video read with PyAV, or a folder of .jpg/.png frames in natural name order, hidden files
left out; both decoded strictly by :class:`ClipFrames`) every
``frame_step``-th decoded frame goes through HOG detection, 68 landmarks and similarity alignment
(:mod:`fer_lib.faces.align`); the crops are written as ``<out>/<clip_id>/00000.jpg, 00001.jpg, ...``
with ``landmarks.npy`` (``float32 [n, 68, 2]``, crop pixels) and ``frames.csv`` (crop index -> source
frame index, faces found, the box). Frames with no face are not written and frames with several faces
are handled by ``multi_face`` ("best": keep the most confident face, "skip": write nothing); both kinds are
listed, by source frame index, in the clip's ``report.json``: nothing is dropped or kept silently.

``<out>/frames.csv`` is the index: one row per finished clip, ``clip_id,folder,n_frames`` (``folder`` relative
to ``<out>``). ``--vox-index`` adds ``<out>/vox1_frames.txt`` (SSL-FER's pretraining index) and ``--labels
CSV`` (columns ``clip_id,label``) ``<out>/annotation.txt`` (MAE-DFER's ``<frame_dir> <label>``): the loaders in
:mod:`fer_lib.data.formats` read both as they are (:mod:`fer_lib.faces.exports`). A clip is written to
``<clip_id>.partial`` and renamed when complete, and its ``report.json`` is the completion mark: a
re-run skips finished clips (and refuses ones finished with other settings unless ``force``).

CLI: ``python -m fer_lib.faces.video SRC [SRC ...] --out DIR [--size 112] [--processes 2] [--vox-index]
[--labels labels.csv --classes dfew7] ...``
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import multiprocessing
import shutil
import sys
import time
import warnings
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from fer_lib.data.images import CorruptImageError, list_frames, read_rgb
from fer_lib.data.labels import CLASS_ORDERS, class_order
from fer_lib.data.text import read_csv_dicts
from fer_lib.data.videos import VideoDecode, VideoReadError
from fer_lib.faces import exports
from fer_lib.faces.align import align_face
from fer_lib.faces.detect import detect
from fer_lib.faces.landmarks import predict

INDEX_NAME = "frames.csv"
REPORT_NAME = "report.json"


@dataclasses.dataclass(frozen=True)
class Settings:
    """size: crop side (px); zoom: face scale in the crop (<1 keeps more context); frame_step: keep every k-th frame;
    max_frames: stop after this many decoded frames (None: all); upsample: HOG pyramid upsampling; cnn: MMOD detector;
    min_score: detections scoring below it are dropped (:func:`fer_lib.faces.detect.detect`);
    multi_face: "best" (keep the highest-scoring face) or "skip"; jpeg_quality: 0-100;
    skip_corrupt: skip corrupt frame images and accept a truncated video (both listed in the clip's report)
    instead of failing the clip."""

    size: int = 112
    zoom: float = 1.0
    frame_step: int = 1
    max_frames: int | None = None
    upsample: int = 0
    cnn: bool = False
    min_score: float = 0.0
    multi_face: str = "best"
    jpeg_quality: int = 95
    skip_corrupt: bool = False

    def __post_init__(self):
        if self.multi_face not in ("best", "skip"):
            raise ValueError(f"multi_face must be 'best' or 'skip', got {self.multi_face!r}")
        if self.frame_step < 1 or self.size < 8:
            raise ValueError(f"need frame_step >= 1 and size >= 8, got {self.frame_step}, {self.size}")


class ClipFrames:
    """Iterate ``(index, frame)``: the RGB ``uint8 [H, W, 3]`` frames of a video file (PyAV) or of a folder of
    images (:func:`fer_lib.data.images.list_frames`: natural name order, hidden files left out), with
    ``index`` the frame's position in the video or folder.

    Decoding is strict: a corrupt image or a truncated video is a VideoReadError naming the file. With
    ``skip_corrupt`` corrupt images are skipped (their indices kept in ``corrupt``) and a short video is
    accepted (``short`` holds the numbers); both are warned about.
    """

    def __init__(self, source: str | Path, skip_corrupt: bool = False):
        self.source, self.skip_corrupt = Path(source), skip_corrupt
        self.corrupt: list[int] = []
        self.short: str | None = None

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        if self.source.is_dir():
            try:
                paths = list_frames(self.source)
            except FileNotFoundError as err:
                raise VideoReadError(str(err)) from None
            for index, path in enumerate(paths):
                try:
                    frame = read_rgb(path)
                except CorruptImageError as err:
                    if not self.skip_corrupt:
                        raise VideoReadError(str(err)) from None
                    self.corrupt.append(index)
                    warnings.warn(f"skipped: {err}", stacklevel=2)
                    continue
                yield index, frame
            if len(self.corrupt) == len(paths):
                raise VideoReadError(f"{self.source}: no frames could be read")
        else:
            frames = VideoDecode(self.source, allow_short=self.skip_corrupt)
            yield from enumerate(frames)
            self.short = frames.problem


def iter_frames(source: str | Path) -> Iterator[np.ndarray]:
    """RGB ``uint8 [H, W, 3]`` frames of a video file or frame folder, decoded strictly (:class:`ClipFrames`)."""
    for _, frame in ClipFrames(source):
        yield frame


def read_frame(source: str | Path, index: int) -> np.ndarray:
    """The ``index``-th decoded frame (0-based) of a video or frame folder; IndexError naming the file if it has fewer."""
    for i, frame in enumerate(iter_frames(source)):
        if i == index:
            return frame
    raise IndexError(f"{source}: frame {index} requested, only {i + 1} frames decode")


def frame_rate(source: str | Path) -> float:
    """The video stream's average frame rate (frames/s) as the container declares it."""
    import av

    try:
        with av.open(str(source)) as container:
            return float(container.streams.video[0].average_rate)
    except (av.error.FFmpegError, IndexError) as err:
        raise VideoReadError(f"{source}: cannot read a video frame rate ({err})") from err


def count_frames(source: str | Path) -> int:
    """Number of frames that actually decode (a container's reported count can be wrong)."""
    return sum(1 for _ in iter_frames(source))


def process_clip(source: str | Path, out_root: str | Path, clip_id: str, settings: Settings) -> dict:
    """Align every kept frame of one clip into ``<out_root>/<clip_id>/``; return its report (also written as JSON)."""
    source, out_root = Path(source), Path(out_root)
    final, partial = out_root / clip_id, out_root / f"{clip_id}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    t0 = time.perf_counter()
    rows, landmarks, no_face, multi_face = [], [], [], []
    decoded = considered = 0
    frames = ClipFrames(source, settings.skip_corrupt)
    for index, frame in frames:
        decoded += 1
        if settings.max_frames is not None and decoded > settings.max_frames:
            decoded -= 1
            break
        if index % settings.frame_step:
            continue
        considered += 1
        found = detect(frame, upsample=settings.upsample, cnn=settings.cnn, min_score=settings.min_score)
        if len(found) == 0:
            no_face.append(index)
            continue
        if len(found) > 1:
            multi_face.append(index)
            if settings.multi_face == "skip":
                continue
        best = found.best()
        box = found.boxes[best]
        aligned = align_face(frame, predict(frame, box), settings.size, settings.zoom)
        out_index = len(rows)
        ok = cv2.imwrite(str(partial / f"{out_index:05d}.jpg"), cv2.cvtColor(aligned.image, cv2.COLOR_RGB2BGR),
                         [cv2.IMWRITE_JPEG_QUALITY, settings.jpeg_quality])
        if not ok:
            raise OSError(f"{partial / f'{out_index:05d}.jpg'}: could not write the aligned frame")
        landmarks.append(aligned.landmarks)
        rows.append([out_index, index, len(found), round(float(found.scores[best]), 3), *np.round(box, 1).tolist()])
    with open(partial / "frames.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["frame", "source_frame", "n_faces", "score", "x0", "y0", "x1", "y1"])
        writer.writerows(rows)
    np.save(partial / "landmarks.npy", np.asarray(landmarks, dtype=np.float32).reshape(-1, 68, 2))
    report = {
        "clip_id": clip_id, "source": str(source), "settings": dataclasses.asdict(settings),
        "decoded_frames": decoded, "considered_frames": considered, "n_frames": len(rows),
        "no_face_frames": no_face, "multi_face_frames": multi_face,
        "multi_face_policy": settings.multi_face, "corrupt_frames": frames.corrupt, "short_video": frames.short,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    (partial / REPORT_NAME).write_text(json.dumps(report, indent=1) + "\n")
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    return report


def _clip_ids(sources: list[Path]) -> list[str]:
    ids = [s.stem if s.is_file() else s.name for s in sources]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"several sources give the same clip id {dupes}: rename them or process them separately")
    return ids


def _work(job: tuple) -> dict:
    source, out_root, clip_id, settings = job
    cv2.setNumThreads(1)
    try:
        return process_clip(source, out_root, clip_id, settings)
    except VideoReadError as err:
        shutil.rmtree(Path(out_root) / f"{clip_id}.partial", ignore_errors=True)
        return {"clip_id": clip_id, "source": str(source), "error": str(err)}


def finished_reports(out_root: str | Path) -> list[dict]:
    """The ``report.json`` of every finished clip under ``out_root``, sorted by clip id."""
    reports = Path(out_root).glob(f"*/{REPORT_NAME}")
    return sorted((json.loads(p.read_text()) for p in reports if not p.parent.name.endswith(".partial")),
                  key=lambda r: r["clip_id"])


def write_index(out_root: str | Path) -> Path:
    """Rebuild ``<out_root>/frames.csv`` (clip_id,folder,n_frames) from the finished clips' reports.

    Clips with no aligned frame are left out of the index (a loader cannot sample them) and listed,
    like every clip, in ``<out_root>/report.csv`` (decoded / considered / written / no-face / several-faces /
    skipped corrupt frame counts, and why a video decoded short).
    """
    out_root = Path(out_root)
    rows = finished_reports(out_root)
    with open(out_root / "report.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["clip_id", "source", "decoded_frames", "considered_frames", "n_frames",
                         "no_face_frames", "multi_face_frames", "multi_face_policy", "corrupt_frames", "short_video"])
        for r in rows:
            writer.writerow([r["clip_id"], r["source"], r["decoded_frames"], r["considered_frames"], r["n_frames"],
                             len(r["no_face_frames"]), len(r["multi_face_frames"]), r["multi_face_policy"],
                             len(r.get("corrupt_frames", [])), r.get("short_video") or ""])
    path = out_root / INDEX_NAME
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["clip_id", "folder", "n_frames"])
        writer.writerows([r["clip_id"], r["clip_id"], r["n_frames"]] for r in rows if r["n_frames"] > 0)
    return path


def read_index(out_root: str | Path) -> list[dict]:
    """Rows of ``<out_root>/frames.csv`` as dicts {clip_id, folder (absolute Path), n_frames (int)}."""
    out_root = Path(out_root)
    return [{"clip_id": r["clip_id"], "folder": out_root / r["folder"], "n_frames": int(r["n_frames"])}
            for r in read_csv_dicts(out_root / INDEX_NAME)]


def preprocess(sources, out_root: str | Path, settings: Settings = Settings(), processes: int = 1,
               force: bool = False, progress: bool = True) -> list[dict]:
    """Process clips in ``processes`` worker processes; return one report per clip (skipped ones included).

    A finished clip (its ``report.json`` exists with the same settings) is skipped and its report returned
    with ``"skipped": True``; finished with other settings -> ValueError unless ``force``. Clips that cannot
    be read do not stop the others; afterwards a VideoReadError lists them all.
    """
    from tqdm import tqdm

    sources = [Path(s) for s in sources]
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    reports, jobs = [], []
    for source, clip_id in zip(sources, _clip_ids(sources)):
        done = out_root / clip_id / REPORT_NAME
        if done.exists() and not force:
            old = json.loads(done.read_text())
            if {**dataclasses.asdict(Settings()), **old["settings"]} != dataclasses.asdict(settings):
                raise ValueError(f"{done}: clip {clip_id!r} was processed with settings {old['settings']}, now "
                                 f"{dataclasses.asdict(settings)}; use another output folder or force=True")
            reports.append({**old, "skipped": True})
            continue
        jobs.append((source, out_root, clip_id, settings))
    bar = tqdm(total=len(jobs), desc="aligning clips", unit="clip", disable=not progress)
    if processes <= 1 or len(jobs) <= 1:
        results = map(_work, jobs)
    else:
        pool = multiprocessing.get_context("spawn").Pool(min(processes, len(jobs)))
        results = pool.imap_unordered(_work, jobs)
    try:
        for report in results:
            reports.append(report)
            bar.update(1)
    finally:
        bar.close()
        if processes > 1 and len(jobs) > 1:
            pool.close()
            pool.join()
    write_index(out_root)
    failed = [r["error"] for r in reports if "error" in r]
    if failed:
        raise VideoReadError(f"{len(failed)} clip(s) could not be read:\n" + "\n".join(failed))
    return reports


def check_labels(labels: dict[str, int], clip_ids: list[str], out_root: str | Path) -> None:
    """Before any work: every source and finished clip in ``out_root`` needs a label, every label such a clip."""
    known = set(clip_ids) | {r["clip_id"] for r in finished_reports(out_root)}
    unlabelled, unknown = sorted(known - set(labels)), sorted(set(labels) - known)
    if unlabelled or unknown:
        raise ValueError("the labels do not match the clips, nothing was processed: " + "; ".join(p for p in (
            f"no label for {unlabelled[:10]}" if unlabelled else "",
            f"labels for clips that are neither sources nor finished in {out_root}: {unknown[:10]}" if unknown else "")
            if p))


def export(out_root: str | Path, vox_index: bool, labels: dict[str, int] | None) -> list[str]:
    """Write the requested loader files (:mod:`fer_lib.faces.exports`) for every finished clip; return what to
    print."""
    clips = [{"clip_id": r["clip_id"], "n_frames": r["n_frames"]} for r in finished_reports(out_root)]
    lines = []
    if vox_index:
        lines.append(f"VoxCeleb index: {exports.write_vox_index(clips, out_root)}")
    if labels is not None:
        path, empty = exports.write_annotation(clips, labels, out_root)
        lines.append(f"annotation: {path}" + (f" (left out, no aligned frame: {empty})" if empty else ""))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fer_lib.faces.video", description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="+", help="video files or folders of frames; clip id = file stem / folder name")
    parser.add_argument("--out", required=True, help="output folder (aligned frames per clip + frames.csv)")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--force", action="store_true", help="redo clips that are already finished")
    parser.add_argument("--vox-index", action="store_true",
                        help=f"also write <out>/{exports.VOX_INDEX_NAME} (SSL-FER's pretraining index)")
    parser.add_argument("--labels", help=f"CSV with columns clip_id,label: also write <out>/{exports.ANNOTATION_NAME} "
                                         "(<frame_dir> <label>, as DFEW/MAE-DFER)")
    parser.add_argument("--classes", default="dfew7", choices=sorted(CLASS_ORDERS),
                        help="class order of the labels (names or 0-based indices into it)")
    for field in dataclasses.fields(Settings):
        kind = int if field.name in ("size", "frame_step", "max_frames", "upsample", "jpeg_quality") else float
        if field.type in (bool, "bool"):
            parser.add_argument(f"--{field.name.replace('_', '-')}", action="store_true")
        elif field.name == "multi_face":
            parser.add_argument("--multi-face", choices=("best", "skip"), default=field.default)
        else:
            parser.add_argument(f"--{field.name.replace('_', '-')}", type=kind, default=field.default)
    args = parser.parse_args(argv)
    settings = Settings(**{f.name: getattr(args, f.name) for f in dataclasses.fields(Settings)})
    try:
        labels = None
        if args.labels:
            labels = exports.read_labels(args.labels, class_order(args.classes))
            check_labels(labels, _clip_ids([Path(s) for s in args.sources]), args.out)
        reports = preprocess(args.sources, args.out, settings, args.processes, args.force)
        written = export(args.out, args.vox_index, labels)
    except (VideoReadError, ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for r in sorted(reports, key=lambda r: r["clip_id"]):
        print(f"{r['clip_id']}: {r['n_frames']} aligned of {r['considered_frames']} considered "
              f"({r['decoded_frames']} decoded); no face: {len(r['no_face_frames'])}, several faces: "
              f"{len(r['multi_face_frames'])} ({r['multi_face_policy']}){' [skipped: done]' if r.get('skipped') else ''}")
    for line in written:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
