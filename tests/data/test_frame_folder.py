"""The DFEW-style frame-folder loader, tested on files written in exactly that layout by the exporter."""

from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from fer_lib.data import labels
from fer_lib.data.export import export_frame_folders
from fer_lib.data.formats.frame_folder import FrameFolderClips, list_frames, read_annotations, sample_indices


@pytest.fixture()
def videos():
    rng = np.random.default_rng(0)
    return SimpleNamespace(
        frames=rng.integers(0, 256, (5, 6, 16, 16, 3), dtype=np.uint8),
        clip_label=np.array([1, 2, 7, 0, 3]),  # synth order: happy, sad, contempt, neutral, surprise
        classes=labels.SYNTH_8,
        split=np.array(["train", "train", "train", "test", "test"]),
    )


def test_round_trip_png_is_exact(videos, tmp_path):
    csvs = export_frame_folders(videos, tmp_path, labels.DFEW_7, image_format="png")
    lines = csvs["train"].read_text().splitlines()
    assert lines == ["frames/clip00000 0", "frames/clip00001 1"], "contempt has no DFEW class: left out"
    entries = read_annotations(csvs["train"], labels.DFEW_7)
    assert [labels.DFEW_7[e.label] for e in entries] == ["happy", "sad"]
    data = FrameFolderClips(csvs["train"], labels.DFEW_7, num_frames=6, stride=1, size=None)
    item = data[1]
    assert item["video"].shape == (6, 3, 16, 16) and item["label"] == 1
    assert np.array_equal(item["video"].permute(0, 2, 3, 1).numpy(), videos.frames[1])


def test_frames_sorted_by_name_not_glob(tmp_path):
    for name in ["10.png", "2.png", "1.png"]:
        cv2.imwrite(str(tmp_path / name), np.zeros((4, 4, 3), np.uint8))
    assert [p.name for p in list_frames(tmp_path)] == ["1.png", "2.png", "10.png"]


def test_errors_name_file_and_line(videos, tmp_path):
    csvs = export_frame_folders(videos, tmp_path, labels.DFEW_7, image_format="jpg")
    bad = tmp_path / "bad.csv"
    bad.write_text("frames/clip00000 0\nframes/clip00001 9\n")
    with pytest.raises(ValueError, match=r"bad.csv:2: label 9 is outside"):
        read_annotations(bad, labels.DFEW_7)
    bad.write_text("frames/clip00000 0\nframes/missing 1\n")
    with pytest.raises(FileNotFoundError, match=r"bad.csv:2: frame folder .*missing does not exist"):
        read_annotations(bad, labels.DFEW_7)
    bad.write_text("frames/clip00000\n")
    with pytest.raises(ValueError, match=r"bad.csv:1: expected"):
        read_annotations(bad, labels.DFEW_7)
    (tmp_path / "frames" / "clip00000" / "00003.jpg").write_bytes(b"not a jpeg")
    data = FrameFolderClips(csvs["train"], labels.DFEW_7, num_frames=6, stride=1, size=None)
    with pytest.raises(OSError, match=r"clip00000/00003.jpg"):
        data[0]


def test_sample_indices_follow_the_padding_rule():
    assert sample_indices(100, 16, 4).tolist() == np.linspace(18, 81, 16).round().astype(int).tolist()
    assert sample_indices(30, 16, 4).tolist() == np.linspace(0, 29, 16).round().astype(int).tolist()
    assert sample_indices(5, 8, 4).tolist() == [0, 1, 2, 3, 4, 4, 4, 4]
    rng = np.random.default_rng(0)
    starts = {sample_indices(200, 16, 4, rng)[0] for _ in range(20)}
    assert len(starts) > 1 and all(0 <= s <= 200 - 64 for s in starts)
