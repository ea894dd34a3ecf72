"""Frame tuples chosen by time offset within a clip (SSL-FER's TimeAug positives and HardNeg negatives).

Frame index = time: frames are always addressed in temporal order (the authors' code indexed an
unsorted ``glob`` list by offset; here a clip's frames are time-ordered by construction).

TimeAug (methods.md, SSL-FER step 3): anchor ``a ~ U{0..n-1}``, offset ``d`` drawn from ``offsets``
with probabilities ``weights`` (default ∝ [5, 4, 3, 2, 1] over {2..6}, the code's ``distr_mode c``);
the positive is ``a ± d`` (sign p = 0.5 if both lie in the clip, else the side that fits).
HardNeg: a negative anchor at least ``hard_negative_gap`` frames from the anchor (side p = 0.5 when
both fit), and its own TimeAug positive. Tuples are drawn afresh every epoch from (seed, epoch);
the authors fixed one tuple per clip for the whole run (``fixed_tuples`` reproduces that: the
epoch is ignored).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

PAPER_OFFSETS = (2, 3, 4, 5, 6)
PAPER_WEIGHTS = (5, 4, 3, 2, 1)
PAPER_HARD_NEGATIVE_GAP = 12


def _shift(rng: np.random.Generator, a: int, d: int, n: int, strict: bool) -> int | None:
    """Position a ± d inside [0, n-1] (None if neither side fits). strict: the code's bounds test."""
    if strict:  # code: both sides if a-d > 0 and a+d < n-1; forward if a+d < n-1; backward if a-d >= 0
        fwd, both = a + d < n - 1, (a - d > 0 and a + d < n - 1)
    else:
        fwd, both = a + d <= n - 1, (a - d >= 0 and a + d <= n - 1)
    back = a - d >= 0
    if both:
        return a + d if rng.uniform() < 0.5 else a - d
    if fwd:
        return a + d
    if back:
        return a - d
    return None


def sample_time_tuples(lengths: np.ndarray, rng: np.random.Generator, offsets=PAPER_OFFSETS,
                       weights=PAPER_WEIGHTS, hard_negative_gap: int | None = None, per_clip: int = 1,
                       strict_bounds: bool = False, max_tries: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``per_clip`` tuples per clip.

    lengths: int [n_clips] frames per clip. Returns (clip int64 [N], t int64 [N, K]) with N = n_clips *
    per_clip and K = 2 (anchor, positive) or 4 (anchor, positive, negative anchor, negative positive)
    when ``hard_negative_gap`` is set. strict_bounds=True applies the authors' exclusive bounds test
    (a positive never lands on the clip's last frame). A clip too short for any tuple is an error.
    """
    offsets = np.asarray(offsets, np.int64)
    p = np.asarray(weights, np.float64)
    if offsets.shape != p.shape or (p < 0).any() or p.sum() <= 0 or (offsets < 1).any():
        raise ValueError(f"offsets {offsets.tolist()} and weights {p.tolist()} must match, offsets >= 1, weights >= 0")
    p = p / p.sum()
    need = max(int(offsets[p > 0].min()), hard_negative_gap or 0) + (1 if strict_bounds else 0)
    clips, tuples = [], []
    for c, n in enumerate(np.asarray(lengths, np.int64)):
        if n - 1 < need:
            raise ValueError(f"clip {c} has {n} frames: too short for offsets {offsets.tolist()} "
                             f"and hard-negative gap {hard_negative_gap}")
        for _ in range(per_clip):
            for _ in range(max_tries):
                a = int(rng.integers(n))
                pos = _shift(rng, a, int(rng.choice(offsets, p=p)), n, strict_bounds)
                if pos is None:
                    continue
                if hard_negative_gap is None:
                    tuples.append((a, pos))
                    break
                after, before = a + hard_negative_gap <= n - 1, a - hard_negative_gap >= 0
                if not (after or before):
                    continue
                go_after = after and (not before or rng.uniform() < 0.5)
                if go_after:
                    na = int(rng.integers(a + hard_negative_gap, n))
                else:
                    na = int(rng.integers(0, a - hard_negative_gap + 1))
                npos = _shift(rng, na, int(rng.choice(offsets, p=p)), n, strict_bounds)
                if npos is None:
                    continue
                tuples.append((a, pos, na, npos))
                break
            else:
                raise RuntimeError(f"clip {c} ({n} frames): no valid tuple in {max_tries} tries")
            clips.append(c)
    return np.asarray(clips, np.int64), np.asarray(tuples, np.int64)


class TimeTupleDataset(Dataset):
    """Tuples of frames of the same clip at sampled time offsets, redrawn per epoch (``set_epoch``).

    Item: dict(images uint8 [K, 3, H, W], t int64 [K], expression int64 [K], clip, identity).
    K = 2 (anchor, positive) or 4 (+ hard negative anchor and its positive).
    """

    def __init__(self, videos, split: str = "train", offsets=PAPER_OFFSETS, weights=PAPER_WEIGHTS,
                 hard_negative_gap: int | None = None, per_clip: int = 1, seed: int = 0,
                 fixed_tuples: bool = False, strict_bounds: bool = False):
        self.videos = videos
        self.clip_ids = videos.clips(split)
        self.kw = dict(offsets=offsets, weights=weights, hard_negative_gap=hard_negative_gap, per_clip=per_clip,
                       strict_bounds=strict_bounds)
        self.seed, self.fixed_tuples = seed, fixed_tuples
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        """Redraw the tuples from (seed, epoch); with ``fixed_tuples`` every epoch gets epoch 0's tuples."""
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 0 if self.fixed_tuples else epoch]))
        lengths = np.full(len(self.clip_ids), self.videos.frames.shape[1])
        local, self.t = sample_time_tuples(lengths, rng, **self.kw)
        self.clip = self.clip_ids[local]

    def __len__(self) -> int:
        return len(self.clip)

    def __getitem__(self, i: int) -> dict:
        c, ts = int(self.clip[i]), self.t[i]
        v = self.videos
        images = np.asarray(v.frames[c][ts]).transpose(0, 3, 1, 2)   # [K, 3, H, W]
        return {"images": torch.from_numpy(np.ascontiguousarray(images)), "t": torch.from_numpy(ts.copy()),
                "expression": torch.from_numpy(np.asarray(v.expression[c, ts], np.int64)),
                "clip": torch.tensor(c), "identity": torch.tensor(int(v.identity[c]))}
