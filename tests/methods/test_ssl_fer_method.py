"""SSL-FER's composable strategies: the step replayed by hand, MaskFN's choice, FaceSwap/CutMix plumbing."""

import copy
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from fer_lib.augment.views import ViewConfig, make_views
from fer_lib.methods.ssl_fer import SSLFER, Strategies
from fer_lib.models.resnet import ResNetBackbone

VIEWS = (ViewConfig(size=16), ViewConfig(size=16, jitter_p=0.8))
ROLES = ("anchor", "neg_anchor", "positive", "neg_positive")


def tuple_batch(b=4, seed=0, d=6):
    g = torch.Generator().manual_seed(seed)
    batch = {}
    for role in ROLES + ("donor",):
        batch[role] = torch.randint(0, 256, (b, 3, 20, 20), generator=g, dtype=torch.uint8)
        batch[f"{role}_landmarks"] = 4 + 12 * torch.rand(b, 68, 2, generator=g)
        batch[f"{role}_descriptor"] = F.normalize(torch.randn(b, d, generator=g), dim=1)
    batch["clip"] = torch.arange(b)
    return batch


def model(strategies, **kw):
    torch.manual_seed(0)
    return SSLFER(ResNetBackbone(depth=10, width=4, stem_stride=2), VIEWS, strategies, proj_hidden=16, proj_dim=8,
                  temperature=0.1, seed=5, **kw)


def replay_z(ref, images, roles):
    g = ref.rng.generator
    views = [make_views(images[r], VIEWS[0] if r in ("anchor", "neg_anchor") else VIEWS[1], g) for r in roles]
    return F.normalize(ref.projector(ref.backbone(torch.cat(views))), dim=1)


def test_timeaug_hardneg_step_is_nt_xent_over_the_tuple_batch():
    m = model(Strategies(face_swap_p=0.0, mask_fn=False))
    ref = copy.deepcopy(m)
    batch = tuple_batch()
    loss, logs = m.training_step(batch)
    z = replay_z(ref, batch, ROLES)                                   # [16, 8] = cat[A, NA, P, NP]
    logits = z @ z.T / 0.1
    logits.fill_diagonal_(float("-inf"))
    target = torch.arange(16).roll(8)                                 # A_i <-> P_i, NA_i <-> NP_i
    torch.testing.assert_close(loss, F.cross_entropy(logits, target), rtol=1e-5, atol=1e-6)
    loss.backward()
    assert m.backbone.conv1.weight.grad.abs().sum() > 0 and 0 <= logs["pos_top1"] <= 1


def test_without_timeaug_the_positive_is_the_anchor_frame():
    m = model(Strategies(time_aug=False, hard_neg=False, face_swap_p=0.0, mask_fn=False))
    batch = tuple_batch()
    images = m.tuple_images(batch)
    assert set(images) == {"anchor", "positive"} and torch.equal(images["positive"], batch["anchor"])


def test_maskfn_masks_and_step_match_the_authors_formula():
    m = model(Strategies(face_swap_p=0.0, mask_fn=True, fn_weight=0.8))
    ref = copy.deepcopy(m)
    batch = tuple_batch(seed=1)
    masks, fn = m.contrast_masks(batch)
    desc = torch.cat([batch[f"{r}_descriptor"] for r in ROLES])
    n = 16
    partner = torch.arange(n).roll(8)
    loss, _ = m.training_step(batch)
    z = replay_z(ref, batch, ROLES)
    sim = z @ z.T
    terms = []
    for i in range(n):
        negs = [j for j in range(n) if j not in (i, int(partner[i]))]
        k = negs[int(torch.argmax(desc[negs] @ desc[i]))]
        assert fn[i].nonzero().flatten().tolist() == [k]
        rest = [j for j in negs if j != k]
        t0 = torch.zeros(1, dtype=torch.long)
        first = torch.cat([sim[i, partner[i]].view(1), sim[i, rest]])[None] / 0.1
        second = torch.cat([sim[i, k].view(1), sim[i, rest]])[None] / 0.1
        terms.append(F.cross_entropy(first, t0) + 0.8 * F.cross_entropy(second, t0))
    torch.testing.assert_close(loss, torch.stack(terms).mean(), rtol=1e-5, atol=1e-6)


def test_maskfn_exclude_same_clip_never_picks_the_hard_negative():
    batch = tuple_batch(seed=2)
    batch["neg_anchor_descriptor"] = batch["anchor_descriptor"].clone()   # the hard negative looks identical
    _, fn = model(Strategies(face_swap_p=0.0)).contrast_masks(batch)
    b = 4
    assert all(fn[i, b + i] for i in range(b))                             # authors' top-1: picks it
    _, fn_ex = model(Strategies(face_swap_p=0.0, fn_exclude_same_clip=True)).contrast_masks(batch)
    assert not any(fn_ex[i, b + i] for i in range(b)) and fn_ex.sum(1).eq(1).all()


def fake_swap(source, target, source_landmarks, target_landmarks):
    """A stand-in swap: the target with the source's central 8x8 block; landmarks = the source's."""
    out = target.copy()
    out[6:14, 6:14] = source[6:14, 6:14]
    return SimpleNamespace(image=out, source_landmarks=source_landmarks)


def test_face_swap_cutmix_and_landmark_mask_touch_only_their_images():
    calls = []

    def mask_fn(images, landmarks, g, p):
        calls.append(p)
        return images // 2, torch.zeros(len(images), dtype=torch.long)

    batch = tuple_batch(seed=3)
    m = model(Strategies(face_swap_p=1.0, mask_fn=False), swap_fn=fake_swap)
    images = m.tuple_images(batch)
    assert torch.equal(images["anchor"], batch["anchor"]) and torch.equal(images["neg_anchor"], batch["neg_anchor"])
    for role in ("positive", "neg_positive"):
        expect = batch["donor"].clone()
        expect[:, :, 6:14, 6:14] = batch[role][:, :, 6:14, 6:14]
        assert torch.equal(images[role], expect)
    m = model(Strategies(face_swap_p=0.0, mask_fn=False, cutmix_p=1.0, landmark_mask_p=0.5), landmark_mask_fn=mask_fn)
    images = m.tuple_images(batch)
    assert torch.equal(images["anchor"], batch["anchor"] // 2) and calls == [0.5] * 4
    assert not torch.equal(images["positive"], batch["positive"] // 2)   # cut-mixed before the mask
    loss, _ = m.training_step(batch)
    assert torch.isfinite(loss)


def test_missing_functions_are_errors():
    with pytest.raises(ValueError, match="swap_fn"):
        model(Strategies())
    with pytest.raises(ValueError, match="landmark_mask_fn"):
        model(Strategies(face_swap_p=0.0, landmark_mask_p=0.8))
