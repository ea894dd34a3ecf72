"""The class-balanced test presets ``<domain>_balanced``: the domain's appearance, uniform priors, other people."""

from __future__ import annotations

import dataclasses

import numpy as np

from fer_lib.data.synth import DOMAINS, SynthConfig, class_frequencies, identity_of


def test_balanced_presets_keep_appearance_and_spread_priors_uniformly():
    for name in ("rafdb", "affectnet", "fer2013", "lab"):
        base, bal = DOMAINS[name], DOMAINS[f"{name}_balanced"]
        assert bal.classes == base.classes
        drawn = np.asarray(base.priors) > 0
        np.testing.assert_allclose(np.asarray(bal.priors), drawn / drawn.sum())
        same = {f.name for f in dataclasses.fields(base)} - {"name", "description", "priors"}
        assert all(getattr(bal, f) == getattr(base, f) for f in same), name
    assert DOMAINS["lab_balanced"].prior("neutral") == 0.0            # posed sequences start neutral anyway
    assert DOMAINS["affectnet_balanced"].prior("contempt") == 1 / 8


def test_balanced_stills_fill_every_class_and_are_other_people():
    cfg = SynthConfig(domain="affectnet_balanced", frames_per_clip=1)
    clips, _ = class_frequencies(cfg, 800)
    assert np.abs(clips - 1 / 8).max() < 0.04                         # binomial sd at 800 clips: 0.012
    base = SynthConfig(domain="affectnet", frames_per_clip=1)
    assert identity_of(cfg, 0) != identity_of(base, 0)
