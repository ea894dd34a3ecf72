"""Strict image decoding shared by every image loader: truncated or overwritten JPEGs are errors naming the file,
``skip_corrupt`` skips and counts them; frame listing is natural-order, without hidden files."""

import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from skimage.data import astronaut

from fer_lib.data import labels
from fer_lib.data.formats.affectnet import AffectNetImages
from fer_lib.data.formats.affwild2 import ExprFrames, load_expr_split
from fer_lib.data.formats.expw import ExpwFaces
from fer_lib.data.formats.frame_folder import FrameFolderClips
from fer_lib.data.formats.ms1m_recordio import FaceImageFolder
from fer_lib.data.formats.rafdb import rafdb_dataset
from fer_lib.data.formats.voxceleb import VoxFrames, read_vox_index
from fer_lib.data.images import CorruptImageError, decode_image, list_frames, read_rgb

SIDE = 112


def jpeg_bytes(seed: int = 0) -> bytes:
    """A real photograph (scikit-image's astronaut) as a 48x48 JPEG, shifted per seed so files differ."""
    image = cv2.resize(np.roll(astronaut(), 7 * seed, axis=1), (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    return cv2.imencode(".jpg", image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


def damage(data: bytes, fraction: float, seed: int) -> bytes:
    """The issue's fault: keep ``fraction`` of the bytes, then overwrite 40 bytes in the middle."""
    rng = np.random.default_rng(seed)
    cut = bytearray(data[:int(len(data) * fraction)])
    middle = len(cut) // 2
    cut[middle:middle + 40] = rng.integers(0, 256, 40, dtype=np.uint8).tobytes()
    return bytes(cut)


@pytest.mark.parametrize("fraction", [0.5, 0.7, 0.9])
def test_truncated_and_overwritten_jpegs_are_errors_naming_the_file(fraction, tmp_path):
    good = jpeg_bytes()
    path = tmp_path / "frame_007.jpg"
    for seed in (0, 1):              # seed 1's overwritten bytes hold an end-of-image marker: libjpeg stops there
        path.write_bytes(damage(good, fraction, seed))
        assert cv2.imread(str(path)) is not None, "OpenCV returns an image, the fault this guards against"
        with pytest.raises(CorruptImageError, match=r"frame_007.jpg is a truncated or corrupt JPEG"):
            read_rgb(path)
    path.write_bytes(good[:int(len(good) * fraction)])      # truncation alone
    assert cv2.imread(str(path)) is not None
    with pytest.raises(CorruptImageError, match="frame_007.jpg"):
        read_rgb(path)


def test_overwritten_bytes_alone_that_libjpeg_notices_are_errors():
    """40 overwritten bytes in the middle, no truncation: libjpeg warns (extraneous bytes / premature end), we raise."""
    good = jpeg_bytes()
    caught = 0
    for seed in range(10):
        bad = bytearray(good)
        bad[len(bad) // 2:len(bad) // 2 + 40] = np.random.default_rng(seed).integers(0, 256, 40, np.uint8).tobytes()
        try:
            decode_image(bytes(bad), "x.jpg")
        except CorruptImageError:
            caught += 1
    assert caught >= 7, f"only {caught} of 10 overwritten JPEGs were caught"


def test_good_images_decode_exactly_as_before(tmp_path):
    """RGB order and values: a PNG is lossless; a JPEG agrees with OpenCV's decoder to rounding."""
    rgb = np.random.default_rng(0).integers(0, 256, (9, 7, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "a.png"), rgb[:, :, ::-1])
    assert np.array_equal(read_rgb(tmp_path / "a.png"), rgb)
    (tmp_path / "b.jpg").write_bytes(jpeg_bytes())
    reference = cv2.imread(str(tmp_path / "b.jpg"))[:, :, ::-1].astype(int)
    assert np.abs(read_rgb(tmp_path / "b.jpg").astype(int) - reference).max() <= 2
    grey = cv2.imencode(".jpg", np.full((8, 8), 77, np.uint8))[1].tobytes()
    assert decode_image(grey, "grey.jpg").shape == (8, 8, 3)
    with pytest.raises(CorruptImageError, match="c.png could not be decoded"):
        (tmp_path / "c.png").write_bytes(cv2.imencode(".png", rgb)[1].tobytes()[:60])
        read_rgb(tmp_path / "c.png")


def test_listing_is_natural_order_without_hidden_files(tmp_path):
    for name in ["10.jpg", "2.jpg", "1.jpg", "._2.jpg", ".DS_Store", "notes.txt"]:
        (tmp_path / name).write_bytes(jpeg_bytes())
    assert [p.name for p in list_frames(tmp_path)] == ["1.jpg", "2.jpg", "10.jpg"]
    for name in ["._1.jpg", ".DS_Store"]:
        (tmp_path / "only_hidden").mkdir(exist_ok=True)
        (tmp_path / "only_hidden" / name).write_bytes(b"\x00\x05\x16\x07 resource fork")
    with pytest.raises(FileNotFoundError, match="only_hidden holds no images"):
        list_frames(tmp_path / "only_hidden")


# ---- every loader: a corrupt file is an error naming it; skip_corrupt skips and counts ----------------------

def write_images(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for k, name in enumerate(names):
        (folder / name).write_bytes(jpeg_bytes(k))


def corrupt(path: Path) -> None:
    path.write_bytes(damage(path.read_bytes(), 0.7, 1))


def frame_folders(root: Path):
    for clip in ("c0", "c1", "c2"):
        write_images(root / clip, [f"{i}.jpg" for i in range(1, 5)])
    (root / "split.txt").write_text("c0 1\nc1 2\nc2 3\n")
    corrupt(root / "c1" / "3.jpg")
    make = lambda skip: FrameFolderClips(root / "split.txt", labels.DFEW_7, num_frames=4, stride=1, size=None,  # noqa: E731
                                         skip_corrupt=skip)
    return make, 1, "c1/3.jpg"


def affectnet(root: Path):
    write_images(root / "images", [f"{i}.jpg" for i in range(3)])
    (root / "train.csv").write_text("image_id,labels_aro,labels_val,labels_exp\n0,0.1,0.2,1\n1,0.0,0.0,2\n2,0.3,-0.1,3\n")
    corrupt(root / "images" / "1.jpg")
    return lambda skip: AffectNetImages(root / "train.csv", root / "images", size=None, skip_corrupt=skip), 1, "1.jpg"


def rafdb(root: Path):
    write_images(root / "aligned", ["a.jpg", "b.jpg", "c.jpg"])
    (root / "list.txt").write_text("a.jpg 1 1\nb.jpg 4 0\nc.jpg 7 3\n")
    corrupt(root / "aligned" / "b.jpg")
    return lambda skip: rafdb_dataset(root / "list.txt", root / "aligned", skip_corrupt=skip), 1, "b.jpg"


def affwild2(root: Path):
    write_images(root / "frames" / "v1", [f"{i:05d}.jpg" for i in (1, 2, 3)])
    (root / "ann").mkdir()
    (root / "ann" / "v1.txt").write_text("Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other\n0\n4\n6\n")
    corrupt(root / "frames" / "v1" / "00002.jpg")
    index = load_expr_split(root / "ann", root / "frames")
    return lambda skip: ExprFrames(index, size=SIDE, skip_corrupt=skip), 1, "v1/00002.jpg"


def expw(root: Path):
    write_images(root / "image" / "origin", ["x.jpg", "y.jpg", "z.jpg"])
    (root / "label").mkdir()
    (root / "label" / "label.lst").write_text("".join(f"{n}.jpg 0 2 3 40 44 50.1 {k}\n" for k, n in enumerate("xyz")))
    corrupt(root / "image" / "origin" / "y.jpg")
    return lambda skip: ExpwFaces(root, size=16, skip_corrupt=skip), 1, "y.jpg"


def voxceleb(root: Path):
    write_images(root / "id1" / "v" / "c", ["1.jpg", "2.jpg", "3.jpg"])
    (root / "vox1_frames.txt").write_text("0,faces/wav/id1/v/c,0,2,3\n")
    corrupt(root / "id1" / "v" / "c" / "2.jpg")
    clips = read_vox_index(root / "vox1_frames.txt", root)
    return lambda skip: VoxFrames(clips, size=SIDE, skip_corrupt=skip), 1, "c/2.jpg"


def ms1m_folder(root: Path):
    for identity in ("a", "b", "c"):
        write_images(root / identity, ["0.jpg"])
    corrupt(root / "b" / "0.jpg")
    return lambda skip: FaceImageFolder(root, size=None, skip_corrupt=skip), 1, "b/0.jpg"


@pytest.mark.parametrize("build", [frame_folders, affectnet, rafdb, affwild2, expw, voxceleb, ms1m_folder])
def test_each_loader_names_the_corrupt_file_or_skips_and_counts_it(build, tmp_path):
    make, bad_index, bad_name = build(tmp_path)
    strict = make(False)
    for i in range(len(strict)):
        if i != bad_index:
            assert strict[i] is not None
    with pytest.raises(CorruptImageError, match=bad_name):
        strict[bad_index]
    lenient = make(True)
    assert lenient.skips.count == 0
    with pytest.warns(UserWarning, match=bad_name):
        item = lenient[bad_index]
    expected = strict[(bad_index + 1) % len(strict)]       # the next readable item stands in
    for key, value in expected.items():
        if isinstance(value, torch.Tensor):
            assert torch.equal(item[key], value), key
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        [lenient[i] for i in range(len(lenient))]
    assert lenient.skips.count == 2                      # read twice: counted twice


def test_skip_count_reaches_the_parent_through_worker_processes(tmp_path):
    make, _, _ = rafdb(tmp_path)
    data = make(True)
    loader = torch.utils.data.DataLoader(data, batch_size=1, num_workers=2, multiprocessing_context="fork")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(list(loader)) == 3
    assert data.skips.count == 1


def test_hidden_files_and_folders_are_not_data(tmp_path):
    write_images(tmp_path / "id0", ["1.jpg", "10.jpg", "2.jpg"])
    (tmp_path / "id0" / "._1.jpg").write_bytes(b"\x00\x05\x16\x07")
    write_images(tmp_path / ".ipynb_checkpoints", ["1.jpg"])                # not an identity
    data = FaceImageFolder(tmp_path, size=None)
    assert data.identities == ["id0"] and [p.name for p, _ in data.items] == ["1.jpg", "2.jpg", "10.jpg"]
    corrupt(tmp_path / "id0" / "2.jpg")
    with pytest.raises(CorruptImageError, match="id0/2.jpg"):
        data[1]


def test_affwild2_annotation_folders_ignore_macos_litter(tmp_path):
    affwild2(tmp_path)
    (tmp_path / "ann" / "._v1.txt").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    assert load_expr_split(tmp_path / "ann", tmp_path / "frames").videos.tolist() == ["v1"] * 3


def test_mixed_frame_sizes_without_resizing_name_the_clip_and_sizes(tmp_path):
    folder = tmp_path / "clip"
    folder.mkdir()
    cv2.imwrite(str(folder / "1.png"), np.zeros((10, 12, 3), np.uint8))
    cv2.imwrite(str(folder / "2.png"), np.zeros((10, 14, 3), np.uint8))
    (folder / "._3.png").write_bytes(b"\x00\x05\x16\x07")                     # macOS litter: not a frame
    (tmp_path / "split.txt").write_text("clip 0\n")
    data = FrameFolderClips(tmp_path / "split.txt", labels.DFEW_7, num_frames=2, stride=1, size=None)
    with pytest.raises(ValueError, match=r"split.txt:1: .*clip: frames of different sizes \['12x10', '14x10'\]"):
        data[0]
    resized = FrameFolderClips(tmp_path / "split.txt", labels.DFEW_7, num_frames=2, stride=1, size=8)
    assert resized[0]["video"].shape == (2, 3, 8, 8)
