"""From time tuples to the role-keyed batch :class:`fer_lib.methods.ssl_fer.SSLFER` reads.

:class:`TupleCollate` is a ``collate_fn`` for :class:`fer_lib.data.tuples.TimeTupleDataset` items
(``images [K, 3, H, W]`` in the order anchor, positive, neg-anchor, neg-positive; ``t [K]``; ``clip``).
It adds what the strategies need and the dataset does not carry: each role's landmarks, a FaceSwap
donor frame of another identity, and each role's mouth-eye descriptor from a precomputed table
(the descriptor is frozen and computed on the un-augmented frame, so one pass over the frames suffices).
"""

from __future__ import annotations

import numpy as np
import torch

#: K = 4 order of TimeTupleDataset's tuples
TUPLE_ORDER = ("anchor", "positive", "neg_anchor", "neg_positive")


class TupleCollate:
    """Collate tuple items into SSLFER's batch.

    videos: the frame source (``frames [n, T, H, W, 3]``, ``landmarks [n, T, 68, 2]``, ``identity [n]``,
    ``expression [n, T]``); donor_clips: int [M] clips donors are drawn from (the training split);
    descriptors: float [n, T, D] mouth-eye descriptors per frame, or None (no MaskFN);
    donor_other_identity: draw donors only among other identities (the authors drew any random clip).
    Donors are drawn from ``(seed, clip, t...)`` of each tuple, so a resumed run gets the same donors.
    Batch: "<role>" uint8 [B, 3, H, W], "<role>_landmarks" float32 [B, 68, 2], "<role>_t", "<role>_expression"
    int64 [B], "<role>_descriptor" [B, D] (with descriptors), "clip", "identity" [B], "donor" [B, 3, H, W],
    "donor_landmarks", "donor_clip", "donor_t".
    """

    def __init__(self, videos, donor_clips: np.ndarray, descriptors: np.ndarray | None = None, seed: int = 0,
                 donor_other_identity: bool = True):
        self.videos, self.descriptors, self.seed = videos, descriptors, seed
        self.donor_clips = np.asarray(donor_clips, dtype=np.int64)
        self.donor_other_identity = donor_other_identity
        if len(self.donor_clips) == 0:
            raise ValueError("donor_clips is empty")
        if descriptors is not None and descriptors.shape[:2] != videos.frames.shape[:2]:
            raise ValueError(f"descriptors {descriptors.shape[:2]} must be [n_clips, T] = {videos.frames.shape[:2]}")

    def _donor(self, clip: int, ts: np.ndarray) -> tuple[int, int]:
        rng = np.random.default_rng([self.seed, clip, *[int(t) for t in ts]])
        pool = self.donor_clips
        if self.donor_other_identity:
            pool = pool[self.videos.identity[pool] != self.videos.identity[clip]]
            if len(pool) == 0:
                raise ValueError(f"no donor clip of another identity than clip {clip}'s")
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
        return batch
