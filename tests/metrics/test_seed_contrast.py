"""Paired seed contrast: hand-computed means, standard errors and verdicts."""

from __future__ import annotations

import math

import pytest

from fer_lib.metrics.seed_contrast import paired_contrast


def test_paired_contrast_values_and_verdicts():
    out = paired_contrast({0: 0.70, 1: 0.72, 2: 0.74, 9: 0.1}, {0: 0.60, 1: 0.61, 2: 0.65})
    d = [0.10, 0.11, 0.09]
    se = math.sqrt(sum((x - 0.1) ** 2 for x in d) / 2) / math.sqrt(3)
    assert out["n"] == 3 and out["diff"] == pytest.approx(0.10) and out["se"] == pytest.approx(se)
    assert out["verdict"] == "A > B"
    assert paired_contrast({0: 0.5, 1: 0.6}, {0: 0.7, 1: 0.81})["verdict"] == "A < B"
    assert paired_contrast({0: 0.5, 1: 0.9}, {0: 0.6, 1: 0.6})["verdict"] == "within seed spread"
    assert paired_contrast({0: 0.9}, {0: 0.1})["verdict"] == "within seed spread"
    with pytest.raises(ValueError, match="no common seed"):
        paired_contrast({0: 1.0}, {1: 1.0})
