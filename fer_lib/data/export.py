"""Write the synthetic videos in a real dataset's published layout, so real-format loaders are tested on real files.

``export_frame_folders`` writes the DFEW/FERV39k/MAFW layout read by
:mod:`fer_lib.data.formats.frame_folder`: ``<out>/frames/<clip>/00001.jpg ...`` and one
``<out>/<split>.csv`` per split with ``frames/<clip> <label>`` lines (labels in the target order).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from fer_lib.data.labels import remap
from fer_lib.results import atomic_write_text


def export_frame_folders(videos, out_dir: str | Path, classes: tuple[str, ...], splits=("train", "test"),
                         image_format: str = "jpg", clip_names: str = "clip{:05d}") -> dict[str, Path]:
    """Export clip-labelled synthetic videos; return {split: csv path}.

    videos: needs ``frames`` uint8 [n_clips, T, H, W, 3] RGB, ``clip_label`` [n_clips] in ``videos.classes``
    order and ``split`` [n_clips]. Clips whose class does not exist in ``classes`` (e.g. contempt for
    DFEW's 7 classes) are left out, since the target dataset could not contain them.
    """
    if image_format not in ("jpg", "png"):
        raise ValueError(f"image_format must be 'jpg' or 'png', got {image_format!r}")
    out_dir = Path(out_dir)
    labels = remap(np.asarray(videos.clip_label), tuple(videos.classes), classes, missing=-1)
    written = {}
    for split in splits:
        lines = []
        for clip in np.flatnonzero(np.asarray(videos.split) == split):
            if labels[clip] < 0:
                continue
            rel = Path("frames") / clip_names.format(int(clip))
            folder = out_dir / rel
            folder.mkdir(parents=True, exist_ok=True)
            for t, frame in enumerate(np.asarray(videos.frames[clip]), 1):
                path = folder / f"{t:05d}.{image_format}"
                if not cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
                    raise OSError(f"could not write {path}")
            lines.append(f"{rel.as_posix()} {labels[clip]}")
        if not lines:
            raise ValueError(f"no clip of split {split!r} has a class in {classes}")
        written[split] = out_dir / f"{split}.csv"
        atomic_write_text(written[split], "\n".join(lines) + "\n")
    return written
