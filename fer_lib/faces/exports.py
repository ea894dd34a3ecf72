"""The preprocessing output in the formats the loaders read: a VoxCeleb index and a DFEW-style annotation file.

After :func:`fer_lib.faces.video.preprocess` the output folder holds ``<clip_id>/00000.jpg ...`` per clip. Two
files make it a data set the existing loaders read without conversion:

- ``vox1_frames.txt`` (:func:`write_vox_index`): the SSL-FER authors' index, no header, one clip per line
  ``idx,<clip_id>,0,<n-1>,<n>``, read by :func:`fer_lib.data.formats.voxceleb.read_vox_index` with the output
  folder as root (pretraining). Its identity is a path's first component, here the clip id: each clip counts
  as its own person.
- ``annotation.txt`` (:func:`write_annotation`): MAE-DFER's ``<frame_dir> <label>`` lines (frame_dir relative
  to the file's folder, label a 0-based index into a class order of :mod:`fer_lib.data.labels`), read by
  :class:`fer_lib.data.formats.frame_folder.FrameFolderClips` (fine-tuning, testing). The labels come from a
  user CSV with a header and the columns ``clip_id,label`` (:func:`read_labels`); a label is a class name of
  the order or its 0-based index.

Clips without any aligned frame cannot be sampled: both files leave them out, and :func:`write_annotation`
returns the labelled ones it left out so the caller can say so.
"""

from __future__ import annotations

from pathlib import Path

from fer_lib.data.text import read_csv_dicts

VOX_INDEX_NAME = "vox1_frames.txt"
ANNOTATION_NAME = "annotation.txt"


def write_vox_index(clips: list[dict], out_root: str | Path) -> Path:
    """``<out_root>/vox1_frames.txt`` from the index rows ``{clip_id, folder, n_frames}`` of
    :func:`fer_lib.faces.video.read_index` (clips with no frame left out)."""
    path = Path(out_root) / VOX_INDEX_NAME
    kept = [c for c in clips if c["n_frames"] > 0]
    lines = [f"{i},{c['clip_id']},0,{c['n_frames'] - 1},{c['n_frames']}\n" for i, c in enumerate(kept)]
    path.write_text("".join(lines))
    return path


def read_labels(csv_path: str | Path, classes: tuple[str, ...]) -> dict[str, int]:
    """{clip_id: 0-based label in ``classes``} from a CSV with the header columns ``clip_id`` and ``label``.

    A label is a class name of ``classes`` (case-insensitive) or its 0-based index. A missing column, an unknown
    label or a clip listed twice is a ValueError naming the file and line.
    """
    csv_path = Path(csv_path)
    rows = read_csv_dicts(csv_path)
    if not rows or not {"clip_id", "label"} <= set(rows[0]):
        raise ValueError(f"{csv_path}: expected a header with the columns clip_id,label and at least one row")
    names = [c.lower() for c in classes]
    labels: dict[str, int] = {}
    for number, row in enumerate(rows, 2):
        clip, text = (row["clip_id"] or "").strip(), (row["label"] or "").strip()
        where = f"{csv_path}:{number}"
        if not clip:
            raise ValueError(f"{where}: empty clip_id")
        if clip in labels:
            raise ValueError(f"{where}: clip {clip!r} is listed twice")
        if text.lower() in names:
            labels[clip] = names.index(text.lower())
        elif text.isdigit() and int(text) < len(classes):
            labels[clip] = int(text)
        else:
            raise ValueError(f"{where}: label {text!r} is neither a class of {classes} nor an index "
                             f"0..{len(classes) - 1}")
    return labels


def write_annotation(clips: list[dict], labels: dict[str, int], out_root: str | Path) -> tuple[Path, list[str]]:
    """``<out_root>/annotation.txt`` (``<clip_id> <label>`` lines) for the labelled clips; returns the path and
    the labelled clips left out because no frame of theirs was aligned.

    ``clips``: :func:`fer_lib.faces.video.read_index` rows plus the processed clips without frames
    (``n_frames`` 0). A label for a clip that was not processed, or a processed clip without a label, is a
    ValueError listing them (a typo would otherwise drop a clip silently).
    """
    processed = {c["clip_id"]: c["n_frames"] for c in clips}
    unknown = sorted(set(labels) - set(processed))
    unlabelled = sorted(set(processed) - set(labels))
    if unknown or unlabelled:
        raise ValueError("the labels do not match the processed clips: "
                         + "; ".join(part for part in (
                             f"labelled but not processed {unknown[:10]}" if unknown else "",
                             f"processed but not labelled {unlabelled[:10]}" if unlabelled else "") if part))
    empty = sorted(clip for clip, n in processed.items() if n == 0)
    path = Path(out_root) / ANNOTATION_NAME
    path.write_text("".join(f"{clip} {labels[clip]}\n" for clip in sorted(processed) if processed[clip] > 0))
    return path, empty
