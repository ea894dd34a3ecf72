"""Paired comparison of two training rows over the same seeds: is a difference larger than the seed spread?

Two rows trained with the same seeds share data order and initialisation, so their per-seed differences
d_s are paired. The verdict is deliberately coarse: "A > B" when mean(d) > k * SE(d), "A < B" when
mean(d) < -k * SE(d), "within seed spread" otherwise (and always with fewer than two seeds).
"""

from __future__ import annotations

import numpy as np


def paired_contrast(a: dict[int, float], b: dict[int, float], k: float = 2.0) -> dict:
    """a, b: {seed: value}. Returns {"diff": mean(a - b), "se": standard error, "n": seeds, "verdict": str}.

    Only seeds present in both are used; no common seed is an error.
    """
    seeds = sorted(set(a) & set(b))
    if not seeds:
        raise ValueError(f"no common seed between {sorted(a)} and {sorted(b)}")
    d = np.array([a[s] - b[s] for s in seeds], dtype=float)
    mean = float(d.mean())
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
    if len(d) < 2:
        verdict = "within seed spread"
    elif mean > k * se:
        verdict = "A > B"
    elif mean < -k * se:
        verdict = "A < B"
    else:
        verdict = "within seed spread"
    return {"diff": mean, "se": se, "n": len(d), "verdict": verdict}
