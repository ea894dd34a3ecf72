"""Locate dlib's model files shipped by the ``face-recognition-models`` package, without importing it.

The package's ``__init__`` imports ``pkg_resources`` (gone from recent setuptools), so we only ask
``importlib.util.find_spec`` where its folder is and read ``models/*.dat`` from there.

The 68-point shape predictor was trained on the iBUG 300-W data set, whose licence excludes
commercial use: anything built on these landmarks inherits that restriction.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

PACKAGE = "face-recognition-models"
MODULE = "face_recognition_models"

#: short names -> file names inside ``face_recognition_models/models``
MODEL_FILES = {
    "landmarks68": "shape_predictor_68_face_landmarks.dat",
    "landmarks5": "shape_predictor_5_face_landmarks.dat",
    "mmod": "mmod_human_face_detector.dat",
    "face_embedding": "dlib_face_recognition_resnet_model_v1.dat",
}


@functools.lru_cache(maxsize=None)
def models_dir() -> Path:
    """The ``models`` folder of the installed ``face_recognition_models`` package.

    Raises ModuleNotFoundError (saying to run ``make env``) when the package is not installed.
    """
    spec = importlib.util.find_spec(MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"the {PACKAGE!r} package (dlib's model files) is not installed: run `make env` "
            f"(it installs requirements.txt, which pins {PACKAGE})")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} does not exist: the {PACKAGE!r} install looks incomplete; rerun `make env`")
    return folder


def model_path(name: str) -> Path:
    """Path of one dlib model file by short name (``landmarks68``, ``landmarks5``, ``mmod``, ``face_embedding``)."""
    if name not in MODEL_FILES:
        raise KeyError(f"unknown dlib model {name!r}; known: {sorted(MODEL_FILES)}")
    path = models_dir() / MODEL_FILES[name]
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the {PACKAGE!r} install; rerun `make env`")
    return path
