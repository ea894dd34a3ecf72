"""ExpW label list and face crops on a fixture in exactly the published layout."""

import cv2
import numpy as np
import pytest

from fer_lib.data.formats.expw import ExpwFaces, read_label_list
from fer_lib.data.labels import EXPW_7


def _fixture(root):
    (root / "label").mkdir(parents=True)
    (root / "image" / "origin").mkdir(parents=True)
    image = np.zeros((60, 80, 3), np.uint8)
    image[10:30, 20:50] = (0, 0, 255)  # BGR red face 1: top 10, left 20, right 50, bottom 30
    image[35:55, 5:25] = (255, 0, 0)   # BGR blue face 2
    cv2.imwrite(str(root / "image" / "origin" / "afraid_african_214.png"), image)
    (root / "label" / "label.lst").write_text(
        "afraid_african_214.png 0 10 20 50 30 48.5462739458 2\n"
        "afraid_african_214.png 1 35 5 25 55 12.25 6\n")


def test_parses_list_and_crops_faces(tmp_path):
    _fixture(tmp_path)
    lst = read_label_list(tmp_path / "label" / "label.lst")
    assert lst.labels.tolist() == [2, 6] and lst.face_ids.tolist() == [0, 1]
    assert lst.boxes.tolist() == [[10, 20, 50, 30], [35, 5, 25, 55]]
    assert lst.confidence[0] == pytest.approx(48.5462739458)
    assert [EXPW_7[v] for v in lst.labels] == ["fear", "neutral"]
    faces = ExpwFaces(tmp_path, size=8)
    first, second = faces[0], faces[1]
    assert first["image"].shape == (3, 8, 8)
    assert first["image"][:, 4, 4].tolist() == [255, 0, 0]  # RGB red: the crop is exactly the box
    assert second["image"][:, 4, 4].tolist() == [0, 0, 255] and second["expression"] == 6


@pytest.mark.parametrize("line,message", [
    ("a.jpg 0 1 2 3", r"label\.lst:2: expected 8 fields"),
    ("a.jpg 0 1 2 x 4 0.5 1", r"label\.lst:2: non-numeric"),
    ("a.jpg 0 1 2 3 4 0.5 7", r"label\.lst:2: expression label 7 outside 0\.\.6"),
    ("a.jpg 0 10 20 15 30 0.5 1", r"label\.lst:2: empty or negative face box"),
])
def test_malformed_lines_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "label.lst"
    path.write_text("ok.jpg 0 1 2 3 4 0.5 1\n" + line + "\n")
    with pytest.raises(ValueError, match=message):
        read_label_list(path)


def test_box_past_the_border_is_an_error(tmp_path):
    _fixture(tmp_path)
    (tmp_path / "label" / "label.lst").write_text("afraid_african_214.png 0 10 20 90 30 1.0 3\n")
    with pytest.raises(ValueError, match="exceeds the image size 80x60"):
        ExpwFaces(tmp_path)[0]
