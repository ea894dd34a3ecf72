"""From time tuples to the role-keyed batch :class:`fer_lib.methods.ssl_fer.SSLFER` reads.

:class:`TupleCollate` is a ``collate_fn`` for :class:`fer_lib.data.tuples.TimeTupleDataset` items
(``images [K, 3, H, W]`` in the order anchor, positive, neg-anchor, neg-positive; ``t [K]``; ``clip``).
It adds what the strategies need and the dataset does not carry: each role's landmarks, a FaceSwap
donor frame (of another identity, any clip, or another clip of the same person), and each role's mouth-eye
descriptor from a precomputed table (the descriptor is frozen and computed on the un-augmented frame, so one
pass over the frames suffices). With ``swap`` it also performs FaceSwap on the positives: the swap needs only
the raw frames and landmarks, so it runs in the data-loader workers instead of inside the training step.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

#: K = 4 order of TimeTupleDataset's tuples
TUPLE_ORDER = ("anchor", "positive", "neg_anchor", "neg_positive")
#: where FaceSwap donors come from
DONORS = ("other_identity", "any", "same_identity")
#: (videos, clip, t, image uint8 [H, W, 3], landmarks [68, 2], donor clip, donor t, donor image,
#: donor landmarks) -> (the frame's expression on the donor's head uint8 [H, W, 3], its landmarks [68, 2])
SwapFn = Callable[..., tuple[np.ndarray, np.ndarray]]


class TupleCollate:
    """Collate tuple items into SSLFER's batch.

    videos: the frame source (``frames [n, T, H, W, 3]``, ``landmarks [n, T, 68, 2]``, ``identity [n]``,
    ``expression [n, T]``); donor_clips: int [M] clips donors are drawn from (the training split);
    descriptors: float [n, T, D] mouth-eye descriptors per frame, or None (no MaskFN);
    donors: "other_identity" (default), "any" (the authors: any random clip) or "same_identity" (another
    clip of the same person: a new scene, the same identity).
    swap, swap_p: with probability swap_p each (independently), the positive and the neg-positive are replaced
    by ``swap(...)`` (see :data:`SwapFn`) onto the tuple's donor (the same donor for both, as the authors').
    Donors and swap draws come from ``(seed, clip, t...)`` of each tuple, so a resumed run gets the same ones.
    Batch: "<role>" uint8 [B, 3, H, W], "<role>_landmarks" float32 [B, 68, 2], "<role>_t", "<role>_expression"
    int64 [B], "<role>_descriptor" [B, D] (with descriptors), "clip", "identity" [B], "donor" [B, 3, H, W],
    "donor_landmarks", "donor_clip", "donor_t"; with swap "swapped" bool [B, R] per positive role (after the swap, "<role>" and
    "<role>_landmarks" of the positives are the swapped frame's).
    """

    def __init__(self, videos, donor_clips: np.ndarray, descriptors: np.ndarray | None = None, seed: int = 0,
                 donors: str = "other_identity", swap: SwapFn | None = None, swap_p: float = 0.0):
        self.videos, self.descriptors, self.seed = videos, descriptors, seed
        self.donor_clips = np.asarray(donor_clips, dtype=np.int64)
        self.donors, self.swap, self.swap_p = donors, swap, swap_p
        if donors not in DONORS:
            raise ValueError(f"donors must be one of {DONORS}, got {donors!r}")
        if swap_p > 0 and swap is None:
            raise ValueError("swap_p > 0 needs a swap function")
        if len(self.donor_clips) == 0:
            raise ValueError("donor_clips is empty")
        if descriptors is not None and descriptors.shape[:2] != videos.frames.shape[:2]:
            raise ValueError(f"descriptors {descriptors.shape[:2]} must be [n_clips, T] = {videos.frames.shape[:2]}")

    def _donor(self, clip: int, ts: np.ndarray) -> tuple[int, int]:
        rng = np.random.default_rng([self.seed, clip, *[int(t) for t in ts]])
        pool, ident = self.donor_clips, self.videos.identity
        if self.donors == "other_identity":
            pool = pool[ident[pool] != ident[clip]]
            if len(pool) == 0:
                raise ValueError(f"no donor clip of another identity than clip {clip}'s")
        elif self.donors == "same_identity":
            pool = pool[(ident[pool] == ident[clip]) & (pool != clip)]
            if len(pool) == 0:
                raise ValueError(f"no other clip of clip {clip}'s identity to draw a donor from")
        donor = int(pool[rng.integers(len(pool))])
        return donor, int(rng.integers(self.videos.frames.shape[1]))

    def __call__(self, items: list[dict]) -> dict:
        v = self.videos
        images = torch.stack([it["images"] for it in items])                        # [B, K, 3, H, W]
        t = torch.stack([it["t"] for it in items]).numpy()                          # [B, K]
        clip = np.array([int(it["clip"]) for it in items], dtype=np.int64)          # [B]
        batch = {"clip": torch.from_numpy(clip), "identity": torch.from_numpy(np.asarray(v.identity[clip], np.int64))}
        for k, role in enumerate(TUPLE_ORDER[: images.shape[1]]):
            batch[role] = images[:, k]
            batch[f"{role}_t"] = torch.from_numpy(t[:, k].copy())
            batch[f"{role}_landmarks"] = torch.from_numpy(np.asarray(v.landmarks[clip, t[:, k]], np.float32))
            batch[f"{role}_expression"] = torch.from_numpy(np.asarray(v.expression[clip, t[:, k]], np.int64))
            if self.descriptors is not None:
                batch[f"{role}_descriptor"] = torch.from_numpy(np.asarray(self.descriptors[clip, t[:, k]], np.float32))
        donors = np.array([self._donor(int(c), ts) for c, ts in zip(clip, t)], dtype=np.int64)   # [B, 2]
        frames = np.stack([np.asarray(v.frames[c, s]) for c, s in donors])                       # [B, H, W, 3]
        batch["donor"] = torch.from_numpy(np.ascontiguousarray(frames.transpose(0, 3, 1, 2)))
        batch["donor_landmarks"] = torch.from_numpy(np.asarray(v.landmarks[donors[:, 0], donors[:, 1]], np.float32))
        batch["donor_clip"], batch["donor_t"] = torch.from_numpy(donors[:, 0]), torch.from_numpy(donors[:, 1])
        if self.swap is not None:
            self._swap_positives(batch, clip, t, donors, frames)
        return batch

    def _swap_positives(self, batch: dict, clip: np.ndarray, t: np.ndarray, donors: np.ndarray,
                        donor_frames: np.ndarray) -> None:
        """FaceSwap in place on the batch's positives (positive at tuple index 1, neg-positive at 3)."""
        v = self.videos
        roles = [(k, r) for k, r in enumerate(TUPLE_ORDER[: t.shape[1]]) if r.endswith("positive")]
        swapped = np.zeros((len(clip), len(roles)), bool)
        for b, (c, ts) in enumerate(zip(clip, t)):
            draws = np.random.default_rng([self.seed, int(c), *[int(x) for x in ts], 1]).uniform(size=len(roles))
            for j, (k, role) in enumerate(roles):
                if draws[j] >= self.swap_p:
                    continue
                swapped[b, j] = True
                image, marks = self.swap(v, int(c), int(ts[k]), np.asarray(v.frames[c, ts[k]]), v.landmarks[c, ts[k]],
                                         int(donors[b, 0]), int(donors[b, 1]), donor_frames[b],
                                         v.landmarks[donors[b, 0], donors[b, 1]])
                batch[role][b] = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
                batch[f"{role}_landmarks"][b] = torch.as_tensor(np.asarray(marks, np.float32))
        batch["swapped"] = torch.from_numpy(swapped)
