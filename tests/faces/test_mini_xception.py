"""The FER2013 mini-Xception port: TF 'same' padding, the Keras kernel layout, and its outputs on real faces."""

import json
import math

import av
import cv2
import h5py
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from fer_lib.data.labels import FER2013_7
from fer_lib.data.media import feat_media, fer2013_model_path
from fer_lib.faces.crops import box_crop
from fer_lib.faces.detect import detect_one
from fer_lib.models.mini_xception import MiniXception, TFSamePad, fer2013_mini_xception, preprocess


@pytest.fixture(scope="module")
def model():
    return fer2013_mini_xception()


def probabilities(model, frames):
    crops = np.stack([box_crop(f, detect_one(f), 64) for f in frames])
    with torch.no_grad():
        return model(preprocess(crops)).softmax(-1).numpy()        # [B, 7]


@pytest.mark.parametrize("n", [15, 8])
def test_tf_same_maxpool_matches_a_loop_over_windows(n):
    """TF 'same' 3x3/2 max pool: output i covers input rows 2i - pad_before .. +2, out-of-range ignored."""
    x = torch.randn(1, 2, n, n)
    ours = F.max_pool2d(TFSamePad(3, 2, float("-inf"))(x), 3, 2)
    out = math.ceil(n / 2)
    before = max((out - 1) * 2 + 3 - n, 0) // 2
    ref = torch.empty(1, 2, out, out)
    for i in range(out):
        for j in range(out):
            r0, c0 = 2 * i - before, 2 * j - before
            ref[..., i, j] = x[..., max(r0, 0):r0 + 3, max(c0, 0):c0 + 3].amax((-1, -2))
    torch.testing.assert_close(ours, ref)


def test_first_conv_uses_the_keras_kernel_layout(model):
    """conv2d_1 of the file applied by a slow loop over the raw HWIO kernel equals the port's first conv."""
    with h5py.File(fer2013_model_path()) as f:
        kernel = np.asarray(f["model_weights/conv2d_1/conv2d_1_1/kernel:0"])       # [3, 3, 1, 8]
        names = [layer["name"] for layer in json.loads(f.attrs["model_config"])["config"]["layers"]]
    assert names[-1] == "predictions"
    x = np.random.default_rng(0).uniform(-1, 1, (9, 9)).astype(np.float32)
    ref = np.zeros((7, 7, 8), dtype=np.float32)
    for i in range(7):
        for j in range(7):
            ref[i, j] = np.einsum("hw,hwo->o", x[i:i + 3, j:j + 3], kernel[:, :, 0])
    ours = model.stem[0](torch.from_numpy(x)[None, None])[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(ours, ref, atol=1e-5)
    assert model.stem[1].eps == 1e-3 and model.classes == FER2013_7


def test_smiling_stills_are_happy_and_the_surprise_still_is_surprise(model):
    names = ["single_face.jpg", "0-f15-hao-ph.jpg", "0-f1-su-ph.jpg"]
    frames = [cv2.cvtColor(cv2.imread(str(feat_media(n))), cv2.COLOR_BGR2RGB) for n in names]
    p = probabilities(model, frames)
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-5)
    happy, surprise = FER2013_7.index("happy"), FER2013_7.index("surprise")
    assert p[0, happy] > 0.9 and p[1, happy] > 0.9, p
    assert p[2].argmax() == surprise and p[2, surprise] > 0.5, p


def test_single_face_video_goes_from_neutral_to_happy(model):
    """A wrong weight layout cannot do this: early frames neutral, later frames happy (the man smiles)."""
    keep = {0, 6, 12, 30, 45, 60}
    with av.open(str(feat_media("single_face.mp4"))) as container:
        frames = [f.to_ndarray(format="rgb24") for i, f in enumerate(container.decode(video=0)) if i in keep]
    p = probabilities(model, frames)
    labels = [FER2013_7[k] for k in p.argmax(1)]
    assert labels == ["neutral"] * 3 + ["happy"] * 3, (labels, p.round(2))
    assert p[3:, FER2013_7.index("happy")].min() > 0.8


def test_random_init_port_runs_forward_and_backward():
    net = MiniXception()
    x = torch.randn(2, 1, 64, 64, requires_grad=True)
    out = net(x)
    assert out.shape == (2, 7) and torch.isfinite(out).all()
    out.sum().backward()
    assert torch.isfinite(x.grad).all()
    with pytest.raises(ValueError, match="uint8"):
        preprocess(torch.zeros(1, 3, 64, 64))


def test_a_transposed_kernel_layout_misses_the_bar():
    """The happy-still bar above is strict enough to catch kernels loaded with rows and columns swapped."""
    broken = fer2013_mini_xception()
    with torch.no_grad():
        for conv in broken.modules():
            if isinstance(conv, torch.nn.Conv2d) and conv.kernel_size == (3, 3):
                conv.weight.copy_(conv.weight.transpose(2, 3).clone())
    frame = cv2.cvtColor(cv2.imread(str(feat_media("0-f15-hao-ph.jpg"))), cv2.COLOR_BGR2RGB)
    assert probabilities(broken, [frame])[0, FER2013_7.index("happy")] < 0.9


def test_empty_batches_and_missing_batch_dimensions(model, tmp_path):
    """An empty batch gives [0, 7]; one RGB image without its batch dimension is an error, not 64 predictions."""
    from fer_lib.models.mini_xception import expression_probabilities

    empty = expression_probabilities(model, np.zeros((0, 64, 64, 3), np.uint8))
    assert empty.shape == (0, len(FER2013_7)) and empty.dtype == np.float32
    face = np.full((64, 64, 3), 100, np.uint8)
    with pytest.raises(ValueError, match=r"\(64, 64, 3\) look like one RGB image .* faces\[None\]"):
        expression_probabilities(model, face)
    assert expression_probabilities(model, face[None]).shape == (1, 7)
    assert expression_probabilities(model, face[None, :, :, 0]).shape == (1, 7)      # a grey batch [B, H, W]
    with pytest.raises(ValueError, match=r"expects grey faces \[B, 1, 64, 64\], got \(1, 64, 64\)"):
        model(torch.zeros(1, 64, 64))


def test_the_real_video_demo_on_a_video_without_a_face(model, tmp_path):
    """Five grey frames: no face anywhere gives empty per-frame results, every frame listed as no-face."""
    from fer_lib.protocols.abaw6_demo import real_video_pseudo_labels

    path = tmp_path / "grey.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=5)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for _ in range(5):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.full((64, 64, 3), 128, np.uint8), format="rgb24")))
        container.mux(stream.encode())
    out = real_video_pseudo_labels(path, model)
    assert out["no_face"] == [0, 1, 2, 3, 4]
    assert out["frame"].shape == (0,) and out["time_s"].shape == (0,) and out["labels"].shape == (0,)
    assert out["probs"].shape == (0, 7)
