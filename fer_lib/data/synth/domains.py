"""Domains: named presets that shift appearance and label distribution, so that one generator can
play "another dataset" (cross-dataset evaluation) or a biased unlabelled pool.

A domain sets (i) the class set and the clip-class priors, (ii) the dynamics (video episodes or
posed neutral -> apex sequences), (iii) the appearance: skin-tone range, background palette,
lighting, colour cast, blur, noise, pose range and native resolution (a low-resolution domain is
rendered small, then resized to the requested size). The priors are clip-level: each clip draws its
class from them (``clip_label``); frames outside an episode are neutral.

Priors follow the real datasets' published class counts where they exist (AffectNet train counts of
methods.md, RAF-DB and FER2013 train counts, CK+ sequences, DFEW); ``vox`` is a neutral-heavy
face-recognition-like pool; ``talking`` is the same appearance with talking-head dynamics (several
expressions a clip, less neutral, faster head motion, speech). They are *analogues*: nothing here is
real data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from fer_lib.data import labels


@dataclass(frozen=True)
class Domain:
    """One appearance + label-distribution preset. Ranges are (low, high) of uniform draws."""

    name: str
    description: str
    classes: tuple[str, ...]
    priors: tuple[float, ...]                   # [K] clip-class probabilities, aligned with ``classes``
    mode: str = "episodes"                      # "episodes" (video, onset-apex-offset) | "posed" (neutral -> apex)
    #                                             | "chain" (back-to-back episodes: talking heads)
    intensity: tuple[float, float] = (0.5, 1.0)  # apex intensity of an episode
    second_episode_p: float = 0.3               # chance of a second, shorter episode with its own class
    max_episode_frames: int | None = None       # cap on an episode's length; longer clips hold several
    yaw: float = 25.0                           # |base yaw| <= yaw (degrees)
    pitch: float = 10.0
    roll: float = 4.0                           # small: real crops are aligned (eyes level)
    pose_drift: float = 6.0                     # amplitude of the within-clip pose drift (degrees)
    skin_tone: tuple[float, float] = (0.0, 1.0)  # 0 = lightest, 1 = darkest palette entry
    bg_value: tuple[float, float] = (0.25, 0.85)
    bg_saturation: tuple[float, float] = (0.0, 0.5)
    light_strength: tuple[float, float] = (0.0, 0.35)  # directional shading amplitude
    brightness: tuple[float, float] = (0.8, 1.15)
    color_cast: float = 0.06                    # max per-channel gain deviation
    blur_sigma: tuple[float, float] = (0.0, 0.6)  # pixels at 64 px (scaled with the size)
    noise_sigma: tuple[float, float] = (1.0, 4.0)  # grey levels
    native_size: int | None = None              # render at this size, then resize (low-resolution data)
    grayscale: bool = False
    blink_p: float = 0.03                       # per-frame chance a blink starts
    shift_jitter: float = 0.01                  # face-centre jitter (fraction of the frame): aligned crops
    scale_jitter: float = 0.02
    label_threshold: float = 0.3                # a frame takes its episode's class when intensity >= this
    drift_period: tuple[float, float] = (20.0, 80.0)  # periods (frames) of the pose drift's two sinusoids
    chain_frames: tuple[float, float] = (14.0, 22.0)  # "chain" mode: frames per episode
    speech_mouth: float = 0.0                   # > 0: the person talks (speech.py): AU25/26 jitter of this size
    speech_pause: float = 0.1                   # chance a speaking frame is followed by a pause
    brow_p: float = 0.0                         # per speaking frame: chance a brow flash (AU1 + AU2) starts

    def __post_init__(self):
        if len(self.classes) != len(self.priors):
            raise ValueError(f"domain {self.name!r}: {len(self.classes)} classes but {len(self.priors)} priors")
        if abs(sum(self.priors) - 1.0) > 1e-6 or min(self.priors) < 0:
            raise ValueError(f"domain {self.name!r}: priors must be >= 0 and sum to 1, got {self.priors}")
        if self.intensity[0] < self.label_threshold:
            raise ValueError(f"domain {self.name!r}: apex intensities from {self.intensity[0]} fall below the label "
                             f"threshold {self.label_threshold}, so some apex frames would be labelled neutral")
        if "neutral" not in self.classes:
            raise ValueError(f"domain {self.name!r}: the class set must contain 'neutral'")
        if self.mode not in ("episodes", "posed", "chain"):
            raise ValueError(f"domain {self.name!r}: mode must be 'episodes', 'posed' or 'chain', got {self.mode!r}")
        if not 1 <= self.chain_frames[0] <= self.chain_frames[1]:
            raise ValueError(f"domain {self.name!r}: chain_frames must be (low, high) with 1 <= low <= high, "
                             f"got {self.chain_frames}")

    def prior(self, name: str) -> float:
        return self.priors[self.classes.index(name)] if name in self.classes else 0.0


def _norm(counts: dict[str, float], classes: tuple[str, ...]) -> tuple[float, ...]:
    arr = np.array([counts.get(c, 0.0) for c in classes], dtype=np.float64)
    return tuple(float(x) for x in arr / arr.sum())


_S8, _S7 = labels.SYNTH_8, labels.AFFECTNET_7

DOMAINS: dict[str, Domain] = {
    "vox": Domain(
        "vox", "face-recognition-like video pool (VoxCeleb analogue): mostly neutral talking heads, varied scenes",
        _S8, _norm({"neutral": 60, "happy": 20, "sad": 4, "surprise": 6, "fear": 2, "disgust": 2, "anger": 3,
                    "contempt": 3}, _S8),
        intensity=(0.35, 0.85), max_episode_frames=40, yaw=25.0, pose_drift=6.0,
        shift_jitter=0.012, scale_jitter=0.025, blur_sigma=(0.2, 0.8),
        noise_sigma=(2.0, 5.0)),
    "talking": Domain(
        "talking", "talking-head video pool: vox's appearance, back-to-back expressions (14-22 frames each, less "
                   "neutral), faster head motion, speech-like mouth movement, brow flashes and blinks while speaking",
        _S8, _norm({"neutral": 25, "happy": 22, "sad": 10, "surprise": 12, "fear": 6, "disgust": 7, "anger": 9,
                    "contempt": 9}, _S8),
        mode="chain", intensity=(0.45, 0.9), chain_frames=(14.0, 22.0), yaw=25.0, pose_drift=10.0,
        drift_period=(8.0, 24.0), speech_mouth=0.5, speech_pause=0.1, brow_p=0.08, blink_p=0.08,
        shift_jitter=0.012, scale_jitter=0.025, blur_sigma=(0.2, 0.8), noise_sigma=(2.0, 5.0)),
    "affectnet": Domain(
        "affectnet", "in-the-wild stills, long-tailed (AffectNet-8 train counts)",
        _S8, _norm(dict(zip(_S8, (74874, 134415, 25459, 14090, 6378, 3803, 24882, 3750))), _S8),
        intensity=(0.4, 1.0), yaw=30.0, pitch=12.0, roll=5.0, bg_saturation=(0.0, 0.7), shift_jitter=0.015,
        light_strength=(0.0, 0.45), color_cast=0.1, blur_sigma=(0.0, 0.9), noise_sigma=(1.0, 6.0)),
    "rafdb": Domain(
        "rafdb", "in-the-wild stills, 7 basic classes (RAF-DB train counts), warmer palette, softer light",
        _S7, _norm({"surprise": 1290, "fear": 281, "disgust": 717, "happy": 4772, "sad": 1982, "anger": 705,
                    "neutral": 2524}, _S7),
        intensity=(0.5, 1.0), yaw=25.0, skin_tone=(0.0, 0.7), bg_value=(0.4, 0.9), bg_saturation=(0.2, 0.6),
        light_strength=(0.0, 0.25), brightness=(0.95, 1.2), color_cast=0.08, blur_sigma=(0.0, 0.5)),
    "fer2013": Domain(
        "fer2013", "low-resolution grayscale stills (FER2013 train counts, rendered at 48 px)",
        _S7, _norm({"anger": 3995, "disgust": 436, "fear": 4097, "happy": 7215, "sad": 4830, "surprise": 3171,
                    "neutral": 4965}, _S7),
        intensity=(0.5, 1.0), yaw=20.0, roll=6.0, shift_jitter=0.02, scale_jitter=0.04, light_strength=(0.1, 0.5),
        brightness=(0.7, 1.2),
        blur_sigma=(0.3, 1.0), noise_sigma=(2.0, 6.0), native_size=48, grayscale=True),
    "lab": Domain(
        "lab", "posed frontal sequences neutral -> apex under studio light (CK+ analogue)",
        _S8, _norm({"anger": 45, "contempt": 18, "disgust": 59, "fear": 25, "happy": 69, "sad": 28,
                    "surprise": 83, "neutral": 0}, _S8),
        mode="posed", intensity=(0.85, 1.0), second_episode_p=0.0, yaw=3.0, pitch=3.0, roll=2.0,
        pose_drift=0.5, bg_value=(0.55, 0.7), bg_saturation=(0.0, 0.05), light_strength=(0.0, 0.1),
        brightness=(0.95, 1.05), color_cast=0.02, blur_sigma=(0.0, 0.2), noise_sigma=(0.5, 1.5), blink_p=0.0,
        shift_jitter=0.01, scale_jitter=0.02),
    "affwild2": Domain(
        "affwild2", "in-the-wild videos with Aff-Wild2's 8 classes incl. 'other' (frame-level EXPR analogue)",
        labels.AFFWILD2_8, _norm({"neutral": 30, "anger": 4, "disgust": 3, "fear": 3, "happy": 18, "sad": 12,
                                  "surprise": 6, "other": 24}, labels.AFFWILD2_8),
        intensity=(0.4, 1.0), second_episode_p=0.5, max_episode_frames=32, yaw=35.0, pitch=15.0, roll=6.0,
        pose_drift=10.0, shift_jitter=0.015,
        bg_saturation=(0.0, 0.7), light_strength=(0.1, 0.5), color_cast=0.1, blur_sigma=(0.3, 1.2),
        noise_sigma=(2.0, 7.0), native_size=96),
    "dfew": Domain(
        "dfew", "movie clips, 7 classes, one dominant expression per clip (DFEW analogue), cinematic light",
        _S7, _norm({"happy": 25, "sad": 17, "neutral": 23, "anger": 18, "surprise": 12, "disgust": 1.5,
                    "fear": 8}, _S7),
        intensity=(0.5, 1.0), second_episode_p=0.1, yaw=30.0, roll=5.0, pose_drift=8.0, bg_value=(0.1, 0.5),
        light_strength=(0.3, 0.6), brightness=(0.7, 1.0), color_cast=0.12, blur_sigma=(0.2, 0.9)),
    "balanced": Domain(
        "balanced", "in-the-wild appearance with uniform class priors over the 8 classes (for probes and controls)",
        _S8, tuple([1 / 8] * 8), intensity=(0.5, 1.0), second_episode_p=0.0, yaw=20.0),
}


def balanced(domain: Domain) -> Domain:
    """``domain`` with uniform priors over the classes it draws (prior > 0): its appearance, class-balanced
    stills (a test set every class fills alike). Named ``<domain>_balanced``: other people than ``domain``."""
    drawn = np.asarray(domain.priors) > 0
    return replace(domain, name=f"{domain.name}_balanced", description=f"{domain.description}; uniform priors",
                   priors=tuple(float(x) for x in drawn / drawn.sum()))


# class-balanced test domains of the CRS-CONT chapter (additive presets: the others are unchanged)
DOMAINS.update({f"{n}_balanced": balanced(DOMAINS[n]) for n in ("rafdb", "affectnet", "fer2013", "lab")})


def get_domain(name: str) -> Domain:
    try:
        return DOMAINS[name]
    except KeyError:
        raise KeyError(f"unknown synthetic domain {name!r}; presets: {sorted(DOMAINS)}") from None
