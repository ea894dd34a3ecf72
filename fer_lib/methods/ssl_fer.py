"""SSL-FER (Shu et al., BMVC 2022): SimCLR on face-video tuples with composable strategies.

One method, the strategies as named arguments (:class:`Strategies`):

- TimeAug: the positive is another frame of the same clip, a few frames away (the tuple sampler draws
  the offset); off = the positive is the anchor frame itself (plain SimCLR on frames).
- HardNeg: a second pair (neg-anchor, neg-positive) from the same clip, far in time, joins the batch as
  negatives of the first pair (same identity, different moment: identity alone cannot separate them).
- FaceSwap: with probability ``face_swap_p`` the positive (and the neg-positive) shows its expression on
  another identity's head (a donor frame, the same donor for both, as in the authors' code).
- MaskFN: per anchor the negative with the most similar mouth-eye descriptor is a likely false negative:
  it leaves the negatives and becomes a positive of weight ``fn_weight`` (0.8).
- CutMix: with probability ``cutmix_p`` a random box of another tuple's positive is pasted into each
  positive. The paper lists the row but its repository has no CutMix code; this is our reading.
- LandmarkMask: with probability ``landmark_mask_p`` an ellipse over the mouth or one eye is filled
  with the image's mean colour, on every image before the views (authors: p = 0.8).

Images in the contrast batch: ``x = cat[A, NA, P, NP]`` (HardNeg) or ``cat[A, P]``; pair ids
A_i, P_i -> i and NA_i, NP_i -> B + i; every other image is a negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import Tensor, nn

from fer_lib.augment.cutmix import cutmix
from fer_lib.augment.generator import GeneratorState
from fer_lib.augment.views import ViewConfig, make_views
from fer_lib.losses.contrastive import ContrastMasks, cosine_similarity_matrix, info_nce, maskfn_masks, pair_masks
from fer_lib.metrics.classification import positive_top1
from fer_lib.nn.mlp import projection_mlp

#: ``fer_lib.faces.swap.swap_faces``: (source, target, source landmarks, target landmarks) -> a result with
#: ``.image`` (uint8 [H, W, 3]: the source's inner face on the target's head) and ``.source_landmarks``
#: (float [68, 2], where the pasted face's landmarks now are).
SwapFn = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], object]
#: ``fer_lib.augment.landmark_mask.random_landmark_mask``: (images [B, 3, H, W], landmarks [B, 68, 2],
#: generator, p) -> (masked images [B, 3, H, W], region ids [B])
MaskFn = Callable[[Tensor, Tensor, torch.Generator, float], tuple[Tensor, Tensor]]


@dataclass(frozen=True)
class Strategies:
    """Which of the paper's strategies are on. Defaults = the full method (TimeAug+HardNeg+FaceSwap+MaskFN)."""

    time_aug: bool = True
    hard_neg: bool = True
    face_swap_p: float = 0.8           # authors: p = q = 0.8 for positive and neg-positive
    mask_fn: bool = True
    fn_weight: float = 0.8             # lambda
    fn_threshold: float | None = None  # None = top-1 per anchor (the authors' active code)
    fn_exclude_same_clip: bool = False  # authors' top-1 code may pick the same-clip hard negative
    cutmix_p: float = 0.0
    landmark_mask_p: float = 0.0       # authors: 0.8 inside their view pipeline

    def roles(self) -> tuple[str, ...]:
        return ("anchor", "neg_anchor", "positive", "neg_positive") if self.hard_neg else ("anchor", "positive")


class SSLFER(nn.Module):
    """SimCLR-style encoder trained on tuples with the strategies on (see the module docstring).

    backbone: images [B, 3, S, S] -> [B, F] with ``feature_dim``; views: (anchor view, positive view);
    swap_fn / landmark_mask_fn: the faces library's functions (needed only when their strategy is on).
    Batch (uint8 images [B, 3, H, W]): "anchor", "positive" (+ "neg_anchor", "neg_positive" with HardNeg);
    "<role>_landmarks" [B, 68, 2] for FaceSwap/LandmarkMask; "donor", "donor_landmarks" for FaceSwap;
    "<role>_descriptor" [B, D] (mouth-eye descriptor of the un-augmented frame) for MaskFN; "clip" [B]
    when ``fn_exclude_same_clip``. Loss: :func:`info_nce` with ``positives_in_denominator=False``
    (= NT-Xent when each anchor has one positive; the authors' MaskFN form otherwise).
    """

    def __init__(self, backbone: nn.Module, views: tuple[ViewConfig, ViewConfig], strategies: Strategies,
                 proj_hidden: int = 2048, proj_dim: int = 128, temperature: float = 0.07, seed: int = 0,
                 swap_fn: SwapFn | None = None, landmark_mask_fn: MaskFn | None = None):
        super().__init__()
        if strategies.face_swap_p > 0 and swap_fn is None:
            raise ValueError("FaceSwap is on (face_swap_p > 0) but no swap_fn was given")
        if strategies.landmark_mask_p > 0 and landmark_mask_fn is None:
            raise ValueError("LandmarkMask is on (landmark_mask_p > 0) but no landmark_mask_fn was given")
        self.backbone = backbone
        self.projector = projection_mlp(backbone.feature_dim, proj_hidden, proj_dim)
        self.views, self.strategies, self.temperature = views, strategies, temperature
        self.swap_fn, self.landmark_mask_fn = swap_fn, landmark_mask_fn
        self.rng = GeneratorState(seed)
        self.swaps_skipped = 0   # FaceSwap draws left unswapped because a face was not found (real data)

    def tuple_images(self, batch: dict) -> dict[str, Tensor]:
        """The raw images of each role after TimeAug/FaceSwap/CutMix/LandmarkMask, before the views."""
        s, g = self.strategies, self.rng.generator
        images = {"anchor": batch["anchor"]}
        images["positive"] = batch["positive"] if s.time_aug else batch["anchor"]
        landmarks = {r: batch.get(f"{r}_landmarks") for r in ("anchor", "positive", "neg_anchor", "neg_positive")}
        if not s.time_aug:
            landmarks["positive"], landmarks["neg_positive"] = landmarks["anchor"], landmarks["neg_anchor"]
        if s.hard_neg:
            images["neg_anchor"] = batch["neg_anchor"]
            images["neg_positive"] = batch["neg_positive"] if s.time_aug else batch["neg_anchor"]
        positives = [r for r in ("positive", "neg_positive") if r in images]
        if s.face_swap_p > 0:
            for role in positives:
                images[role], landmarks[role] = self._swap(images[role], landmarks[role], batch, g)
        if s.cutmix_p > 0:
            for role in positives:
                b = images[role].shape[0]
                partner = (torch.arange(b) + torch.randint(1, max(b, 2), (b,), generator=g)) % b
                images[role], _ = cutmix(images[role], partner, g, p=s.cutmix_p)
        if s.landmark_mask_p > 0:
            for role in list(images):
                images[role], _ = self.landmark_mask_fn(images[role], landmarks[role], g, s.landmark_mask_p)
        return images

    def _swap(self, images: Tensor, landmarks: Tensor, batch: dict, g: torch.Generator) -> tuple[Tensor, Tensor]:
        """With probability face_swap_p per sample: the sample's inner face on its donor's head. A sample whose
        or whose donor's landmarks are NaN (real data: dlib found no single face) stays unswapped, as in the
        authors' code, and is counted in ``swaps_skipped``."""
        apply = torch.rand(images.shape[0], generator=g) < self.strategies.face_swap_p
        found = torch.isfinite(landmarks).all(dim=(1, 2)) & torch.isfinite(batch["donor_landmarks"]).all(dim=(1, 2))
        self.swaps_skipped += int((apply & ~found.to(apply.device)).sum())
        apply &= found.to(apply.device)
        out, out_lm = images.clone(), landmarks.clone()
        for i in torch.nonzero(apply)[:, 0].tolist():
            result = self.swap_fn(images[i].permute(1, 2, 0).cpu().numpy(),
                                  batch["donor"][i].permute(1, 2, 0).cpu().numpy(),
                                  landmarks[i].cpu().numpy(), batch["donor_landmarks"][i].cpu().numpy())
            out[i] = torch.from_numpy(np.ascontiguousarray(result.image)).permute(2, 0, 1).to(images.device)
            out_lm[i] = torch.as_tensor(result.source_landmarks, dtype=landmarks.dtype, device=landmarks.device)
        return out, out_lm

    def contrast_masks(self, batch: dict, device: torch.device | None = None) -> tuple[ContrastMasks, Tensor | None]:
        """Masks over the contrast batch ``cat[roles]`` ([N, N], N = B x roles) and MaskFN's choice (or None).

        Depends only on the batch (pair structure, descriptors), not on the network: the mechanism
        checks call it directly.
        """
        s = self.strategies
        b = batch["anchor"].shape[0]
        device = device or batch["anchor"].device
        ar = torch.arange(b, device=device)
        ids = torch.cat([ar, ar + b, ar, ar + b]) if s.hard_neg else torch.cat([ar, ar])             # [N]
        masks = pair_masks(ids)
        if not s.mask_fn:
            return masks, None
        desc = torch.cat([batch[f"{r}_descriptor"] for r in s.roles()]).to(device).float()          # [N, D]
        exclude = None
        if s.fn_exclude_same_clip:
            clip = batch["clip"].to(device).repeat(len(s.roles()))                                   # [N]
            exclude = clip[:, None] == clip[None, :]
        return maskfn_masks(masks, desc @ desc.T, s.fn_weight, s.fn_threshold, exclude)

    def training_step(self, batch: dict) -> tuple[Tensor, dict[str, float]]:
        """Returns (loss, logs). See the class docstring for the batch keys."""
        g = self.rng.generator
        images = self.tuple_images(batch)
        views = []
        for role in self.strategies.roles():
            cfg = self.views[0] if role in ("anchor", "neg_anchor") else self.views[1]
            views.append(make_views(images[role], cfg, g))
        z = self.projector(self.backbone(torch.cat(views)))                                          # [N, D]
        sim = cosine_similarity_matrix(z)                                                            # [N, N]
        masks, fn = self.contrast_masks(batch, z.device)
        loss = info_nce(sim, *masks, temperature=self.temperature, positives_in_denominator=False)
        logs = {"loss": float(loss.detach())}
        with torch.no_grad():
            logs["pos_top1"] = positive_top1(sim, pair_masks_weight(masks, fn))
        return loss, logs


def pair_masks_weight(masks: ContrastMasks, fn: Tensor | None) -> Tensor:
    """The true pair positives only (MaskFN's added positives removed), for the logged top-1."""
    return masks.pos_weight if fn is None else masks.pos_weight.masked_fill(fn, 0.0)
