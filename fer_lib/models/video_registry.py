"""Registry of the video encoders this book builds, by name (each gets forward/backward/no-NaN tests)."""

from __future__ import annotations

from torch import nn

from fer_lib.models.lgi_former import LGIFormer
from fer_lib.models.video_mamba import VideoMamba
from fer_lib.models.video_vit import VideoViT

VIDEO_ENCODERS: dict[str, type[nn.Module]] = {"vit": VideoViT, "lgi_former": LGIFormer, "video_mamba": VideoMamba}


def register(name: str, cls: type[nn.Module]) -> None:
    VIDEO_ENCODERS[name] = cls


def build_video_encoder(name: str, **kwargs) -> nn.Module:
    """Instantiate a registered encoder; an unknown name lists the known ones."""
    if name not in VIDEO_ENCODERS:
        raise KeyError(f"unknown video encoder {name!r}; known: {sorted(VIDEO_ENCODERS)}")
    return VIDEO_ENCODERS[name](**kwargs)
