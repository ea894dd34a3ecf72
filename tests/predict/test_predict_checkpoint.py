"""Classifier checkpoints for fer-book predict: what identifies the model, and clear errors for any other file."""

import numpy as np
import pytest
import torch

from fer_lib.augment.weak_strong import centre_crop
from fer_lib.data.labels import AFFWILD2_8
from fer_lib.data.media import feat_media
from fer_lib.engine.checkpoint import CheckpointMismatchError, save_checkpoint
from fer_lib.faces.align import align_face
from fer_lib.faces.detect import detect
from fer_lib.faces.landmarks import predict as landmarks_of
from fer_lib.faces.video import read_frame
from fer_lib.methods.finetune_weak import WeakSupervised
from fer_lib.methods.mpl import to_float_images
from fer_lib.predict.classifier import load_classifier, resnet_linear, save_classifier
from fer_lib.predict.frames import PredictSettings, predict_video
from fer_lib.runner import main

ARCH = {"depth": 10, "width": 8, "stem_stride": 2}


@pytest.fixture(scope="module")
def abaw6_checkpoint(tmp_path_factory):
    """An ABAW6-shaped classifier (ResNet + linear head, 8 Aff-Wild2 classes) as the method WeakSupervised
    saves it (the classifier under 'classifier.'), with trained-looking BatchNorm statistics."""
    torch.manual_seed(0)
    net = resnet_linear(len(AFFWILD2_8), **ARCH)
    net.train()(torch.randn(4, 3, 48, 48))                        # running statistics move off their init
    path = tmp_path_factory.mktemp("ckpt") / "student.pt"
    save_classifier(path, WeakSupervised(net, seed=3), arch="resnet_linear", arch_kwargs=ARCH, classes=AFFWILD2_8,
                    size=48, scaling="signed", prefix="classifier.", crop_fraction=0.875)
    return path, net.eval()


def test_checkpoint_predicts_what_its_network_computes(abaw6_checkpoint):
    path, net = abaw6_checkpoint
    classifier = load_classifier(path)
    assert classifier.classes == AFFWILD2_8 and classifier.size == 48 and "WeakSupervised" in classifier.name
    table = predict_video(feat_media("single_face.mp4"), classifier, PredictSettings(frame_step=20, max_frames=41))
    assert table["frame"].tolist() == [0, 20, 40] and list(table.columns[9:17]) == [f"p_{c}" for c in AFFWILD2_8]
    frame = read_frame(feat_media("single_face.mp4"), 20)           # the same frame by hand: detect, align, forward
    box = detect(frame).boxes[0]
    crop = torch.from_numpy(align_face(frame, landmarks_of(frame, box), 48).image).permute(2, 0, 1)[None]
    with torch.no_grad():                                             # ABAW6's evaluation view: centre crop, [-1, 1]
        expected = net(to_float_images(centre_crop(crop, 0.875))).softmax(-1)[0].numpy()
    assert np.allclose(table.iloc[1, 9:17].to_numpy(dtype=float), expected, atol=1e-4)
    assert table["label"].iloc[1] == AFFWILD2_8[int(expected.argmax())]


def test_class_names_can_be_replaced_but_not_recounted(abaw6_checkpoint):
    path, _ = abaw6_checkpoint
    names = tuple(f"c{i}" for i in range(8))
    assert load_classifier(path, names).classes == names
    with pytest.raises(ValueError, match="has 8 classes"):
        load_classifier(path, ("a", "b"))


def test_checkpoints_of_other_models_are_refused_clearly(tmp_path):
    pretrain = tmp_path / "simclr.pt"                                  # a pretraining checkpoint: no head, no classes
    save_checkpoint(pretrain, torch.nn.Linear(4, 2), config={"lr": 0.1})
    with pytest.raises(CheckpointMismatchError, match=r"simclr.pt holds a torch.nn.modules.linear.Linear with no "
                                                      r"'predict' entry.*not a classifier checkpoint"):
        load_classifier(pretrain)
    spec = {"arch": "resnet_linear", "arch_kwargs": ARCH, "classes": list(AFFWILD2_8), "size": 48, "zoom": 1.0,
            "scaling": "signed", "prefix": ""}
    wrong = tmp_path / "wrong.pt"                                      # a spec whose weights are another network
    save_checkpoint(wrong, resnet_linear(7, **ARCH), config={"predict": spec})
    with pytest.raises(CheckpointMismatchError, match=r"wrong.pt does not fit resnet_linear.*shape mismatch.*1.weight"):
        load_classifier(wrong)
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {}}, foreign)
    with pytest.raises(CheckpointMismatchError, match="foreign.pt is not a fer_lib engine checkpoint"):
        load_classifier(foreign)
    with pytest.raises(CheckpointMismatchError, match="does not fit the resnet_linear spec"):
        save_classifier(tmp_path / "x.pt", resnet_linear(8, depth=18, width=8), arch="resnet_linear",
                        arch_kwargs=ARCH, classes=AFFWILD2_8, size=48, scaling="signed")


def test_the_cli_writes_csv_and_timeline_and_names_bad_input(abaw6_checkpoint, tmp_path, capsys):
    video = str(feat_media("single_face.mp4"))
    assert main(["predict", video, "--out", str(tmp_path / "fer"), "--max-frames", "12", "--frame-step", "6",
                 "--vote-window", "3"]) == 0
    assert "single_face.mp4: 2 frames (2 one face, 0 several, 0 none)" in capsys.readouterr().out
    assert (tmp_path / "fer" / "single_face.png").stat().st_size > 10_000
    text = (tmp_path / "fer" / "single_face.csv").read_text().splitlines()
    assert text[0].startswith("frame,time_s,status,n_faces,score,x0,y0,x1,y1,p_anger,") and text[0].endswith(
        "label,label_vote") and len(text) == 3
    assert main(["predict", video, "--out", str(tmp_path / "ck"), "--checkpoint", str(abaw6_checkpoint[0]),
                 "--max-frames", "1"]) == 0
    assert "p_other" in (tmp_path / "ck" / "single_face.csv").read_text().splitlines()[0]
    assert main(["predict", str(tmp_path / "none.mp4"), "--out", str(tmp_path / "x")]) == 1
    assert "none.mp4: no such video file or folder" in capsys.readouterr().err
    assert main(["predict", video, "--out", str(tmp_path / "x"), "--classes", "dfew7"]) == 1
    assert "default FER2013 model has its own" in capsys.readouterr().err


def test_a_clip_model_classifies_each_frame_by_the_clip_around_it(tmp_path):
    """A (tiny) MAE-DFER VideoClassifier: frame n is classified from crops n-2, n-1, n, n+1 (clamped)."""
    from fer_lib.data.labels import DFEW_7
    from fer_lib.methods.mae_dfer import to_model_input
    from fer_lib.predict.classifier import video_classifier

    torch.manual_seed(0)
    arch = {"encoder": "vit", "encoder_kwargs": {"frames": 4, "image_size": 32, "tubelet": 2, "patch": 16,
                                                 "dim": 32, "depth": 1, "num_heads": 2}}
    net = video_classifier(len(DFEW_7), head_init_scale=1.0, **arch).eval()
    path = save_classifier(tmp_path / "mae.pt", net, arch="video_classifier", arch_kwargs=arch, classes=DFEW_7,
                           size=32, scaling="video", clip_frames=4)
    classifier = load_classifier(path)
    table = predict_video(feat_media("single_face.mp4"), classifier, PredictSettings(max_frames=6))
    crops = []
    for i in range(6):
        frame = read_frame(feat_media("single_face.mp4"), i)
        crops.append(align_face(frame, landmarks_of(frame, detect(frame).boxes[0]), 32).image)
    clip = torch.from_numpy(np.stack([crops[i] for i in (1, 2, 3, 4)])).permute(0, 3, 1, 2)[None]  # [1, 4, 3, S, S]
    with torch.no_grad():
        expected = net(to_model_input(clip)[1])[0].softmax(-1)[0].numpy()
    probs = table[[f"p_{c}" for c in DFEW_7]].to_numpy(dtype=float)
    assert np.allclose(probs[3], expected, atol=1e-4) and not np.allclose(probs[0], probs[3], atol=1e-4)
    assert classifier.clip_indices(6)[[0, 5]].tolist() == [[0, 0, 0, 1], [3, 4, 5, 5]]
    with pytest.raises(CheckpointMismatchError, match="clips of 4 frames, the spec's clip_frames is 8"):
        save_classifier(tmp_path / "bad.pt", net, arch="video_classifier", arch_kwargs=arch, classes=DFEW_7,
                        size=32, scaling="video", clip_frames=8)


@pytest.mark.parametrize("chapter", ["abaw6", "mae_dfer"])
def test_the_chapters_classifiers_round_trip(chapter, tmp_path):
    """What the ABAW6 and MAE-DFER protocols build (smoke size) saves with a spec and loads weight for weight."""
    from fer_lib.config import resolve
    from fer_lib.data.labels import DFEW_7
    from fer_lib.experiments import abaw6 as abaw6_exp, mae_dfer as mae_exp
    from fer_lib.methods.video_finetune import VideoClassifier
    from fer_lib.models.video_registry import build_video_encoder
    from fer_lib.protocols import abaw6, mae_dfer

    torch.manual_seed(0)
    if chapter == "abaw6":
        cfg = resolve(abaw6_exp.Config, abaw6_exp.PROFILES, "smoke")
        module, net = WeakSupervised(abaw6.make_classifier(cfg)), None
        arch = {"depth": cfg.backbone_depth, "width": cfg.backbone_width, "stem_stride": cfg.stem_stride}
        spec = dict(arch="resnet_linear", arch_kwargs=arch, classes=AFFWILD2_8, size=cfg.image_size,
                    scaling="signed", crop_fraction=cfg.crop_fraction, prefix="classifier.")
    else:
        cfg = resolve(mae_exp.Config, mae_exp.PROFILES, "smoke")
        kwargs = mae_dfer.encoder_kwargs(cfg, "lgi_former")
        module = VideoClassifier(build_video_encoder("lgi_former", **kwargs), cfg.num_classes,
                                 batch_norm_features=cfg.batch_norm_features)
        arch = {"encoder": "lgi_former", "encoder_kwargs": kwargs, "batch_norm_features": cfg.batch_norm_features}
        spec = dict(arch="video_classifier", arch_kwargs=arch, classes=DFEW_7[:cfg.num_classes],
                    size=cfg.image_size, scaling="video", clip_frames=cfg.frames, clip_stride=cfg.stride)
    path = save_classifier(tmp_path / f"{chapter}.pt", module, **spec)
    loaded = load_classifier(path)
    own = {k[len(spec.get("prefix", "")):]: v for k, v in module.state_dict().items()
           if k.startswith(spec.get("prefix", ""))}
    state = loaded.model.state_dict()
    assert set(own) == set(state) and all(torch.equal(own[k], v) for k, v in state.items())
    assert loaded.size == cfg.image_size and loaded.classes == tuple(spec["classes"])
