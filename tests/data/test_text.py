"""Every text reader of the loaders drops UTF-8 byte-order marks (Excel, Windows editors, concatenated files)."""

import numpy as np
import pytest

from fer_lib.data import labels
from fer_lib.data.formats import dfew
from fer_lib.data.formats.affectnet import read_affectnet_csv
from fer_lib.data.formats.fer2013 import read_fer2013
from fer_lib.data.formats.frame_folder import read_annotations
from fer_lib.data.text import read_csv_dicts, read_lines

BOM = "\ufeff"


def test_header_less_dfew_split_with_a_bom_keeps_its_first_row(tmp_path):
    path = tmp_path / "set_1.csv"
    path.write_bytes((BOM + "1,3\n25,7\n").encode("utf-8"))
    assert dfew.read_split(path) == [("Clip/jpg_256/00001", 2), ("Clip/jpg_256/00025", 6)]
    path.write_bytes((BOM + "order,label\n1,3\n").encode("utf-8"))         # with the release's header
    assert dfew.read_split(path) == [("Clip/jpg_256/00001", 2)]


def test_boms_at_the_file_start_and_inside_leave_no_invisible_character_in_paths(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    # two exported files concatenated: a BOM at the start and one at the start of line 2
    (tmp_path / "train.txt").write_bytes((BOM + "a 0\r\n" + BOM + "b 1\r\n").encode("utf-8"))
    entries = read_annotations(tmp_path / "train.txt", labels.DFEW_7)
    assert [e.frame_dir for e in entries] == [tmp_path / "a", tmp_path / "b"]
    assert read_lines(tmp_path / "train.txt") == ["a 0", "b 1"]


def test_csv_headers_saved_by_excel_are_recognised(tmp_path):
    (tmp_path / "0.jpg").write_bytes(b"")
    csv = tmp_path / "train.csv"
    csv.write_bytes((BOM + "image_id,labels_aro,labels_val,labels_exp\r\n0,0.5,-0.25,3\r\n").encode("utf-8"))
    (entry,) = read_affectnet_csv(csv, tmp_path)
    assert (entry.image, entry.arousal, entry.valence, entry.expression) == (tmp_path / "0.jpg", 0.5, -0.25, 3)
    fer = tmp_path / "fer2013.csv"
    pixels = " ".join(str(i % 256) for i in range(48 * 48))
    fer.write_bytes((BOM + "emotion,pixels,Usage\n" + f"4,{pixels},Training\n").encode("utf-8"))
    data = read_fer2013(fer)
    assert data.expression.tolist() == [4] and np.array_equal(data.images[0].ravel(), np.arange(48 * 48) % 256)
    index = tmp_path / "frames.csv"
    index.write_bytes((BOM + "clip_id,folder,n_frames\nc1,c1,12\n").encode("utf-8"))
    assert read_csv_dicts(index) == [{"clip_id": "c1", "folder": "c1", "n_frames": "12"}]


def test_text_that_is_not_utf8_names_the_file_and_line(tmp_path):
    path = tmp_path / "split.txt"
    path.write_bytes("a 0\nb\xe9b 1\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"split.txt: not UTF-8 text"):
        read_lines(path)
    with pytest.raises(FileNotFoundError, match="missing.txt does not exist"):
        read_lines(tmp_path / "missing.txt")
