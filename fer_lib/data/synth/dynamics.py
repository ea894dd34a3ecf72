"""Per-clip dynamics: expression episodes (onset -> apex -> offset), pose drift, gaze fixations, blinks.

Each clip draws its class from the domain's priors (``clip_label``). A non-neutral clip holds a main
episode of that class covering 60-95 % of the clip (at most ~``domain.max_episode_frames``); with
``domain.second_episode_p`` a second, shorter episode of a class drawn from the priors fills the
largest free gap. Clips longer than ``max_episode_frames`` get up to ``ceil(T / max_episode_frames)``
such tries, so a long clip is a sequence of episodes. ``posed`` domains instead
run neutral -> apex and hold the apex (CK+ style). ``chain`` domains (talking heads) tile the clip with
back-to-back episodes of ``domain.chain_frames`` frames, the first of the clip's class, each next one of
another class drawn from the priors (neutral included), so a clip holds several expressions.
Domains with ``speech_mouth`` > 0 talk on top of the episodes (``speech.add_speech``).
A frame takes the class of its strongest episode when that episode's intensity >= ``domain.label_threshold``, otherwise "neutral". Clips of fewer than
4 frames (stills) sit at the apex.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fer_lib.data.synth.domains import Domain
from fer_lib.data.synth.expression import VA_ANCHORS, other_aus, other_va, prototype
from fer_lib.data.synth.identity import Identity
from fer_lib.data.synth.landmarks import FACE_CENTRE
from fer_lib.data.synth.speech import add_speech

PHASES = ("none", "onset", "apex", "offset")


@dataclass
class ClipFactors:
    """Everything that changes over a clip's T frames (arrays) plus its class."""

    clip_label: int            # index into domain.classes
    expression: np.ndarray     # int64 [T] index into domain.classes
    phase: np.ndarray          # int8 [T] index into PHASES (of the strongest episode)
    intensity: np.ndarray      # float32 [T] in [0, 1]
    aus: np.ndarray            # float32 [T, A] (resting offset included)
    valence: np.ndarray        # float32 [T]
    arousal: np.ndarray        # float32 [T]
    blink: np.ndarray          # float32 [T] eye closure in [0, 1]
    pose: np.ndarray           # float32 [T, 3] yaw, pitch, roll (degrees)
    gaze: np.ndarray           # float32 [T, 2] pitch, yaw (radians)
    centre: np.ndarray         # float32 [T, 2] face centre (fraction of the frame)
    scale: np.ndarray          # float32 [T] face-size factor


def envelope(t: np.ndarray, start: float, onset: float, apex: float, offset: float) -> tuple[np.ndarray, np.ndarray]:
    """Raised-cosine onset -> flat apex -> raised-cosine offset. Returns (value [T] in [0,1], phase [T])."""
    t = np.asarray(t, np.float64)
    a, b, c, d = start, start + onset, start + onset + apex, start + onset + apex + offset
    val = np.zeros_like(t)
    phase = np.zeros(t.shape, np.int8)
    up = (t >= a) & (t < b)
    val[up] = 0.5 - 0.5 * np.cos(np.pi * (t[up] - a) / max(onset, 1e-6))
    phase[up] = 1
    top = (t >= b) & (t <= c)
    val[top], phase[top] = 1.0, 2
    down = (t > c) & (t < d)
    val[down] = 0.5 + 0.5 * np.cos(np.pi * (t[down] - c) / max(offset, 1e-6))
    phase[down] = 3
    return val, phase


def _episode(rng: np.random.Generator, t: np.ndarray, lo: float, hi: float, frac: tuple[float, float],
             max_len: int | None = None):
    """One onset-apex-offset envelope inside frames [lo, hi), at most ~``max_len`` frames long."""
    span = hi - lo
    length = max(3.0, span * rng.uniform(*frac))
    if max_len is not None and length > max_len:
        length = max_len * rng.uniform(0.6, 1.0)
    onset, offset = length * rng.uniform(0.15, 0.3), length * rng.uniform(0.15, 0.3)
    start = lo + rng.uniform(0, max(span - length, 0))
    return envelope(t, start, onset, length - onset - offset, offset)


def _chain(rng: np.random.Generator, t: np.ndarray, domain: Domain, first: int):
    """Back-to-back episodes covering frames t [T]: (label, envelope [T], phase [T]) per non-neutral one.

    The first (of class ``first``) starts up to a third of its length before frame 0; each next class is
    drawn from the priors without the current one; onset and offset take 10-20 % of an episode each."""
    lo, hi = domain.chain_frames
    priors = np.asarray(domain.priors, np.float64)
    neutral = domain.classes.index("neutral")
    out, label = [], first
    start = -rng.uniform(0, lo / 3)
    while start < len(t):
        length = rng.uniform(lo, hi)
        onset, offset = length * rng.uniform(0.1, 0.2), length * rng.uniform(0.1, 0.2)
        if label != neutral:
            out.append((label, *envelope(t, start, onset, length - onset - offset, offset)))
        start += length
        p = priors.copy()
        p[label] = 0.0
        label = int(rng.choice(len(p), p=p / p.sum()))
    return out


def _free_runs(busy: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs [lo, hi) of False in a bool mask [T], in time order."""
    edges = np.diff(np.concatenate([[0], (~busy).astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def _smooth_walk(rng: np.random.Generator, n: int, amplitude: float, periods: tuple[float, float]) -> np.ndarray:
    """Sum of two random sinusoids (period in frames): a smooth drift [n] of about +-amplitude."""
    t = np.arange(n)
    out = np.zeros(n)
    for _ in range(2):
        out += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * t / rng.uniform(*periods) + rng.uniform(0, 2 * np.pi))
    return amplitude * out / 2


def sample_clip(rng: np.random.Generator, domain: Domain, identity: Identity, n_frames: int) -> ClipFactors:
    """Draw all per-frame factors of one clip of ``n_frames`` frames."""
    T, t = n_frames, np.arange(n_frames, dtype=np.float64)
    classes = domain.classes
    clip_label = int(rng.choice(len(classes), p=domain.priors))
    episodes: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, tuple[float, float]]] = []

    def add(label: int, env: np.ndarray, phase: np.ndarray) -> None:
        name = classes[label]
        apex = rng.uniform(*domain.intensity)
        if name == "other":
            aus, va = other_aus(rng), other_va(rng)
        else:
            aus, va = prototype(name), VA_ANCHORS[name]
        episodes.append((label, env * apex, phase, aus, va))

    if domain.mode == "chain" and T >= 4:
        for label, env, phase in _chain(rng, t, domain, clip_label):
            add(label, env, phase)
    elif classes[clip_label] != "neutral":
        if T < 4:
            env, phase = np.ones(T), np.full(T, 2, np.int8)
        elif domain.mode == "posed":
            env, phase = envelope(t, 0.0, (T - 1) * rng.uniform(0.5, 0.7), T, 0.0)
        else:
            env, phase = _episode(rng, t, 0, T, (0.6, 0.95), domain.max_episode_frames)
        add(clip_label, env, phase)
    long = domain.max_episode_frames is not None and T > domain.max_episode_frames
    tries, min_gap = (-(-T // domain.max_episode_frames), max(4, domain.max_episode_frames // 2)) if long \
        else (1, max(4, T // 5))
    for _ in range(tries):   # further, shorter episodes in the free gaps (one try unless the clip is long)
        if not (T >= 8 and domain.mode == "episodes" and rng.uniform() < domain.second_episode_p):
            continue
        label = int(rng.choice(len(classes), p=domain.priors))
        gaps = _free_runs(np.any([e[1] > 0 for e in episodes], axis=0) if episodes else np.zeros(T, bool))
        if not gaps:
            break
        lo, hi = max(gaps, key=lambda g: g[1] - g[0])
        if classes[label] != "neutral" and hi - lo >= min_gap:
            env, phase = _episode(rng, t, lo, hi, (0.6, 1.0), domain.max_episode_frames)
            add(label, env, phase)

    neutral = classes.index("neutral")
    intensity = np.zeros(T, np.float32)
    expression = np.full(T, neutral, np.int64)
    phase = np.zeros(T, np.int8)
    aus = np.tile(identity.resting_aus, (T, 1)).astype(np.float32)
    valence, arousal = np.zeros(T, np.float32), np.zeros(T, np.float32)
    for label, value, ph, ep_aus, va in episodes:
        aus += value[:, None].astype(np.float32) * ep_aus[None]
        stronger = value > intensity
        intensity = np.where(stronger, value, intensity).astype(np.float32)
        phase = np.where(stronger, ph, phase).astype(np.int8)
        expression = np.where(stronger & (value >= domain.label_threshold), label, expression)
        valence = np.where(stronger, va[0] * value, valence).astype(np.float32)
        arousal = np.where(stronger, va[1] * value, arousal).astype(np.float32)
    expression = np.where(intensity >= domain.label_threshold, expression, neutral)

    blink = np.zeros(T, np.float32)
    k = 0
    while k < T:
        if rng.uniform() < domain.blink_p:
            for j, v in enumerate((0.6, 1.0, 0.5)):
                if k + j < T:
                    blink[k + j] = v
            k += 3
        k += 1

    drift = domain.drift_period
    pose = np.stack([
        rng.uniform(-domain.yaw, domain.yaw) + _smooth_walk(rng, T, domain.pose_drift, drift),
        rng.uniform(-domain.pitch, domain.pitch) + _smooth_walk(rng, T, domain.pose_drift * 0.5, drift),
        rng.uniform(-domain.roll, domain.roll) + _smooth_walk(rng, T, domain.pose_drift * 0.4, drift),
    ], axis=1).astype(np.float32)

    gaze = np.zeros((T, 2), np.float32)
    spread = 0.03 if domain.mode == "posed" else 1.0
    k = 0
    while k < T:
        dur = int(rng.integers(5, 20))
        gaze[k:k + dur] = np.clip(rng.normal(0, [0.12 * spread, 0.18 * spread]), [-0.35, -0.45], [0.35, 0.45])
        k += dur

    jit = domain.shift_jitter
    centre = np.stack([
        FACE_CENTRE[0] + rng.uniform(-jit, jit) + _smooth_walk(rng, T, jit * 0.3, (30, 90)),
        FACE_CENTRE[1] + rng.uniform(-jit, jit) + _smooth_walk(rng, T, jit * 0.3, (30, 90)),
    ], axis=1).astype(np.float32)
    scale = (1 + rng.uniform(-domain.scale_jitter, domain.scale_jitter) + np.zeros(T)).astype(np.float32)
    if domain.speech_mouth > 0:   # drawn last: silent domains' draws stay as they were
        aus = add_speech(rng, aus, domain.speech_mouth, domain.speech_pause, domain.brow_p)
    return ClipFactors(clip_label, expression, phase, intensity, aus, valence, arousal, blink, pose, gaze,
                       centre, scale)

