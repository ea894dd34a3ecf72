"""Aff-Wild2 EXPR loader on fixtures written in exactly the published layout."""

import cv2
import numpy as np
import pytest

from fer_lib.data.formats.affwild2 import ExprFrames, frame_path, load_expr_split, read_expr_file
from fer_lib.data.labels import AFFWILD2_8

HEADER = "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other"


def _write_video(ann_dir, frames_root, video, labels, missing=()):
    ann_dir.mkdir(parents=True, exist_ok=True)
    (ann_dir / f"{video}.txt").write_text(HEADER + "\n" + "\n".join(str(v) for v in labels) + "\n")
    for k, label in enumerate(labels, start=1):
        if label == -1 or k in missing:
            continue
        path = frames_root / video / f"{k:05d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), np.full((20, 20, 3), 30 * label, np.uint8))


def test_reads_labels_drops_invalid_and_indexes_frames(tmp_path):
    ann, root = tmp_path / "EXPR_Classification_Challenge" / "Train_Set", tmp_path / "cropped_aligned"
    _write_video(ann, root, "1-30-1280x720", [0, -1, 7, 3, 3])
    _write_video(ann, root, "video10", [4, 4, -1])
    one = read_expr_file(ann / "1-30-1280x720.txt")
    assert one.frames.tolist() == [1, 3, 4, 5] and one.labels.tolist() == [0, 7, 3, 3] and one.n_invalid == 1
    index = load_expr_split(ann, root)
    assert index.labels.tolist() == [0, 7, 3, 3, 4, 4]
    assert index.videos.tolist() == ["1-30-1280x720"] * 4 + ["video10"] * 2
    assert index.n_invalid == 2 and index.n_missing == 0
    assert index.paths[1].endswith("cropped_aligned/1-30-1280x720/00003.jpg")
    assert AFFWILD2_8[index.labels[1]] == "other"
    item = ExprFrames(index, size=8)[1]
    assert item["image"].shape == (3, 8, 8) and item["expression"] == 7 and item["frame"] == 3
    assert abs(int(item["image"].float().mean()) - 210) <= 2  # the pixel value written for label 7
    assert frame_path(root, "v", 12).name == "00012.jpg"


def test_missing_frame_is_an_error_unless_skipped(tmp_path):
    ann, root = tmp_path / "ann", tmp_path / "frames"
    _write_video(ann, root, "v1", [1, 2, 2], missing=(2,))
    with pytest.raises(FileNotFoundError, match=r"v1\.txt:3: frame image .*00002\.jpg"):
        load_expr_split(ann, root)
    index = load_expr_split(ann, root, skip_missing_frames=True)
    assert index.labels.tolist() == [1, 2] and index.n_missing == 1


@pytest.mark.parametrize("text,message", [
    ("Neutral,Happy\n0\n", r"bad\.txt:1: header"),
    (HEADER + "\n0\nx\n", r"bad\.txt:3: 'x' is not an integer"),
    (HEADER + "\n0\n8\n", r"bad\.txt:3: label 8 outside -1\.\.7"),
    (HEADER + "\n0\n\n1\n", r"bad\.txt:3: blank line"),
    ("", r"bad\.txt:1: empty file"),
])
def test_malformed_files_name_file_and_line(tmp_path, text, message):
    (tmp_path / "bad.txt").write_text(text)
    with pytest.raises(ValueError, match=message):
        read_expr_file(tmp_path / "bad.txt")
