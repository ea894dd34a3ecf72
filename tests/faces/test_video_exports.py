"""Preprocessing output read by the loaders as it is: the VoxCeleb index and the DFEW-style annotation file."""

import os

import numpy as np
import pytest
import torch

from fer_lib.data.formats.frame_folder import FrameFolderClips
from fer_lib.data.formats.voxceleb import VoxTupleDataset, read_vox_index
from fer_lib.data.labels import DFEW_7
from fer_lib.data.media import feat_media
from fer_lib.faces.exports import read_labels, write_annotation, write_vox_index
from fer_lib.faces.video import main


def test_cli_output_feeds_the_voxceleb_and_frame_folder_loaders(tmp_path, capsys):
    """Three real clips (two with a face, one without) -> index + annotation -> the loaders, no conversion."""
    smile = tmp_path / "videos" / "smile.mp4"
    smile.parent.mkdir()
    os.symlink(feat_media("single_face.mp4"), smile)
    sources = [str(smile), str(feat_media("single_face.mp4")), str(feat_media("no_face.mp4"))]
    labels = tmp_path / "labels.csv"
    labels.write_text("clip_id,label\nsmile,happy\nsingle_face,2\nno_face,Sad\n")
    out = tmp_path / "aligned"
    assert main(sources + ["--out", str(out), "--size", "64", "--frame-step", "6", "--max-frames", "36",
                           "--vox-index", "--labels", str(labels)]) == 0
    printed = capsys.readouterr().out
    assert "left out, no aligned frame: ['no_face']" in printed

    assert (out / "vox1_frames.txt").read_text() == "0,single_face,0,5,6\n1,smile,0,5,6\n"
    clips = read_vox_index(out / "vox1_frames.txt", out)
    assert [c.identity for c in clips] == ["single_face", "smile"] and [len(c.frames) for c in clips] == [6, 6]
    item = VoxTupleDataset(clips, size=64, offsets=(1, 2), weights=(1, 1))[0]
    assert item["images"].shape == (2, 3, 64, 64) and item["images"].dtype == torch.uint8

    assert (out / "annotation.txt").read_text() == "single_face 2\nsmile 0\n"   # DFEW_7: happy 0, neutral 2
    data = FrameFolderClips(out / "annotation.txt", DFEW_7, num_frames=4, stride=1, size=None)
    assert [(e.frame_dir, e.label) for e in data.entries] == [(out / "single_face", 2), (out / "smile", 0)]
    clip = data[1]
    assert clip["video"].shape == (4, 3, 64, 64) and clip["label"] == 0
    first = np.asarray(clip["video"][0], dtype=float)
    assert first.std() > 10                                    # a real face crop, not a blank frame


def test_labels_are_checked_before_any_work(tmp_path, capsys):
    labels = tmp_path / "labels.csv"
    labels.write_text("clip_id,label\nsingle_face,happy\ntypo_clip,sad\n")
    out = tmp_path / "aligned"
    assert main([str(feat_media("single_face.mp4")), str(feat_media("no_face.mp4")), "--out", str(out),
                 "--labels", str(labels)]) == 1
    err = capsys.readouterr().err
    assert "no label for ['no_face']" in err and "typo_clip" in err and "nothing was processed" in err
    assert not out.exists() or not any(out.iterdir())


def test_read_labels_accepts_names_and_indices_and_names_bad_lines(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("\ufeffclip_id,label,extra\na,FEAR,x\nb,3,y\n")          # Excel's BOM, an extra column
    assert read_labels(path, DFEW_7) == {"a": 6, "b": 3}
    path.write_text("clip_id,label\na,happy\nb,joy\n")
    with pytest.raises(ValueError, match=r"labels.csv:3: label 'joy'"):
        read_labels(path, DFEW_7)
    path.write_text("clip_id,label\na,happy\na,sad\n")
    with pytest.raises(ValueError, match=r"labels.csv:3: clip 'a' is listed twice"):
        read_labels(path, DFEW_7)
    path.write_text("clip,emotion\na,happy\n")
    with pytest.raises(ValueError, match="clip_id,label"):
        read_labels(path, DFEW_7)
    with pytest.raises(ValueError, match="7"):
        path.write_text("clip_id,label\na,7\n")
        read_labels(path, DFEW_7)


def test_writers_leave_out_empty_clips_and_refuse_mismatched_labels(tmp_path):
    clips = [{"clip_id": "a", "n_frames": 3}, {"clip_id": "b", "n_frames": 0}]
    assert write_vox_index(clips, tmp_path).read_text() == "0,a,0,2,3\n"
    path, empty = write_annotation(clips, {"a": 1, "b": 4}, tmp_path)
    assert path.read_text() == "a 1\n" and empty == ["b"]
    with pytest.raises(ValueError, match=r"labelled but not processed \['c'\].*processed but not labelled \['b'\]"):
        write_annotation(clips, {"a": 1, "c": 0}, tmp_path)
