"""MAE-DFER's training outside the notebook (fer_lib.protocols.train), its checkpoint folders, its predict
checkpoints and a user's own annotated clips as a dataset."""

import numpy as np
import pytest
import torch

import real_fixtures as fx
from fer_lib.config import resolve
from fer_lib.engine import checkpoint as ckpt
from fer_lib.experiments import mae_dfer as E
from fer_lib.methods.mae_dfer import to_model_input
from fer_lib.predict.classifier import load_classifier
from fer_lib.protocols import mae_dfer as P
from fer_lib.protocols import train, training_log
from fer_lib.protocols.mae_dfer_checkpoints import finetune_dir, pretrain_dir
from fer_lib.results import start_run

CPU = torch.device("cpu")
ROW = next(r for r in E.ROWS if r.evaluation == "finetune" and r.pretrained and r.fraction == 0.1)


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    for variable, folder in (("FER_RESULTS_DIR", "results"), ("FER_CHECKPOINT_DIR", "checkpoints"),
                             ("FER_CACHE_DIR", "cache")):
        monkeypatch.setenv(variable, str(tmp_path / folder))
    return tmp_path


def assert_same_state(module, reference) -> None:
    """Every tensor of two state dicts (the mask generator's state included) equal bit for bit."""
    mine, theirs = ckpt.tensor_checksum(module.state_dict()), ckpt.tensor_checksum(reference.state_dict())
    assert set(module.state_dict()) == set(reference.state_dict()) and mine == theirs


def smoke(**changes):
    return resolve(E.Config, E.PROFILES, "smoke", changes)


def test_the_pretraining_folder_follows_the_pretraining_only():
    """Evaluation, fine-tuning and fold keys leave a pretraining's folder alone; its own keys do not."""
    base = pretrain_dir("c", "lgi_former", True, smoke())
    for changes in ({"seeds": (4,)}, {"bootstrap": 9}, {"probe_c": 3.0}, {"ft_lr": 0.5}, {"ft_steps": 9},
                    {"test_temporal": 1}, {"layer_decay": 0.5}, {"checkpoint_every": 3}):
        assert pretrain_dir("c", "lgi_former", True, smoke(**changes)) == base, changes
    for changes in ({"pre_lr": 0.5}, {"pre_epochs": 2}, {"mask_ratio": 0.5}, {"n_identities": 30}):
        assert pretrain_dir("c", "lgi_former", True, smoke(**changes)) != base, changes
    assert pretrain_dir("c", "lgi_former", False, smoke()) != base and base.name.startswith(
        "pretrain_lgi_former_motion-seed0-")
    # real DFEW: the five folds read one VoxCeleb2 list, so they share the pretraining, not the fine-tuning
    dfew = {"dataset": "DFEW", "dfew_root": "/data/DFEW", "voxceleb2_list": "/data/vox2.txt"}
    folds = [resolve(E.Config, E.PROFILES, "full", {**dfew, "fold": k}) for k in (1, 3)]
    assert pretrain_dir("c", "vit", False, folds[0]) == pretrain_dir("c", "vit", False, folds[1])
    assert finetune_dir("c", ROW, folds[0], 0) != finetune_dir("c", ROW, folds[1], 0)
    other_list = resolve(E.Config, E.PROFILES, "full", {**dfew, "voxceleb2_list": "/data/other.txt"})
    assert pretrain_dir("c", "vit", False, other_list) != pretrain_dir("c", "vit", False, folds[0])



def test_relative_and_absolute_paths_name_the_same_folders(tmp_path, monkeypatch):
    """A torchrun command given relative paths trains into the folders the chapter (absolute paths) reads."""
    monkeypatch.chdir(tmp_path)
    keys = {"dataset": "own", "own_annotation": "aligned/annotation.txt", "voxceleb2_list": "vox2.txt"}
    relative = smoke(**keys)
    absolute = smoke(**{**keys, "own_annotation": str(tmp_path / "aligned" / "annotation.txt"),
                        "voxceleb2_list": str(tmp_path / "vox2.txt")})
    assert pretrain_dir("c", "vit", False, relative) == pretrain_dir("c", "vit", False, absolute)
    assert finetune_dir("c", ROW, relative, 0) == finetune_dir("c", ROW, absolute, 0)


def test_the_finetuning_folder_ignores_evaluation_keys():
    base = finetune_dir("c", ROW, smoke(), 0)
    assert finetune_dir("c", ROW, smoke(seeds=(3,), key_seeds=(3,), bootstrap=7, test_spatial=1), 0) == base
    assert finetune_dir("c", ROW, smoke(ft_lr=0.5), 0) != base and finetune_dir("c", ROW, smoke(), 1) != base
    assert finetune_dir("c", ROW, smoke(pre_lr=0.5), 0) != base               # another pretraining under it
    assert base.name.startswith("fine_tune_10_MAE_DFER_LGI_Former_appearance_motion-seed0-")


def test_rows_trained_by_the_entry_point_are_loaded_not_retrained(dirs):
    assert train.main(["mae_dfer", "--profile", "smoke", "--rows", ROW.row, "--seeds", "0"]) == 0
    cfg = smoke()
    data = P.load_data(cfg)
    run = start_run("mae_dfer", "smoke", "cpu")
    record = P.run_row(ROW, cfg, data, 0, run)                    # loads the pretraining and the fine-tuning
    pre = data.pretrained[("lgi_former", True)]
    assert pre["seconds"] == 0 and record["seconds"] == 0
    reference = P.pretrain(cfg, "lgi_former", True, data.pretrain_set, cfg.pre_seed, CPU)     # no checkpoints
    assert pre["history"] == reference["history"]
    assert_same_state(pre["method"], reference["method"])
    state = reference["method"].encoder.state_dict()
    fresh = P.finetune(cfg, "lgi_former", P.labelled_windows(data.train_set, data.probe_train, ROW.fraction, 0), 0,
                       CPU, encoder_state=state)
    assert_same_state(data.models[(ROW.row, 0)], fresh["model"])
    assert record["uar"] == P.evaluate(cfg, fresh["model"], data.test_set, CPU, seed=0)["uar"]
    with pytest.raises(SystemExit):
        train.main(["mae_dfer", "--profile", "smoke", "--rows", "probe 10 %: ViT, random init"])


def test_an_interrupted_pretraining_resumes_where_it_stopped(dirs, monkeypatch):
    """Stopped after 3 steps (its checkpoint then), started again: the same weights as in one go (the masks
    and crops continue their random streams)."""
    cfg = smoke()
    data = P.load_data(cfg)
    whole = P.pretrain(cfg, "lgi_former", True, data.pretrain_set, 0, CPU)["method"]
    real_fit = training_log.fit
    monkeypatch.setattr(training_log, "fit", lambda *a, **kw: real_fit(*a, **{**kw, "max_steps": 3}))
    folder = dirs / "pre"
    P.pretrain(cfg, "lgi_former", True, data.pretrain_set, 0, CPU, checkpoint_dir=folder)
    assert ckpt.safe_load(folder / "last.pt")["trainer"]["step"] == 3
    monkeypatch.setattr(training_log, "fit", real_fit)
    resumed = P.pretrain(cfg, "lgi_former", True, data.pretrain_set, 0, CPU, checkpoint_dir=folder)
    assert resumed["seconds"] > 0 and resumed["history"][-1]["step"] > 3
    assert_same_state(resumed["method"], whole)


def test_the_finetuned_model_is_a_predict_checkpoint_with_the_protocols_probabilities(dirs):
    cfg = smoke()
    data = P.load_data(cfg)
    run = start_run("mae_dfer", "smoke", "cpu")
    row = next(r for r in E.ROWS if r.evaluation == "finetune" and not r.pretrained and r.fraction == 1)
    P.run_row(row, cfg, data, 0, run)
    path = P.save_model(data, row, 0, cfg, dirs / "models")
    loaded = load_classifier(path)
    assert loaded.classes == data.classes and (loaded.clip_frames, loaded.clip_stride) == (cfg.frames, cfg.stride)
    clips = torch.utils.data.Subset(data.test_set, range(3))
    expected = P.clip_probabilities(cfg, data.models[(row.row, 0)], clips, CPU)["probs"]
    assert np.array_equal(P.clip_probabilities(cfg, loaded.model, clips, CPU)["probs"], expected)
    # predict's per-frame path: frame 8 of a clip is read with its neighbours cfg.stride apart, as trained
    video = data.test_set[0]["video"]                                            # uint8 [16, 3, 64, 64]
    probs = loaded.probabilities(video.permute(0, 2, 3, 1).numpy())              # [16, K]
    window = video[8 + (np.arange(cfg.frames) - cfg.frames // 2) * cfg.stride][None]
    with torch.no_grad():
        direct = data.models[(row.row, 0)].eval()(to_model_input(window)[1])[0].softmax(-1)[0].numpy()
    assert np.allclose(probs[8], direct, atol=1e-5)


def test_own_annotated_clips_are_a_dataset(dirs):
    """faces.video's annotation file + a class list as config keys: a held-out split, no VoxCeleb2 needed."""
    keys = fx.own_clips(dirs / "aligned")
    cfg = smoke(dataset="own", **keys)
    data = P.load_data(cfg)
    assert data.classes == ("happy", "sad", "neutral") and data.labelled is None
    test, train_ = P.clip_targets(data.test_set), P.clip_targets(data.probe_train)
    assert sorted(test.tolist()) == [0, 1, 2] and sorted(train_.tolist()) == [0, 0, 1, 1, 2, 2]  # 1 of 3 per class
    assert {e.frame_dir for e in data.test_set.entries}.isdisjoint(e.frame_dir for e in data.train_set.entries)
    assert data.pretrain_set is data.train_set and data.train_set[0]["video"].shape == (4, 3, 64, 64)
    assert pretrain_dir("c", "vit", False, cfg) != pretrain_dir("c", "vit", False, smoke(dataset="own", **{
        **keys, "own_test_fraction": 0.5}))                                   # another split: other clips
    with pytest.raises(ValueError, match="3 classes: set -p num_classes 3"):
        P.load_data(smoke(dataset="own", **{**keys, "num_classes": 7}))
    with pytest.raises(FileNotFoundError, match="own_annotation"):
        P.load_data(smoke(dataset="own"))
    lines = (dirs / "aligned" / "annotation.txt").read_text().splitlines()
    (dirs / "few.txt").write_text("".join(f"aligned/{line}\n" for line in lines[:4]))   # sad: one clip
    with pytest.raises(ValueError, match=r"no training clip of the evaluated class\(es\) \['sad'\]"):
        P.load_data(smoke(dataset="own", **{**keys, "own_annotation": str(dirs / "few.txt")}))


def test_faces_video_output_trains_through_the_entry_point(dirs, monkeypatch):
    """The README's commands on real videos: faces.video with labels, then the torchrun entry point (one process)
    pretrains and fine-tunes on its annotation file given as a relative path; the protocol loads both."""
    import os

    from fer_lib.data.media import feat_media
    from fer_lib.faces.video import main as preprocess

    monkeypatch.chdir(dirs)
    (dirs / "videos").mkdir()
    for name in ("a1", "a2", "b1", "b2"):                   # one real talking-face video under four clip ids
        os.symlink(feat_media("single_face.mp4"), dirs / "videos" / f"{name}.mp4")
    (dirs / "labels.csv").write_text("clip_id,label\na1,happy\na2,happy\nb1,sad\nb2,sad\n")
    assert preprocess([str(p) for p in sorted((dirs / "videos").iterdir())] + [
        "--out", "aligned", "--size", "64", "--frame-step", "8", "--max-frames", "32", "--labels", "labels.csv",
        "--classes", "dfew7"]) == 0
    keys = ["-p", "dataset", "own", "-p", "own_annotation", "aligned/annotation.txt", "-p", "own_test_fraction",
            "0.5"]                                                          # own_classes: dfew7, as --classes
    with pytest.raises(ValueError, match="2 pretraining clips give no batch of 8: lower -p pre_batch"):
        train.main(["mae_dfer", "--profile", "smoke", "--rows", "vit"] + keys)
    keys += ["-p", "pre_batch", "2", "-p", "ft_batch", "2"]
    assert train.main(["mae_dfer", "--profile", "smoke", "--rows", ROW.row, "--seeds", "0"] + keys) == 0
    cfg = smoke(dataset="own", own_annotation=str(dirs / "aligned" / "annotation.txt"), own_test_fraction=0.5,
                pre_batch=2, ft_batch=2)
    data = P.load_data(cfg)
    assert sorted(P.clip_targets(data.test_set)) == sorted(P.clip_targets(data.probe_train)) == [0, 1]  # happy, sad
    assert data.pretrain_set is data.train_set and data.train_set[0]["video"].shape == (4, 3, 64, 64)
    record = P.run_row(ROW, cfg, data, 0, start_run("mae_dfer", "smoke", "cpu"))
    assert record["seconds"] == 0 and data.pretrained[("lgi_former", True)]["seconds"] == 0   # loaded, not trained
