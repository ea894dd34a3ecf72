"""Every frame of a video -> one table row: detect, align, classify, and optionally smooth by a window vote.

Each ``frame_step``-th decoded frame (strict decoding, :class:`fer_lib.faces.video.ClipFrames`) goes through HOG
detection. Its row's ``status`` says what was found:

- ``face``: one face, aligned to the classifier's crop (68 landmarks, five-point similarity) and classified;
- ``several_faces``: with ``multi_face="best"`` the most confident face is classified (the row says so), with
  ``"skip"`` the row has no prediction;
- ``no_face``: no prediction.

No frame is dropped: rows without a prediction keep their frame index and time, with empty probabilities.
Columns: ``frame, time_s, status, n_faces, score, x0, y0, x1, y1`` (the classified face's box, image pixels),
``p_<class>`` per class, ``label`` (argmax) and, with ``vote_window``, ``label_vote``: the sliding-window
majority (:func:`fer_lib.metrics.temporal.window_vote`) over the sequence of classified frames, in order (a
frame without prediction neither votes nor gets a vote).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fer_lib.faces.align import align_face
from fer_lib.faces.detect import detect
from fer_lib.faces.landmarks import predict as predict_landmarks
from fer_lib.faces.video import ClipFrames, frame_rate
from fer_lib.metrics.temporal import ALIGNS, window_vote
from fer_lib.predict.classifier import FrameClassifier

STATUSES = ("face", "several_faces", "no_face")
VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv")


@dataclass(frozen=True)
class PredictSettings:
    """frame_step: classify every k-th frame; max_frames: stop after that many decoded frames (None: all);
    upsample / min_score: HOG detection (:func:`fer_lib.faces.detect.detect`); multi_face: "best" or "skip";
    vote_window: 0 = no vote, else the window (frames) of the vote, with vote_stride and vote_align;
    batch_size: crops per forward pass."""

    frame_step: int = 1
    max_frames: int | None = None
    upsample: int = 0
    min_score: float = 0.0
    multi_face: str = "best"
    vote_window: int = 0
    vote_stride: int = 1
    vote_align: str = "centre"
    batch_size: int = 64

    def __post_init__(self):
        if self.frame_step < 1 or (self.max_frames is not None and self.max_frames < 1):
            raise ValueError(f"need frame_step >= 1 and max_frames >= 1, got {self.frame_step}, {self.max_frames}")
        if self.multi_face not in ("best", "skip"):
            raise ValueError(f"multi_face must be 'best' or 'skip', got {self.multi_face!r}")
        if self.vote_window < 0 or self.vote_stride < 1 or self.vote_align not in ALIGNS:
            raise ValueError(f"need vote_window >= 0, vote_stride >= 1, vote_align in {ALIGNS}; got "
                             f"{self.vote_window}, {self.vote_stride}, {self.vote_align!r}")


def list_videos(source: str | Path) -> list[Path]:
    """A video file -> [it]; a folder -> its video files (by suffix, sorted by name). Errors name the path."""
    source = Path(source)
    if source.is_file():
        return [source]
    if not source.is_dir():
        raise FileNotFoundError(f"{source}: no such video file or folder")
    videos = sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES
                    and not p.name.startswith("."))
    if not videos:
        raise FileNotFoundError(f"{source}: no video files ({', '.join(VIDEO_SUFFIXES)}) in this folder")
    stems = [p.stem for p in videos]
    dupes = sorted({s for s in stems if stems.count(s) > 1})
    if dupes:
        raise ValueError(f"{source}: several videos share the name(s) {dupes}; their outputs would collide")
    return videos


def predict_video(source: str | Path, classifier: FrameClassifier, settings: PredictSettings = PredictSettings(),
                  device="cpu") -> pd.DataFrame:
    """One row per considered frame of a video (columns in the module docstring), in frame order."""
    fps = frame_rate(source)
    rows, crops, parts = [], [], []
    streaming = classifier.clip_frames == 1        # a frame model needs no neighbours: classify batch by batch
    for decoded, (index, frame) in enumerate(ClipFrames(source), 1):
        if settings.max_frames is not None and decoded > settings.max_frames:
            break
        if index % settings.frame_step:
            continue
        found = detect(frame, upsample=settings.upsample, min_score=settings.min_score)
        status = "no_face" if len(found) == 0 else "face" if len(found) == 1 else "several_faces"
        row = {"frame": index, "time_s": round(index / fps, 4), "status": status, "n_faces": len(found)}
        if status == "face" or (status == "several_faces" and settings.multi_face == "best"):
            best = found.best()
            box = found.boxes[best]
            row.update(score=round(float(found.scores[best]), 3), **dict(zip(("x0", "y0", "x1", "y1"), box.tolist())))
            crops.append(align_face(frame, predict_landmarks(frame, box), classifier.size, classifier.zoom).image)
            if streaming and len(crops) == settings.batch_size:
                parts.append(classifier.probabilities(np.stack(crops), device, settings.batch_size))
                crops = []
        rows.append(row)
    table = pd.DataFrame(rows, columns=["frame", "time_s", "status", "n_faces", "score", "x0", "y0", "x1", "y1"])
    parts.append(classifier.probabilities(np.stack(crops) if crops else np.zeros((0, 1, 1, 3), np.uint8), device,
                                          settings.batch_size))
    probs = np.concatenate(parts)                  # [N classified, K]
    classified = table["score"].notna().to_numpy()
    for k, name in enumerate(classifier.classes):
        table[f"p_{name}"] = np.nan
        table.loc[classified, f"p_{name}"] = probs[:, k].astype(np.float64).round(5)   # float32 prints 17 digits
    labels = probs.argmax(1)
    table["label"] = pd.Series(dtype=object)
    table.loc[classified, "label"] = [classifier.classes[i] for i in labels]
    if settings.vote_window:
        voted = window_vote(labels, settings.vote_window, settings.vote_stride, len(classifier.classes),
                            settings.vote_align)
        table["label_vote"] = pd.Series(dtype=object)
        table.loc[classified, "label_vote"] = [classifier.classes[i] for i in voted]
    return table
