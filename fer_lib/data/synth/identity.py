"""Identities: the traits that make one synthetic person recognisable across clips.

Identity is deliberately the dominant source of pixel variance (as in real faces): large-area
colours (skin, hair, hair style) and face geometry vary a lot between identities, expression only
moves a few features. Each identity also has a *resting-face offset*: a small AU vector always
added to its expression (some people look a little sad or amused at rest).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from fer_lib.data.synth.domains import Domain
from fer_lib.data.synth.expression import AU_INDEX, N_AUS

HAIR_STYLES = ("bald", "short", "side_part", "long", "curly")

_SKIN = np.array([[250, 218, 196], [228, 184, 150], [198, 144, 105], [150, 100, 68], [95, 62, 42]], np.float32)
_HAIR = np.array([[22, 18, 18], [60, 40, 26], [112, 76, 44], [205, 170, 105], [150, 62, 30], [165, 160, 158]],
                 np.float32)
_HAIR_P = np.array([0.3, 0.25, 0.17, 0.12, 0.08, 0.08])
_IRIS = np.array([[70, 45, 25], [40, 28, 20], [70, 110, 160], [80, 115, 70]], np.float32)
_RESTING_POOL = ("AU1", "AU4", "AU12", "AU15", "AU14", "AU7", "AU2")


@dataclass(frozen=True)
class Identity:
    """Traits of one synthetic person. Geometry in face units (face half-width ~1); colours RGB 0..255."""

    face_width: float
    face_height: float
    jaw_power: float          # < 1 square jaw, > 1 pointed chin
    eye_spacing: float        # half distance between eye centres
    eye_size: float
    brow_height: float        # offset above the eyes
    brow_thickness: float
    brow_arch: float
    nose_length: float
    nose_width: float
    mouth_width: float
    lip_thickness: float
    mouth_y: float            # mouth height below the face centre
    skin: tuple[float, float, float]
    hair: tuple[float, float, float]
    hair_style: int           # index into HAIR_STYLES
    hair_volume: float
    hairline: float           # hairline height (higher = larger forehead)
    lip: tuple[float, float, float]
    iris: tuple[float, float, float]
    glasses: bool
    glasses_color: tuple[float, float, float]
    beard: bool
    resting: tuple[float, ...]  # [A] resting-face AU offset

    @property
    def resting_aus(self) -> np.ndarray:
        return np.asarray(self.resting, dtype=np.float32)


# Numeric trait vector for plots / analysis (colours as their luminance).
TRAIT_NAMES = ("face_width", "face_height", "jaw_power", "eye_spacing", "eye_size", "brow_height",
               "brow_thickness", "nose_length", "nose_width", "mouth_width", "lip_thickness", "skin_luma",
               "hair_luma", "hair_style", "glasses", "beard", "resting_norm")


def trait_vector(identity: Identity) -> np.ndarray:
    """Identity -> float32 [len(TRAIT_NAMES)] (for factor-distribution plots)."""
    luma = lambda rgb: 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]  # noqa: E731
    vals = {f.name: getattr(identity, f.name) for f in fields(identity)}
    vals["skin_luma"], vals["hair_luma"] = luma(identity.skin), luma(identity.hair)
    vals["resting_norm"] = float(np.linalg.norm(identity.resting_aus))
    return np.array([float(vals[n]) for n in TRAIT_NAMES], dtype=np.float32)


def _palette(palette: np.ndarray, t: float) -> np.ndarray:
    """Linear interpolation along a palette's rows, t in [0, 1]."""
    x = t * (len(palette) - 1)
    i = min(int(x), len(palette) - 2)
    return palette[i] * (1 - (x - i)) + palette[i + 1] * (x - i)


def sample_identity(rng: np.random.Generator, domain: Domain) -> Identity:
    """Draw one identity; the domain shifts the skin-tone range (its palette)."""
    u = rng.uniform
    skin = _palette(_SKIN, u(*domain.skin_tone)) * u(0.94, 1.06, 3)
    hair_style = int(rng.choice(len(HAIR_STYLES), p=[0.08, 0.3, 0.22, 0.25, 0.15]))
    hair = _HAIR[rng.choice(len(_HAIR), p=_HAIR_P)] * u(0.8, 1.2, 3)
    lip = skin * np.array([0.85, 0.55, 0.55]) + np.array([30, 0, 5]) * u(0.5, 1.5)
    resting = np.zeros(N_AUS, np.float32)
    for name in rng.choice(_RESTING_POOL, size=int(rng.integers(0, 3)), replace=False):
        resting[AU_INDEX[str(name)]] = u(0.05, 0.25)
    beard = bool(u() < 0.2)
    return Identity(
        face_width=u(0.86, 1.14), face_height=u(0.9, 1.12), jaw_power=u(0.7, 1.5), eye_spacing=u(0.34, 0.44),
        eye_size=u(0.8, 1.2), brow_height=u(0.2, 0.32), brow_thickness=u(0.6, 1.5), brow_arch=u(0.0, 0.1),
        nose_length=u(0.85, 1.15), nose_width=u(0.8, 1.3), mouth_width=u(0.85, 1.2), lip_thickness=u(0.7, 1.3),
        mouth_y=u(0.58, 0.68),
        skin=tuple(float(c) for c in np.clip(skin, 0, 255)),
        hair=tuple(float(c) for c in np.clip(hair, 0, 255)),
        hair_style=hair_style, hair_volume=u(0.04, 0.16), hairline=u(0.62, 0.82),
        lip=tuple(float(c) for c in np.clip(lip, 0, 255)),
        iris=tuple(float(c) for c in _IRIS[rng.integers(len(_IRIS))]),
        glasses=bool(u() < 0.2), glasses_color=tuple(float(c) for c in u(10, 120) * np.ones(3) * u(0.8, 1.2, 3)),
        beard=beard, resting=tuple(float(x) for x in resting),
    )
