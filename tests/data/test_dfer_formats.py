from pathlib import Path

import cv2
import numpy as np
import pytest

from fer_lib.data.formats import dfew, ferv39k, mafw
from fer_lib.data.formats.frame_csv import (Row, frame_rows_to_video_rows, read_rows, relabel_with_values,
                                            split_by_video, video_rows_to_frame_rows, write_annotation, write_rows)
from fer_lib.data.formats.frame_folder import FrameFolderClips


def write_frames(folder: Path, n: int, value0: int = 0):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, n + 1):
        cv2.imwrite(str(folder / f"{i:05d}.png"), np.full((8, 8, 3), value0 + 10 * i, np.uint8))


def test_dfew_fold_to_frame_folder_clips(tmp_path):
    split_dir = tmp_path / "EmoLabel_DataSplit"
    (split_dir / "train(single-labeled)").mkdir(parents=True)
    (split_dir / "test(single-labeled)").mkdir(parents=True)
    (split_dir / "train(single-labeled)" / "set_2.csv").write_text("video_name,label\n1,1\n23,7\n")
    (split_dir / "test(single-labeled)" / "set_2.csv").write_text("video_name,label\n5,3\n")
    for number, n in ((1, 20), (23, 6), (5, 16)):
        write_frames(tmp_path / "Clip" / "jpg_256" / f"{number:05d}", n)
    files = dfew.write_fold(tmp_path, 2, tmp_path / "ann")
    train = FrameFolderClips(files["train"], dfew.CLASSES, num_frames=16, stride=1, size=None)
    assert [e.label for e in train.entries] == [0, 6]  # happy, fear
    assert dfew.CLASSES[train.entries[1].label] == "fear"
    short = train[1]["video"]  # 6 frames < 16: frames 1..6 then the last one repeated
    assert short.shape == (16, 3, 8, 8)
    np.testing.assert_array_equal(short[:, 0, 0, 0].numpy(), [10, 20, 30, 40, 50] + [60] * 11)
    test = FrameFolderClips(files["test"], dfew.CLASSES, num_frames=16, stride=1, size=None)
    assert test.entries[0].label == 2 and dfew.CLASSES[2] == "neutral"
    (split_dir / "test(single-labeled)" / "set_2.csv").write_text("video_name,label\n5,9\n")
    with pytest.raises(ValueError, match=r"set_2.csv:2.*outside"):
        dfew.read_split(dfew.split_file(tmp_path, 2, "test"))


def test_ferv39k_and_mafw_split_readers(tmp_path):
    (tmp_path / "train_All.csv").write_text("Action/Happy/0001 0\nWeather/Angry/0102\n")
    pairs = ferv39k.read_split(tmp_path / "train_All.csv")
    assert pairs == [("2_ClipsforFaceCrop/Action/Happy/0001", 0), ("2_ClipsforFaceCrop/Weather/Angry/0102", 3)]
    (tmp_path / "bad.csv").write_text("Action/Happy/0001 3\n")
    with pytest.raises(ValueError, match="disagrees"):
        ferv39k.read_split(tmp_path / "bad.csv")
    (tmp_path / "train.txt").write_text("00012.mp4 happiness\n00020.mp4 disappointment\n00031.mp4 5\n")
    pairs = mafw.read_split(tmp_path / "train.txt")
    assert [mafw.CLASSES[lbl] for _, lbl in pairs] == ["happy", "disappointment", "sad"]
    assert pairs[0][0] == "frames/00012"
    out = write_annotation(pairs, "/data/MAFW", tmp_path / "ann.csv")
    assert out.read_text().splitlines()[1] == "/data/MAFW/frames/00020 10"
    (tmp_path / "bad.txt").write_text("x.mp4 joy\n")
    with pytest.raises(ValueError, match=r"bad.txt:1.*joy"):
        mafw.read_split(tmp_path / "bad.txt")


def test_frame_level_and_per_video_csv_tooling(tmp_path):
    write_frames(tmp_path / "v1", 3)
    write_frames(tmp_path / "v2", 5)
    videos = write_rows([Row("v1", 2), Row("v2", 4)], tmp_path / "videos.csv")
    frames = video_rows_to_frame_rows(read_rows(videos), tmp_path)
    assert [r.path for r in frames[:4]] == ["v1/00001", "v1/00002", "v1/00003", "v2/00001"]
    gaze = {r.path: (0.1 * i, -0.2 * i) for i, r in enumerate(frames)}
    with_gaze = relabel_with_values(frames, gaze)
    write_rows(with_gaze, tmp_path / "frames.csv")
    back = read_rows(tmp_path / "frames.csv", num_values=2)
    assert back[4].path == "v2/00002" and back[4].values == pytest.approx((0.4, -0.8))
    per_video = frame_rows_to_video_rows(back)
    assert [(r.path, r.label) for r in per_video] == [("v1", 2), ("v2", 4)]
    assert per_video[1].values == pytest.approx((0.1 * 5, -0.2 * 5))  # mean over frames 3..7
    paths = split_by_video(back, tmp_path / "split", "test", chunk=2)
    assert [p.name for p in paths] == ["test_00000_0.csv", "test_00000_1.csv", "test_00001_0.csv",
                                       "test_00001_1.csv", "test_00001_2.csv"]
    assert read_rows(paths[3], num_values=2)[0].path == "v2/00003"
    with pytest.raises(ValueError, match="label 2 at .* but 3"):
        frame_rows_to_video_rows([Row("v1/00001", 2, (), "a:1"), Row("v1/00002", 3, (), "a:2")])
    with pytest.raises(KeyError, match="no regression values"):
        relabel_with_values(frames, {})
    with pytest.raises(ValueError, match="frames.csv:1"):
        read_rows(tmp_path / "frames.csv", num_values=0)
