"""Talking on top of a clip's expression episodes: speech-like mouth movement, brow flashes, pauses.

At the pool's 25/6 fps a syllable lasts about one frame, so while the person speaks the mouth opening
is drawn afresh every frame: lips part (AU25) by ``mouth * U(0.3, 1)`` and the jaw drops (AU26) by
0.6 of that times ``U(0.5, 1)``. Speech alternates with pauses (a two-state chain: a speaking frame
stops with p = ``pause``, a pause resumes with p = 0.4); while speaking, a brow flash (AU1 + AU2 at
``U(0.3, 0.7)`` for 1-2 frames, the emphasis gesture of speakers) starts with p = ``brow_p`` a frame.
Speech changes action units only, never the expression label: it is the within-episode movement a
talking-head pool shows between two frames of one expression.
"""

from __future__ import annotations

import numpy as np

from fer_lib.data.synth.expression import AU_INDEX

AU_CAP = 1.2   # the rig's largest activation: speech never pushes an AU past it (nor lowers one above it)


def speaking_mask(rng: np.random.Generator, n: int, pause: float) -> np.ndarray:
    """bool [n]: frames where the person speaks (starts speaking with p = 0.8)."""
    out = np.zeros(n, bool)
    on = rng.uniform() < 0.8
    for k in range(n):
        out[k] = on
        on = (rng.uniform() >= pause) if on else (rng.uniform() < 0.4)
    return out


def add_speech(rng: np.random.Generator, aus: np.ndarray, mouth: float, pause: float,
               brow_p: float) -> np.ndarray:
    """aus float32 [T, A] with speech added (a copy). Speakers' faster blinking is the domain's ``blink_p``."""
    T = len(aus)
    speaking = speaking_mask(rng, T, pause)
    lips = np.where(speaking, mouth * rng.uniform(0.3, 1.0, T), 0.0)
    jaw = 0.6 * lips * rng.uniform(0.5, 1.0, T)
    brow = np.zeros(T)
    k = 0
    while k < T:
        if speaking[k] and rng.uniform() < brow_p:
            span = int(rng.integers(1, 3))
            brow[k:k + span] = rng.uniform(0.3, 0.7)
            k += span
        k += 1
    out = aus.astype(np.float32).copy()
    for name, extra in (("AU25", lips), ("AU26", jaw), ("AU1", brow), ("AU2", brow)):
        col = out[:, AU_INDEX[name]]
        out[:, AU_INDEX[name]] = np.maximum(col, np.minimum(col + extra, AU_CAP))
    return out
