"""The SSL-FER chapter's protocol on a tiny synthetic set: frame selection, step budget, mechanism checks."""

import dataclasses
import numpy as np
import pytest

from fer_lib.config import resolve
from fer_lib.experiments import ssl_fer as E
from fer_lib.protocols import ssl_fer as P
from fer_lib.protocols import ssl_fer_data as D


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
    checks = P.mechanism_checks(full, cfg, data)
    for key in ("timeaug_pos_same_expr", "hardneg_neg_differs_expr", "maskfn_precision_expr", "maskfn_chance_expr"):
        assert 0.0 <= checks[key] <= 1.0
    assert checks["swap_pixel_mae_mask"] > 0
    assert P.mechanism_checks(next(r for r in E.ROWS if r.row == "BYOL"), cfg, data) == {}
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

