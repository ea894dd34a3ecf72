"""What to generate: ``SynthConfig`` and the seeded draws of identities, splits, clips and scenes.

Every random draw comes from its own ``numpy.random.SeedSequence`` keyed by (seed, domain, what,
index), so one clip's content never depends on how many clips, workers or chunks there are: the
same config + seed gives identical bytes, and clip ``c`` is the same whether it is rendered alone or
among thousands.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

import numpy as np

from fer_lib.data.synth.domains import Domain, get_domain
from fer_lib.data.synth.dynamics import ClipFactors, sample_clip
from fer_lib.data.synth.identity import Identity, sample_identity
from fer_lib.data.synth.render import Scene, sample_scene

GENERATOR_VERSION = 4  # bump when rendering or sampling changes: it is part of the cache key
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class SynthConfig:
    """A synthetic face-video set. Clip c belongs to identity ``c // clips_per_identity``.

    identity_seed: when set, identities are drawn from it alone (not from seed and domain), so two
    configs (e.g. two domains) can share the same people; by default every (seed, domain) pair has
    its own people, which keeps "another dataset" identity-disjoint from the first.
    """

    domain: str = "vox"
    n_identities: int = 40
    clips_per_identity: int = 4
    frames_per_clip: int = 16
    size: int = 64
    seed: int = 0
    split: tuple[float, float, float] = (0.7, 0.15, 0.15)
    identity_seed: int | None = None
    priors: tuple[float, ...] | None = None  # clip-class priors replacing the domain's (e.g. a balanced test set)

    def __post_init__(self):
        domain = get_domain(self.domain)
        if self.priors is not None:
            dataclasses.replace(domain, priors=tuple(self.priors))  # the Domain checks length and sum
        if not 32 <= self.size <= 256:
            raise ValueError(f"SynthConfig.size must be within 32..256 px, got {self.size}")
        for name in ("n_identities", "clips_per_identity", "frames_per_clip"):
            if getattr(self, name) < 1:
                raise ValueError(f"SynthConfig.{name} must be >= 1, got {getattr(self, name)}")
        if len(self.split) != 3 or min(self.split) < 0 or abs(sum(self.split) - 1) > 1e-6:
            raise ValueError(f"SynthConfig.split must be three fractions summing to 1, got {self.split}")

    @property
    def n_clips(self) -> int:
        return self.n_identities * self.clips_per_identity

    @property
    def domain_preset(self) -> Domain:
        domain = get_domain(self.domain)
        return domain if self.priors is None else dataclasses.replace(domain, priors=tuple(self.priors))

    def key(self) -> str:
        """Cache key: a hash of every field and the generator version."""
        fields = dataclasses.asdict(self)
        if fields["priors"] is None:  # keeps the keys (and caches) of configs made before the option existed
            del fields["priors"]
        payload = json.dumps({"v": GENERATOR_VERSION, **fields}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _domain_code(name: str) -> int:
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)


def _rng(*key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(k) for k in key]))


_WHAT = {"identity": 1, "split": 2, "clip": 3, "scene": 4, "render": 5}


def identity_of(cfg: SynthConfig, i: int) -> Identity:
    """The traits of identity ``i`` (0 <= i < n_identities)."""
    if not 0 <= i < cfg.n_identities:
        raise IndexError(f"identity {i} outside 0..{cfg.n_identities - 1}")
    if cfg.identity_seed is None:
        rng = _rng(cfg.seed, _domain_code(cfg.domain), _WHAT["identity"], i)
    else:
        rng = _rng(cfg.identity_seed, _WHAT["identity"], i)
    return sample_identity(rng, cfg.domain_preset)


def identity_splits(cfg: SynthConfig) -> np.ndarray:
    """Split name per identity, str [n_identities]; disjoint by construction, each non-empty split >= 1 identity."""
    n = cfg.n_identities
    counts = np.floor(np.asarray(cfg.split) * n).astype(int)
    for k in np.argsort(-np.asarray(cfg.split)):   # hand out the remainder, then guarantee non-empty splits
        if counts.sum() < n:
            counts[k] += 1
    for k in range(3):
        if cfg.split[k] > 0 and counts[k] == 0 and counts.max() > 1:
            counts[np.argmax(counts)] -= 1
            counts[k] = 1
    order = _rng(cfg.seed, _domain_code(cfg.domain), _WHAT["split"]).permutation(n)
    out = np.empty(n, dtype="<U5")
    out[order] = np.repeat(np.array(SPLITS), counts)
    return out


def clip_factors(cfg: SynthConfig, c: int, identity: Identity | None = None) -> ClipFactors:
    """Per-frame factors of clip ``c``."""
    identity = identity or identity_of(cfg, c // cfg.clips_per_identity)
    rng = _rng(cfg.seed, _domain_code(cfg.domain), _WHAT["clip"], c)
    return sample_clip(rng, cfg.domain_preset, identity, cfg.frames_per_clip)


def clip_scene(cfg: SynthConfig, c: int) -> Scene:
    """Background, light, cast, blur and noise level of clip ``c``."""
    return sample_scene(_rng(cfg.seed, _domain_code(cfg.domain), _WHAT["scene"], c), cfg.domain_preset)


def render_rng(cfg: SynthConfig, c: int) -> np.random.Generator:
    """The pixel-noise generator of clip ``c``."""
    return _rng(cfg.seed, _domain_code(cfg.domain), _WHAT["render"], c)


def class_frequencies(cfg: SynthConfig, n_clips: int) -> tuple[np.ndarray, np.ndarray]:
    """Measured class frequencies of ``n_clips`` clips of ``cfg`` (factors only, nothing rendered).

    Returns (clip-level frequencies [K] of clip_label, frame-level frequencies [K] of expression).
    """
    big = dataclasses.replace(cfg, n_identities=n_clips, clips_per_identity=1)
    K = len(cfg.domain_preset.classes)
    clip_counts, frame_counts = np.zeros(K), np.zeros(K)
    for c in range(n_clips):
        f = clip_factors(big, c)
        clip_counts[f.clip_label] += 1
        frame_counts += np.bincount(f.expression, minlength=K)
    return clip_counts / clip_counts.sum(), frame_counts / frame_counts.sum()
