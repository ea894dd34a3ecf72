"""RAF-DB label text, AffectNet coarse CSV and FERPlus HDF5 loaders, on fixtures written in exactly those formats."""

from __future__ import annotations

import csv

import cv2
import h5py
import numpy as np
import pytest

from fer_lib.data.formats.affectnet_coarse import affectnet_coarse_dataset, read_affectnet_coarse
from fer_lib.data.formats.ferplus import FerPlusDataset, read_ferplus_h5
from fer_lib.data.formats.image_list import read_image
from fer_lib.data.formats.rafdb import rafdb_dataset, read_rafdb_list
from fer_lib.data.labels import AFFECTNET_8, COARSE_4, FERPLUS_8, RAFDB_7, coarse_labels, infer_coarse_map


def _write_rgb(path, rgb: np.ndarray) -> None:
    """Write an RGB uint8 [H, W, 3] array as a lossless PNG (cv2 wants BGR)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), rgb[:, :, ::-1])


def _red(h=20, w=24):
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = 200  # R
    img[..., 2] = 10   # B
    return img


@pytest.fixture()
def rafdb(tmp_path):
    root = tmp_path / "Image" / "aligned"
    rng = np.random.default_rng(0)
    rows = [("train_00001_aligned.png", 5, 1), ("train_00002_aligned.png", 4, 2),
            ("train_00003_aligned.png", 1, 3), ("train_00004_aligned.png", 7, 0)]
    for name, _, _ in rows:
        _write_rgb(root / name, rng.integers(0, 256, (20, 24, 3), dtype=np.uint8))
    _write_rgb(root / "train_00001_aligned.png", _red())
    label_file = tmp_path / "train_label.txt"
    label_file.write_text("".join(f"{p} {l} {c}\n" for p, l, c in rows) + "\n")
    return label_file, root


def test_rafdb_parses_labels_and_reads_rgb(rafdb):
    label_file, root = rafdb
    images = read_rafdb_list(label_file, root)
    assert [RAFDB_7[i] for i in images.labels["expression"]] == ["sad", "happy", "surprise", "neutral"]
    assert [COARSE_4[i] for i in images.labels["coarse"]] == ["negative", "positive", "surprise", "neutral"]
    # the fixture's coarse column is the book's inferred mapping, and infer_coarse_map recovers it
    np.testing.assert_array_equal(coarse_labels(images.labels["expression"], RAFDB_7), images.labels["coarse"])
    assert infer_coarse_map(images.labels["expression"], images.labels["coarse"], RAFDB_7) == {
        "sad": "negative", "happy": "positive", "surprise": "surprise", "neutral": "neutral"}
    ds = rafdb_dataset(label_file, root)
    item = ds[0]
    assert item["image"].shape == (3, 20, 24) and item["image"].dtype.__str__() == "torch.uint8"
    assert item["image"][0].float().mean() == 200 and item["image"][2].float().mean() == 10  # RGB
    assert int(item["expression"]) == RAFDB_7.index("sad") and int(item["coarse"]) == 1
    bgr = rafdb_dataset(label_file, root, bgr=True, size=16)[0]["image"]
    assert bgr.shape == (3, 16, 16) and bgr[0].float().mean() == 10 and bgr[2].float().mean() == 200  # authors' BGR


def test_rafdb_label_base_zero(tmp_path, rafdb):
    label_file, root = rafdb
    zero = tmp_path / "zero.txt"
    zero.write_text("train_00001_aligned.png 0 3\n")
    assert RAFDB_7[read_rafdb_list(zero, root, label_base=0).labels["expression"][0]] == "surprise"


@pytest.mark.parametrize("line, message", [
    ("train_00001_aligned.png 8 1", "unknown expression label 8"),
    ("train_00001_aligned.png 0 1", "unknown expression label 0"),
    ("train_00001_aligned.png 5 4", "unknown coarse label 4"),
    ("train_00001_aligned.png five 1", "is not an integer"),
    ("train_00001_aligned.png 5", "expected 3 fields"),
    ("missing.png 5 1", "missing.png does not exist"),
])
def test_rafdb_errors_name_file_and_line(tmp_path, rafdb, line, message):
    _, root = rafdb
    bad = tmp_path / "bad.txt"
    bad.write_text(f"train_00002_aligned.png 4 2\n{line}\n")
    with pytest.raises((ValueError, FileNotFoundError), match=message) as err:
        read_rafdb_list(bad, root)
    assert f"{bad}:2" in str(err.value)


def test_unreadable_image_names_path_and_line(tmp_path, rafdb):
    _, root = rafdb
    (root / "broken.png").write_bytes(b"not an image")
    listing = tmp_path / "list.txt"
    listing.write_text("broken.png 5 1\n")
    ds = rafdb_dataset(listing, root)
    with pytest.raises(ValueError, match=rf"broken.png could not be decoded.*{listing}:1"):
        ds[0]
    with pytest.raises(FileNotFoundError, match="nowhere.png does not exist"):
        read_image(root / "nowhere.png")


@pytest.fixture()
def affectnet(tmp_path):
    root = tmp_path / "Manually_Annotated_Images"
    header = ["subDirectory_filePath", "face_x", "face_y", "face_width", "face_height", "facial_landmarks",
              "expression", "valence", "arousal", "expression", "coarse"]
    rows = [("689/a.png", 1, 0.8, 0.3, 1, 2), ("12/b.png", 6, -0.5, 0.7, 6, 1),
            ("12/c.png", 9, 0.0, 0.0, 9, 0), ("7/d.png", 7, -0.3, 0.2, 7, 1)]
    for path, *_ in rows:
        _write_rgb(root / path, _red(30, 30))
    csv_file = tmp_path / "training_coarse.csv"
    with csv_file.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for path, exp, val, aro, label, coarse in rows:
            writer.writerow([path, 0, 0, 30, 30, "1.0;2.0;3.0;4.0", exp, val, aro, label, coarse])
    return csv_file, root


def test_affectnet_coarse_columns_dropping_and_va(affectnet):
    csv_file, root = affectnet
    images = read_affectnet_coarse(csv_file, root, drop_labels=(8, 9, 10), va_columns=("valence", "arousal"))
    assert [AFFECTNET_8[i] for i in images.labels["expression"]] == ["happy", "anger", "contempt"]
    assert [COARSE_4[i] for i in images.labels["coarse"]] == ["positive", "negative", "negative"]
    np.testing.assert_allclose(images.labels["valence"], [0.8, -0.5, -0.3])
    np.testing.assert_allclose(images.labels["arousal"], [0.3, 0.7, 0.2])
    assert images.dropped == {9: 1}
    seven = read_affectnet_coarse(csv_file, root, num_classes=7, drop_labels=(7, 9))
    assert len(seven) == 2 and seven.classes == AFFECTNET_8[:7] and seven.dropped == {9: 1, 7: 1}
    item = affectnet_coarse_dataset(csv_file, root, drop_labels=(9,))[0]
    assert item["image"].shape == (3, 30, 30) and item["image"][0].float().mean() == 200


def test_affectnet_unknown_label_is_an_error_with_line(affectnet):
    csv_file, root = affectnet
    with pytest.raises(ValueError, match=rf"{csv_file}:4: unknown expression label 9"):
        read_affectnet_coarse(csv_file, root)
    with pytest.raises(ValueError, match="header has no column"):
        read_affectnet_coarse(csv_file, root, drop_labels=(9,), va_columns=("val", "aro"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_affectnet_coarse(csv_file.with_name("nope.csv"), root)


def _write_ferplus(path, n=(5, 3, 4), flat=False):
    rng = np.random.default_rng(1)
    data = {}
    with h5py.File(path, "w") as handle:
        for split, count in zip(("Training", "PublicTest", "PrivateTest"), n):
            pixel = rng.integers(0, 256, (count, 48, 48), dtype=np.uint8)
            label = rng.integers(0, 8, count)
            coarse = coarse_labels(label, FERPLUS_8)
            handle[f"{split}_pixel"] = pixel.reshape(count, -1) if flat else pixel
            handle[f"{split}_label"] = label
            handle[f"{split}_coarse"] = coarse
            data[split] = (pixel, label, coarse)
    return data


@pytest.mark.parametrize("flat", [False, True])
def test_ferplus_h5_grey_to_three_channels(tmp_path, flat):
    path = tmp_path / "ferplus.h5"
    data = _write_ferplus(path, flat=flat)
    split = read_ferplus_h5(path, "PrivateTest")
    np.testing.assert_array_equal(split["pixel"], data["PrivateTest"][0])
    np.testing.assert_array_equal(split["expression"], data["PrivateTest"][1])
    ds = FerPlusDataset(path, "Training")
    item = ds[2]
    assert len(ds) == 5 and item["image"].shape == (3, 48, 48)
    for c in range(3):
        np.testing.assert_array_equal(item["image"][c].numpy(), data["Training"][0][2])
    assert int(item["coarse"]) == data["Training"][2][2]
    big = FerPlusDataset(path, "Training", size=96)[0]["image"]
    assert big.shape == (3, 96, 96)
    assert abs(big.float().mean().item() - data["Training"][0][0].mean()) < 2.0


def test_ferplus_errors(tmp_path):
    path = tmp_path / "ferplus.h5"
    _write_ferplus(path)
    with h5py.File(path, "a") as handle:
        del handle["PublicTest_coarse"]
        handle["PublicTest_coarse"] = np.array([0, 1, 7])
        del handle["PrivateTest_label"]
    with pytest.raises(ValueError, match=r"PublicTest_coarse\[2\] = 7 is not a known label"):
        read_ferplus_h5(path, "PublicTest")
    with pytest.raises(KeyError, match="no dataset 'PrivateTest_label'"):
        read_ferplus_h5(path, "PrivateTest")
    with pytest.raises(ValueError, match="unknown FERPlus split"):
        read_ferplus_h5(path, "Test")
    with pytest.raises(FileNotFoundError, match="missing.h5 does not exist"):
        read_ferplus_h5(tmp_path / "missing.h5", "Training")
