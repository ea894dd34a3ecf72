"""Tiny datasets written in the real releases' formats, for the paper-configuration dry runs.

Each writer puts a few items under ``root`` in exactly the layout its loader in ``fer_lib.data.formats``
documents (DFEW folds and frame folders, a VoxCeleb2 mp4 list, RAF-DB label text, AffectNet CSVs, the
FERPlus HDF5, Aff-Wild2 EXPR annotation files, ExpW's label.lst, an InsightFace RecordIO pair) and returns
the paths a chapter's config needs. Images are random noise: the dry runs check that the pipeline trains,
not what it learns.
"""

from __future__ import annotations

import struct
from pathlib import Path

import av
import cv2
import h5py
import numpy as np

from fer_lib.data.labels import FERPLUS_8, coarse_labels

RNG = np.random.default_rng(0)
AW2_HEADER = "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other"


def image(path: Path, size: int = 24) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), RNG.integers(0, 256, (size, size, 3), dtype=np.uint8))
    return path


def dfew(root: Path, frames: int = 6) -> dict:
    """DFEW: fold 1's train (4 clips) and test (2 clips) split files, 1-based labels, Clip/jpg_256/<number>/."""
    splits = {"train": [(1, 1), (2, 2), (3, 3), (4, 7)], "test": [(5, 1), (6, 4)]}
    for split, rows in splits.items():
        path = root / "EmoLabel_DataSplit" / f"{split}(single-labeled)" / "set_1.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("video_name,label\n" + "".join(f"{n},{label}\n" for n, label in rows))
        for number, _ in rows:
            for k in range(1, frames + 1):
                image(root / "Clip" / "jpg_256" / f"{number:05d}" / f"{k:05d}.jpg")
    return {"dfew_root": str(root)}


def voxceleb2(root: Path, videos: int = 2, frames: int = 12) -> dict:
    """VoxCeleb2 pretraining list: ``<mp4 path> 0`` lines, paths relative to the list's folder."""
    names = []
    for v in range(videos):
        path = root / "dev" / "mp4" / f"id0000{v}" / "clip" / "00001.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        with av.open(str(path), "w") as container:
            stream = container.add_stream("libx264", rate=25)
            stream.width = stream.height = 32
            stream.pix_fmt = "yuv420p"
            for _ in range(frames):
                frame = RNG.integers(0, 256, (32, 32, 3), dtype=np.uint8)
                container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
            container.mux(stream.encode())
        names.append(path.relative_to(root).as_posix())
    (root / "vox2_list.txt").write_text("".join(f"{n} 0\n" for n in names))
    return {"voxceleb2_list": str(root / "vox2_list.txt")}


def rafdb(root: Path, n: int = 8) -> dict:
    """RAF-DB: ``path label coarse`` lists (label 1..7 in RAFDB_7 order, coarse 0..3) for train and test."""
    from fer_lib.data.labels import RAFDB_7

    out = {"rafdb_images": str(root / "Image" / "aligned")}
    for split in ("train", "test"):
        lines = []
        for i in range(n):
            name = f"{split}_{i + 1:05d}_aligned.jpg"
            image(root / "Image" / "aligned" / name)
            fine = i % len(RAFDB_7)
            lines.append(f"{name} {fine + 1} {int(coarse_labels(np.array([fine]), RAFDB_7)[0])}\n")
        (root / f"{split}_label.txt").write_text("".join(lines))
        out[f"rafdb_{split}_list"] = str(root / f"{split}_label.txt")
    return out


def affectnet_coarse(root: Path, n: int = 10) -> dict:
    """AffectNet with CRS-CONT's coarse column: header, ``path, ..., label, coarse`` (labels 0..10)."""
    from fer_lib.data.labels import AFFECTNET_8

    out = {"affectnet_images": str(root / "Manually_Annotated_Images")}
    for split, key in (("training", "affectnet_train_csv"), ("validation", "affectnet_val_csv")):
        lines = ["subDirectory_filePath,face_x,face_y,expression,coarse\n"]
        for i in range(n):
            rel = f"{i % 3}/{split}_{i}.jpg"
            image(root / "Manually_Annotated_Images" / rel)
            fine = i % 9   # 0..7 classes, 8 = "none" (dropped by the loader)
            group = int(coarse_labels(np.array([fine]), AFFECTNET_8)[0]) if fine < 8 else 0
            lines.append(f"{rel},0,0,{fine},{group}\n")
        (root / f"{split}_coarse.csv").write_text("".join(lines))
        out[key] = str(root / f"{split}_coarse.csv")
    return out


def ferplus(root: Path, n: int = 8) -> dict:
    """FERPlus as the authors' HDF5: ``<split>_{pixel,label,coarse}`` for the three splits."""
    root.mkdir(parents=True, exist_ok=True)
    with h5py.File(root / "ferplus.h5", "w") as handle:
        for split in ("Training", "PublicTest", "PrivateTest"):
            label = np.arange(n) % len(FERPLUS_8)
            handle[f"{split}_pixel"] = RNG.integers(0, 256, (n, 48, 48), dtype=np.uint8)
            handle[f"{split}_label"] = label
            handle[f"{split}_coarse"] = coarse_labels(label, FERPLUS_8)
    return {"ferplus_h5": str(root / "ferplus.h5")}


def affwild2(root: Path, frames: int = 8) -> dict:
    """Aff-Wild2 EXPR: header + one label per frame (``-1`` = invalid, no image), cropped_aligned/<video>/%05d.jpg."""
    videos = {"Train_Set": {"1-30-1280x720": [0, 1, -1, 2, 3, 4, 5, 6, 7], "video2": [7, 6, 5, 4, 3, 2, 1, 0]},
              "Validation_Set": {"video3": [0, 0, 4, 4, -1, 5, 5, 7], "video4": [1, 2, 3, 6, 6, 0, 0, 0]}}
    for split, clips in videos.items():
        folder = root / "EXPR_Classification_Challenge" / split
        folder.mkdir(parents=True, exist_ok=True)
        for video, labels in clips.items():
            (folder / f"{video}.txt").write_text(AW2_HEADER + "\n" + "".join(f"{v}\n" for v in labels))
            for k, label in enumerate(labels, start=1):
                if label != -1:
                    image(root / "cropped_aligned" / video / f"{k:05d}.jpg")
    return {"aw2_train_annotations": str(root / "EXPR_Classification_Challenge" / "Train_Set"),
            "aw2_val_annotations": str(root / "EXPR_Classification_Challenge" / "Validation_Set"),
            "aw2_frames": str(root / "cropped_aligned")}


def affectnet(root: Path, n: int = 8) -> dict:
    """AffectNet as SSL-FER's CSVs: ``image_id,labels_aro,labels_val,labels_exp`` (8 classes), images/<id>.jpg."""
    out = {"affectnet_images": str(root / "images")}
    for split in ("train", "val"):
        lines = ["image_id,labels_aro,labels_val,labels_exp\n"]
        for i in range(n):
            image(root / "images" / f"{split}{i}.jpg")
            lines.append(f"{split}{i},{0.1 * (i % 5):.1f},{-0.1 * (i % 4):.1f},{i % 8}\n")
        (root / f"{split}.csv").write_text("".join(lines))
        out[f"affectnet_{split}_csv"] = str(root / f"{split}.csv")
    return out


def voxceleb1(root: Path, people: int = 3, frames: int = 24, size: int = 112) -> dict:
    """VoxCeleb1 face tracks ``<id>/<video>/<clip>/*.jpg`` and the authors' index ``idx,faces/wav/<path>,0,n-1,n``."""
    lines = []
    for n in range(people):
        clip = f"id1000{n}/video{n}/00001"
        for t in range(1, frames + 1):
            image(root / "vox" / clip / f"{t}.jpg", size=size)
        lines.append(f"{n},faces/wav/{clip},0,{frames - 1},{frames}\n")
    (root / "vox1_frames.txt").write_text("".join(lines))
    return {"vox_index": str(root / "vox1_frames.txt"), "vox_root": str(root / "vox")}


def expw(root: Path, n: int = 6) -> dict:
    """ExpW: label/label.lst (``name face_id top left right bottom confidence label``), image/origin/<name>."""
    lines = []
    for i in range(n):
        image(root / "image" / "origin" / f"face_{i}.jpg", size=40)
        lines.append(f"face_{i}.jpg 0 4 6 34 36 50.0 {i % 7}\n")
    (root / "label").mkdir(parents=True, exist_ok=True)
    (root / "label" / "label.lst").write_text("".join(lines))
    return {"expw_root": str(root)}


def _record(data: bytes) -> bytes:
    return struct.pack("<II", 0xCED7230A, len(data)) + data + b"\0" * ((4 - len(data) % 4) % 4)


def ms1m(root: Path, n: int = 6) -> dict:
    """InsightFace ``train.rec`` / ``train.idx``: header record 0 (flag 2, [first identity key, end]), images."""
    datas = [struct.pack("<IfQQ", 2, 0.0, 0, 0) + np.asarray((n + 1, n + 2), "<f4").tobytes()]
    for k in range(n):
        ok, jpg = cv2.imencode(".jpg", RNG.integers(0, 256, (28, 28, 3), dtype=np.uint8))
        datas.append(struct.pack("<IfQQ", 0, float(k // 2), k + 1, 0) + jpg.tobytes())
    rec, idx = b"", []
    for key, data in enumerate(datas):
        idx.append(f"{key}\t{len(rec)}")
        rec += _record(data)
    root.mkdir(parents=True, exist_ok=True)
    (root / "train.rec").write_bytes(rec)
    (root / "train.idx").write_text("\n".join(idx) + "\n")
    return {"ms1m_rec": str(root / "train.rec")}


def image_lists(root: Path, n: int = 6) -> dict:
    """A user's own target: ``<image path> <label>`` lists (paths relative to the list), labels 0..2."""
    out = {}
    for split in ("train", "test"):
        lines = [f"images/{split}_{i}.png {i % 3}\n" for i in range(n)]
        for i in range(n):
            image(root / "images" / f"{split}_{i}.png")
        (root / f"{split}.txt").write_text("".join(lines))
        out[f"user_target_{split}"] = str(root / f"{split}.txt")
    return out


def own_clips(root: Path, classes: tuple[str, ...] = ("happy", "sad", "neutral"), per_class: int = 3,
              frames: int = 8) -> dict:
    """A user's clips as ``python -m fer_lib.faces.video --labels`` leaves them: ``<root>/<clip_id>/00000.jpg ...``
    (aligned crops) and ``annotation.txt`` written by its own writer (:func:`fer_lib.faces.exports.write_annotation`)
    from a labels CSV read by :func:`fer_lib.faces.exports.read_labels`."""
    from fer_lib.faces.exports import read_labels, write_annotation

    clips = [f"clip{c}{k}" for c in range(len(classes)) for k in range(per_class)]
    for clip in clips:
        for i in range(frames):
            image(root / clip / f"{i:05d}.jpg")
    labels = root / "labels.csv"
    labels.write_text("clip_id,label\n" + "".join(f"{clip},{classes[int(clip[4])]}\n" for clip in clips))
    path, _ = write_annotation([{"clip_id": c, "n_frames": frames} for c in clips], read_labels(labels, classes), root)
    return {"own_annotation": str(path), "own_classes": ",".join(classes), "num_classes": len(classes)}
