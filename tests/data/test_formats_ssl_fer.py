"""Real-format loaders of the SSL-FER chapter, on fixtures written in exactly those formats from synthetic frames."""

import csv

import cv2
import numpy as np
import pytest

from fer_lib.data.formats.affectnet import AffectNetImages, read_affectnet_csv, write_affectnet_csv
from fer_lib.data.formats.fer2013 import read_fer2013, write_fer2013
from fer_lib.data.formats.lfw import check_lfw_home, lfw_pairs, lfw_people, write_lfw_home
from fer_lib.data.formats.voxceleb import VoxTupleDataset, read_vox_index
from fer_lib.data.labels import AFFECTNET_8, FER2013_7, SYNTH_8, remap
from fer_lib.data.synth import SynthConfig, load_synth


@pytest.fixture(scope="module")
def videos():
    return load_synth(SynthConfig(domain="balanced", n_identities=3, clips_per_identity=2, frames_per_clip=16,
                                  size=48, seed=0), cache=False)


def write_jpg(path, rgb):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR))


def test_fer2013_round_trip_and_errors(videos, tmp_path):
    grey = np.asarray(videos.frames[:, 0]).mean(-1).astype(np.uint8)                 # [n, 48, 48]
    labels = remap(videos.expression[:, 0], SYNTH_8, FER2013_7, missing=6)          # contempt -> neutral here
    usage = ["Training", "PublicTest", "PrivateTest"] * 2
    path = write_fer2013(tmp_path / "fer2013.csv", grey, labels, usage)
    data = read_fer2013(path)
    np.testing.assert_array_equal(data.images, grey)
    np.testing.assert_array_equal(data.expression, labels)
    assert len(data.subset("PrivateTest").images) == 2
    lines = path.read_text().splitlines()
    bad = {"label": lines[1].replace(lines[1].split(",")[0], "7", 1),
           "pixels": lines[1].rsplit(" ", 1)[0] + ",Training",
           "usage": lines[1].rsplit(",", 1)[0] + ",Validation"}
    for what, line in bad.items():
        broken = tmp_path / f"bad_{what}.csv"
        broken.write_text("\n".join([lines[0], lines[2], line]) + "\n")
        with pytest.raises(ValueError, match=f"bad_{what}.csv:3"):
            read_fer2013(broken)
    (tmp_path / "hdr.csv").write_text("label,pixels,Usage\n")
    with pytest.raises(ValueError, match="header"):
        read_fer2013(tmp_path / "hdr.csv")


def test_affectnet_release_to_csv_to_dataset(videos, tmp_path):
    set_dir = tmp_path / "val_set"
    ids = []
    for c in range(len(videos)):
        image_id = str(1000 + c)
        ids.append(image_id)
        write_jpg(set_dir / "images" / f"{image_id}.jpg", videos.frames[c, 8])
        (set_dir / "annotations").mkdir(parents=True, exist_ok=True)
        np.save(set_dir / "annotations" / f"{image_id}_aro.npy", np.array(videos.arousal[c, 8]))
        np.save(set_dir / "annotations" / f"{image_id}_val.npy", np.array(videos.valence[c, 8]))
        np.save(set_dir / "annotations" / f"{image_id}_exp.npy", np.array(str(videos.expression[c, 8])))
    csv_path = write_affectnet_csv(set_dir, tmp_path / "val.csv")
    ds = AffectNetImages(csv_path, set_dir / "images", size=48)
    assert len(ds) == len(videos)
    item = ds[2]
    expected = remap(videos.expression[:, 8], SYNTH_8, AFFECTNET_8)
    assert int(item["expression"]) == expected[2] and item["image"].shape == (3, 48, 48)
    assert float(item["valence"]) == pytest.approx(float(videos.valence[2, 8]), abs=1e-6)
    # JPEG: close to the source frame, not equal
    assert np.abs(item["image"].numpy().transpose(1, 2, 0).astype(int) - videos.frames[2, 8].astype(int)).mean() < 6
    rows = list(csv.reader(csv_path.open()))
    for what, edit in {"valence": (2, "-2"), "expression": (3, "8"), "image": (0, "999999")}.items():
        bad = [r[:] for r in rows]
        bad[2][edit[0]] = edit[1]
        path = tmp_path / f"bad_{what}.csv"
        with path.open("w", newline="") as h:
            csv.writer(h).writerows(bad)
        with pytest.raises((ValueError, FileNotFoundError), match=f"bad_{what}.csv:3"):
            read_affectnet_csv(path, set_dir / "images")


def test_voxceleb_index_tuples_and_errors(videos, tmp_path):
    root = tmp_path / "unzippedIntervalFaces" / "data"
    lines = []
    for c in range(len(videos)):
        rel = f"id1000{videos.identity[c]}/yt{c:03d}/{c + 1:05d}"
        for t in range(videos.frames.shape[1]):
            write_jpg(root / rel / f"{t + 1}.jpg", videos.frames[c, t])   # 1.jpg ... 16.jpg: name order != glob order
        lines.append(f"{c},faces/wav/{rel},0,{videos.frames.shape[1] - 1},{videos.frames.shape[1]}")
    index = tmp_path / "vox1_frames.txt"
    index.write_text("\n".join(lines) + "\n")
    clips = read_vox_index(index, root)
    assert [p.name for p in clips[0].frames][:3] == ["1.jpg", "2.jpg", "3.jpg"] and clips[0].frames[-1].name == "16.jpg"
    ds = VoxTupleDataset.from_index(index, root, size=48, hard_negative_gap=12, seed=0)
    item = ds[1]
    c, ts = int(item["clip"]), item["t"].numpy()
    assert item["images"].shape == (4, 3, 48, 48) and abs(ts[1] - ts[0]) in (2, 3, 4, 5, 6) and abs(ts[2] - ts[0]) >= 12
    diff = np.abs(item["images"][2].numpy().transpose(1, 2, 0).astype(int) - videos.frames[c, ts[2]].astype(int))
    assert diff.mean() < 6                                     # the frame at time t, not another one
    t0 = ds.t.copy()
    ds.set_epoch(1)
    assert not np.array_equal(ds.t, t0)                        # tuples redrawn per epoch
    for what, line in {"count": lines[0].rsplit(",", 1)[0] + ",15", "fields": "0,a,b",
                       "folder": "0,faces/wav/id9/none/00001,0,15,16"}.items():
        bad = tmp_path / f"bad_{what}.txt"
        bad.write_text("\n".join([lines[1], line]) + "\n")
        with pytest.raises((ValueError, FileNotFoundError), match=f"bad_{what}.txt:2"):
            read_vox_index(bad, root)


def test_lfw_people_and_pairs_through_sklearn(videos, tmp_path):
    faces = {}
    for person in range(3):
        clips = np.flatnonzero(videos.identity == person)
        frames = np.concatenate([np.asarray(videos.frames[c, ::4]) for c in clips])          # 8 per person
        faces[f"Person_{'ABC'[person]}"] = np.stack([cv2.resize(f, (250, 250)) for f in frames])
    write_lfw_home(tmp_path, faces, n_pairs=3)
    images, target, names = lfw_people(tmp_path, min_faces_per_person=5)
    assert list(names) == ["Person A", "Person B", "Person C"] and images.shape[0] == 24   # sklearn: "_" -> " "
    assert np.bincount(target).tolist() == [8, 8, 8]
    pairs, same = lfw_pairs(tmp_path, subset="test")
    assert pairs.shape[:2] == (6, 2) and same.tolist() == [True] * 3 + [False] * 3
    with pytest.raises(ValueError, match="min_faces_per_person=50"):
        lfw_people(tmp_path, min_faces_per_person=50)
    with pytest.raises(FileNotFoundError, match="pairs.txt"):
        (tmp_path / "lfw_home" / "pairs.txt").unlink()
        check_lfw_home(tmp_path)
