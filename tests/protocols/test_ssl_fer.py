"""The SSL-FER chapter's protocol on a tiny synthetic set: frame selection, step budget, mechanism checks."""

import dataclasses
import numpy as np
import pytest

from fer_lib.config import resolve
from fer_lib.experiments import ssl_fer as E
from fer_lib.protocols import ssl_fer as P
from fer_lib.protocols import ssl_fer_mechanism as M
from fer_lib.protocols import ssl_fer_data as D
from fer_lib.protocols import training_log


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        cfg = resolve(E.Config, E.PROFILES, "smoke", {"n_identities": 6, "eval_identities": 8})
        return cfg, P.load_data(cfg)


def test_frames_steps_and_mechanisms(setup):
    cfg, data = setup
    ev = data.evaluation
    sub = D.expression_frames(ev, "test", cfg.eval_frame_step)
    c, t = sub.dataset.index[sub.indices].T
    neutral = ev.classes.index("neutral")
    assert len(sub) > 0 and np.all(ev.expression[c, t] == ev.clip_label[c])
    assert np.all((ev.phase[c, t] == 2) | (ev.clip_label[c] == neutral))
    assert set(ev.identity[c]).isdisjoint(ev.identity[ev.clips("train")])
    n_train = len(data.pretrain.clips("train"))
    assert P.total_steps(cfg, data) == max(1, cfg.epochs * n_train // (cfg.views_per_step // 4))
    assert data.descriptors.shape[:2] == data.pretrain.frames.shape[:2]
    np.testing.assert_allclose(np.linalg.norm(data.descriptors, axis=-1), 1.0, atol=1e-5)
    full = next(r for r in E.ROWS if r.row == "TimeAug+HardNeg+FaceSwap+MaskFN")
    checks = M.mechanism_checks(full, cfg, data)
    for key in ("timeaug_pos_same_expr", "hardneg_neg_differs_expr", "maskfn_precision_expr", "maskfn_chance_expr"):
        assert 0.0 <= checks[key] <= 1.0
    assert checks["swap_pixel_mae_mask"] > 0
    assert M.mechanism_checks(next(r for r in E.ROWS if r.row == "BYOL"), cfg, data) == {}
    with pytest.raises(ValueError, match="unknown method"):
        P.build_method(dataclasses.replace(full, method="simsiam"), cfg, 0, 1)


def test_finetune_protocol_trains_a_copy_and_reports_the_same_fields(setup):
    import torch

    cfg, data = setup
    backbone = P.build_method(E.ROWS[2], cfg, 0, 1).backbone
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    tuned = P.evaluate(backbone, resolve(E.Config, E.PROFILES, "smoke", {"eval_protocol": "finetune",
                                                                          "finetune_epochs": 2}), data, 0, "cpu")
    linear = P.evaluate(backbone, cfg, data, 0, "cpu")
    for k, v in backbone.state_dict().items():
        assert torch.equal(v, before[k]), k                      # the frozen probes see the untouched encoder
    cm = np.array(tuned["confusion"])
    assert cm.sum() == len(P.expression_sets(cfg, data)[1]) and np.trace(cm) / cm.sum() == tuned["Acc"]
    assert tuned["identity_probe_acc"] == linear["identity_probe_acc"] and tuned["V-CCC"] == linear["V-CCC"]
    with pytest.raises(ValueError, match="eval_protocol"):
        P.load_data(resolve(E.Config, E.PROFILES, "smoke", {"eval_protocol": "knn"}))



def test_every_rows_pretraining_batches_hold_distinct_clips(setup, monkeypatch):
    """Each re-run row's first batches: one item per clip (tuples; frames for MoCo / BYOL), as many clips as items
    per step. The shuffled loader before put a clip's two tuples in one batch about (B - 1) / (N - 1) of the time."""
    cfg, data = setup
    seen = {}

    def spy(method, ds, *, sampler=None, batch_size, collate_fn=None, **kw):
        seen[type(method).__name__, len(ds)] = (ds, sampler, batch_size)

    monkeypatch.setattr(training_log, "fit", spy)
    n_train = len(data.pretrain.clips("train"))
    for row in (r for r in E.ROWS if r.rerun):
        seen.clear()
        P.pretrain(row, cfg, data, 0, "cpu")
        ((ds, sampler, batch_size),) = seen.values()
        assert sampler is not None, row.row
        per_item = 4 if row.hard_neg else 2                       # images per item (MoCo / BYOL: a frame, 2 views)
        assert batch_size == cfg.views_per_step // per_item <= n_train
        sampler.set_epoch(1)
        keys = np.array(list(sampler)).reshape(-1, batch_size)
        assert len(keys) == len(sampler) // batch_size >= 1
        for batch in keys:
            clips = [int(ds[int(k)]["clip"]) for k in batch]
            assert len(set(clips)) == batch_size, row.row
    equal = dataclasses.replace(cfg, equal_clips_per_step=True)             # every row: HardNeg's clips per step
    assert {D.items_per_step(r, equal) for r in E.ROWS if r.rerun} == {cfg.views_per_step // 4}


def test_batch_sampler_names_a_pool_too_small_and_an_unknown_dataset(setup):
    cfg, data = setup
    ds, _, _ = D.tuple_dataset(E.ROWS[2], cfg, data, 0)
    n_train = len(data.pretrain.clips("train"))
    np.testing.assert_array_equal(D.clip_groups(ds), np.repeat(data.pretrain.clips("train"), 2))  # 2 tuples a clip
    with pytest.raises(ValueError, match=f"only {n_train} training clips"):
        D.batch_sampler(ds, n_train + 1, seed=0)
    with pytest.raises(TypeError, match="list"):
        D.clip_groups([1, 2])


def test_identity_probe_is_its_own_set_and_does_not_move_with_the_training_seed(setup):
    cfg, data = setup
    ids = data.identities
    assert len(ids) == cfg.identity_set_identities * cfg.identity_set_clips
    assert ids.frames.shape[1] == cfg.identity_set_frames
    assert not np.array_equal(ids.frames[0], data.pretrain.frames[0])          # other faces than the pool's
    backbone = P.build_method(E.ROWS[2], cfg, 0, 1).backbone
    a = P.identity_scores(backbone, cfg, data, 0, "cpu")
    b = P.identity_scores(backbone, cfg, data, 1, "cpu")
    assert a == b                                                             # same frames, same split
    frames = D.identity_frames(ids, cfg.identity_frame_step)
    assert len(frames) == len(ids) * len(range(0, cfg.identity_set_frames, cfg.identity_frame_step))
    shown, keys, _ = D.map_frames(cfg, data)                                  # the maps: the first 16 people
    assert {int(shown[i]["identity"]) for i in range(len(shown))} == set(range(min(16, cfg.identity_set_identities)))


def test_landmark_mask_is_on_as_in_the_authors_views_and_can_be_switched_off(setup):
    import torch

    cfg, data = setup
    assert E.Config().landmark_mask_p == 0.8 == cfg.landmark_mask_p          # imgRandomLandmarkMask(p=0.8)
    simclr = next(r for r in E.ROWS if r.row == "SimCLR")
    ds, collate, _ = D.tuple_dataset(simclr, cfg, data, 0)
    batch = collate([ds[i] for i in range(len(ds))])
    on = P.build_method(simclr, cfg, 0, 1).tuple_images(batch)
    off = P.build_method(simclr, dataclasses.replace(cfg, landmark_mask_p=0.0), 0, 1).tuple_images(batch)
    for role in ("anchor", "positive"):                                        # SimCLR: both are the anchor frame
        assert torch.equal(off[role], batch["anchor"])
        masked = (on[role] != batch["anchor"]).flatten(1).any(1).float().mean().item()
        assert 0.6 <= masked <= 0.95, (role, masked)                          # about 0.8 of the images
