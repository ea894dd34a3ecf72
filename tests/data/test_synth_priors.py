import dataclasses
import hashlib
import json

import numpy as np
import pytest

from fer_lib.data.synth import SynthConfig, class_frequencies
from fer_lib.data.synth.config import GENERATOR_VERSION


def test_priors_option_replaces_the_domain_priors_and_keeps_old_cache_keys():
    base = SynthConfig(domain="dfew", n_identities=4)
    uniform = dataclasses.replace(base, priors=tuple([1 / 7] * 7))
    clip_freq, _ = class_frequencies(uniform, 1400)
    # 1400 clips at p = 1/7: each class 200 ± 13 (sd); the dfew prior gives disgust ~1.4 % (20 clips)
    assert np.all(np.abs(clip_freq - 1 / 7) < 0.04)
    assert class_frequencies(base, 1400)[0][base.domain_preset.classes.index("disgust")] < 0.04
    assert uniform.key() != base.key()
    # the key of a config without priors is the one it had before the option existed (same payload)
    old = {k: v for k, v in dataclasses.asdict(base).items() if k != "priors"}
    want = hashlib.sha256(json.dumps({"v": GENERATOR_VERSION, **old}, sort_keys=True).encode()).hexdigest()[:16]
    assert base.key() == want


def test_priors_option_rejects_bad_priors():
    with pytest.raises(ValueError, match="priors"):
        SynthConfig(domain="dfew", priors=(0.5, 0.5))
