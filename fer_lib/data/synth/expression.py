"""Expressions as FACS action units: prototypes, valence/arousal anchors and the generator's states.

The generator animates a face through a vector of action-unit (AU) activations ``aus`` [A] in
[0, ~1.2]; each expression *state* is a prototype AU vector scaled by an intensity in [0, 1]:

    happy = AU6 + AU12 (+ AU25)            sad      = AU1 + AU4 + AU15
    surprise = AU1 + AU2 + AU5 + AU26      fear     = AU1 + AU2 + AU4 + AU5 + AU20 + AU26
    disgust = AU9 + AU10 + AU15            anger    = AU4 + AU5 + AU7 + AU23
    contempt = unilateral AU12 + AU14 (``AU12R``/``AU14R``: one mouth corner only)

The states are the 8 classes of ``labels.SYNTH_8`` plus ``"other"``: Aff-Wild2's catch-all class,
rendered as a random sparse mix of AUs that matches no prototype (see :func:`other_aus`).
Valence/arousal follow the circumplex: the state's anchor scaled by the frame's intensity.
"""

from __future__ import annotations

import numpy as np

from fer_lib.data.labels import SYNTH_8

# Action units the face rig implements (landmarks.py moves points for each of them).
AU_NAMES = (
    "AU1", "AU2", "AU4", "AU5", "AU6", "AU7", "AU9", "AU10", "AU12", "AU14",
    "AU15", "AU20", "AU23", "AU25", "AU26", "AU12R", "AU14R",
)
AU_INDEX = {name: i for i, name in enumerate(AU_NAMES)}
N_AUS = len(AU_NAMES)

# The generator's expression states: SYNTH_8 order, then Aff-Wild2's "other".
STATES = SYNTH_8 + ("other",)
STATE_INDEX = {name: i for i, name in enumerate(STATES)}

PROTOTYPES: dict[str, dict[str, float]] = {
    "neutral": {},
    "happy": {"AU6": 1.0, "AU12": 1.0, "AU25": 0.8},
    "sad": {"AU1": 1.0, "AU4": 0.8, "AU15": 1.0},
    "surprise": {"AU1": 1.0, "AU2": 1.0, "AU5": 1.0, "AU25": 1.0, "AU26": 1.0},
    "fear": {"AU1": 1.0, "AU2": 0.8, "AU4": 0.8, "AU5": 1.0, "AU20": 1.0, "AU25": 1.0, "AU26": 0.5},
    "disgust": {"AU4": 0.4, "AU9": 1.0, "AU10": 1.0, "AU15": 0.6},
    "anger": {"AU4": 1.0, "AU5": 0.6, "AU7": 1.0, "AU23": 1.0},
    "contempt": {"AU12R": 1.0, "AU14R": 1.0},
}

# Circumplex anchors (valence, arousal) at full intensity, after Russell's circumplex placement.
VA_ANCHORS: dict[str, tuple[float, float]] = {
    "neutral": (0.0, 0.0),
    "happy": (0.80, 0.45),
    "sad": (-0.70, -0.40),
    "surprise": (0.15, 0.80),
    "fear": (-0.60, 0.75),
    "disgust": (-0.70, 0.35),
    "anger": (-0.65, 0.65),
    "contempt": (-0.50, 0.20),
}

# AUs an "other" state may mix (bilateral only; no complete prototype is ever drawn).
_OTHER_POOL = ("AU1", "AU2", "AU4", "AU7", "AU10", "AU14", "AU20", "AU23", "AU25", "AU26")


def prototype(state: str) -> np.ndarray:
    """AU vector [A] of a basic state at full intensity; ``"other"`` has no fixed prototype."""
    if state not in PROTOTYPES:
        raise KeyError(f"no AU prototype for state {state!r}; prototypes exist for {tuple(PROTOTYPES)}")
    vec = np.zeros(N_AUS, dtype=np.float32)
    for name, weight in PROTOTYPES[state].items():
        vec[AU_INDEX[name]] = weight
    return vec


PROTOTYPE_MATRIX = np.stack([prototype(s) for s in SYNTH_8])  # [8, A] in SYNTH_8 order


def other_aus(rng: np.random.Generator) -> np.ndarray:
    """A random "other" AU vector [A]: 2-3 AUs of the bilateral pool, weights in [0.5, 1].

    Redrawn while it is too close (cosine > 0.8) to any basic prototype, so "other" never looks
    like a clean basic expression.
    """
    for _ in range(100):
        vec = np.zeros(N_AUS, dtype=np.float32)
        picks = rng.choice(len(_OTHER_POOL), size=int(rng.integers(2, 4)), replace=False)
        for p in picks:
            vec[AU_INDEX[_OTHER_POOL[p]]] = rng.uniform(0.5, 1.0)
        protos = PROTOTYPE_MATRIX[1:]
        cos = protos @ vec / (np.linalg.norm(protos, axis=1) * np.linalg.norm(vec) + 1e-8)
        if cos.max() <= 0.8:
            return vec
    raise RuntimeError("could not draw an 'other' AU mix away from every prototype in 100 tries")


def other_va(rng: np.random.Generator) -> tuple[float, float]:
    """Valence/arousal anchor of an "other" episode: a random point of moderate magnitude."""
    angle = rng.uniform(0, 2 * np.pi)
    radius = rng.uniform(0.2, 0.6)
    return float(radius * np.cos(angle)), float(radius * np.sin(angle))


def valence_arousal(anchor: tuple[float, float], intensity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame valence and arousal [T] = anchor x intensity [T], clipped to [-1, 1]."""
    intensity = np.asarray(intensity, dtype=np.float32)
    v = np.clip(anchor[0] * intensity, -1, 1).astype(np.float32)
    a = np.clip(anchor[1] * intensity, -1, 1).astype(np.float32)
    return v, a
