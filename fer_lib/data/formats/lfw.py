"""LFW through scikit-learn's loaders, from a local ``data_home`` only (never downloads).

scikit-learn expects ``<data_home>/lfw_home/`` with ``pairsDevTrain.txt``, ``pairsDevTest.txt``, ``pairs.txt``
and the funneled images ``lfw_funneled/<Name>/<Name>_<NNNN>.jpg`` (250 x 250). With
``download_if_missing=False`` a missing file raises an error naming it; :func:`check_lfw_home` says up front
which of those files are absent.

Protocols: the SSL-FER authors' ``LFW.py`` is 1-NN *identification* on ``fetch_lfw_people(min_faces_per_person=200)``
(two people) with a random 70/30 split; the standard protocol is *pair verification* (``fetch_lfw_pairs``).
Both read through here; the metrics are :mod:`fer_lib.metrics.identity`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

PAIR_FILES = ("pairsDevTrain.txt", "pairsDevTest.txt", "pairs.txt")


def check_lfw_home(data_home: str | Path, funneled: bool = True) -> Path:
    """The ``lfw_home`` folder, after checking that scikit-learn's files are all there (error names the missing ones)."""
    home = Path(data_home) / "lfw_home"
    missing = [str(home / f) for f in PAIR_FILES if not (home / f).is_file()]
    images = home / ("lfw_funneled" if funneled else "lfw")
    if not images.is_dir():
        missing.append(str(images))
    if missing:
        raise FileNotFoundError(f"LFW is not under {data_home} (no download here): missing {missing}")
    return home


def lfw_people(data_home: str | Path, min_faces_per_person: int = 200, resize: float = 0.5, color: bool = False,
               funneled: bool = True):
    """``sklearn.datasets.fetch_lfw_people`` from ``data_home`` without download: (images [N, h, w(, 3)] float32
    in 0..255, target int [N], target_names [P]; "_" in folder names becomes " "). The authors used
    ``min_faces_per_person=200``; scikit-learn raises a ValueError when no person has that many images."""
    from sklearn.datasets import fetch_lfw_people

    check_lfw_home(data_home, funneled)
    bunch = fetch_lfw_people(data_home=str(data_home), min_faces_per_person=min_faces_per_person, resize=resize,
                             color=color, funneled=funneled, download_if_missing=False)
    return bunch.images, bunch.target, bunch.target_names


def lfw_pairs(data_home: str | Path, subset: str = "test", resize: float = 0.5, color: bool = False,
              funneled: bool = True):
    """``sklearn.datasets.fetch_lfw_pairs``: (pairs [N, 2, h, w(, 3)] float32 0..255, same bool [N])."""
    from sklearn.datasets import fetch_lfw_pairs

    check_lfw_home(data_home, funneled)
    bunch = fetch_lfw_pairs(subset=subset, data_home=str(data_home), resize=resize, color=color, funneled=funneled,
                            download_if_missing=False)
    return bunch.pairs, bunch.target.astype(bool)


def write_lfw_home(data_home: str | Path, faces: dict[str, np.ndarray], n_pairs: int = 4, seed: int = 0) -> Path:
    """Write a small LFW in scikit-learn's on-disk layout (the fixture format).

    faces: {person name (letters and underscores): uint8 [n_i, 250, 250, 3] RGB}. Pair files: ``n_pairs``
    same-person and ``n_pairs`` different-person lines each (pairs.txt as one fold).
    """
    import cv2

    rng = np.random.default_rng(seed)
    home = Path(data_home) / "lfw_home"
    for name, images in faces.items():
        folder = home / "lfw_funneled" / name
        folder.mkdir(parents=True, exist_ok=True)
        for i, image in enumerate(np.asarray(images), 1):
            if image.shape != (250, 250, 3) or image.dtype != np.uint8:
                raise ValueError(f"LFW images are uint8 [250, 250, 3], got {image.dtype} {image.shape} for {name}")
            cv2.imwrite(str(folder / f"{name}_{i:04d}.jpg"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    names = sorted(faces)
    multi = [n for n in names if len(faces[n]) >= 2]
    if not multi or len(names) < 2:
        raise ValueError("need at least one person with 2 images and 2 people for pairs")
    same, diff = [], []
    for _ in range(n_pairs):
        n = multi[rng.integers(len(multi))]
        i, j = rng.choice(len(faces[n]), 2, replace=False) + 1
        same.append(f"{n}\t{i}\t{j}")
        a, b = rng.choice(len(names), 2, replace=False)
        diff.append(f"{names[a]}\t{rng.integers(len(faces[names[a]])) + 1}\t{names[b]}\t{rng.integers(len(faces[names[b]])) + 1}")
    body = "\n".join(same + diff) + "\n"
    for fname in ("pairsDevTrain.txt", "pairsDevTest.txt"):
        (home / fname).write_text(f"{n_pairs}\n" + body)
    (home / "pairs.txt").write_text(f"1\t{n_pairs}\n" + body)
    return home
