"""The CRS-CONT data: pretraining conditions (noise only on fine labels, held-out classes), evaluation sets,
the negative-group target, the premise table against the generator's ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from fer_lib.config import resolve
from fer_lib.data.labels import DEFAULT_COARSE_MAP, SYNTH_8
from fer_lib.experiments import crs_cont as exp
from fer_lib.protocols import crs_cont as crs
from fer_lib.protocols.crs_cont_data import pool_labels, pretraining_set, premise_table


@pytest.fixture(scope="module")
def cfg_data():
    cfg = resolve(exp.Config, exp.PROFILES, "smoke")
    return cfg, crs.load_data(cfg)


def _labels(ds, key):
    return np.array([int(ds[i][key]) for i in range(len(ds))])


def test_sets_are_other_people_and_balanced_presets(cfg_data):
    cfg, data = cfg_data
    train, test = data.eval_sets["affectnet/train"], data.eval_sets["affectnet/test"]
    ids_train = set(train.videos.identity[train.index[:, 0]].tolist())
    ids_test = set(test.videos.identity[test.index[:, 0]].tolist())
    assert not ids_train & ids_test and len(ids_train) + len(ids_test) == cfg.eval_identities
    occluded = data.eval_sets["affectnet/occluded"]
    assert len(occluded) == len(test) and (occluded[0]["image"] != test[0]["image"]).any()


def test_noise_reaches_only_fine_label_rows_and_keeps_coarse_labels(cfg_data):
    cfg, data = cfg_data
    rows = {r.row: r for r in crs.chapter_rows(cfg)}
    clean = pretraining_set(data, rows["fine_full"])
    noisy = pretraining_set(data, rows[exp.noisy("fine_full", 0.5)])
    coarse = pretraining_set(data, rows["crs_cont"])
    assert "expression" not in coarse[0]                                   # coarse rows never see fine labels
    fine_clean, fine_noisy = _labels(clean, "expression"), _labels(noisy, "expression")
    np.testing.assert_array_equal(_labels(clean, "coarse"), _labels(noisy, "coarse"))
    changed = fine_clean != fine_noisy
    neg = np.isin(np.asarray(SYNTH_8)[fine_clean], [c for c, g in DEFAULT_COARSE_MAP.items() if g == "negative"])
    assert changed.any() and not changed[~neg].any()
    true = np.concatenate([t for t, _ in pool_labels(data, 0.5).values()])     # the generator's labels
    np.testing.assert_array_equal(true, fine_clean)


def test_unseen_rows_never_see_the_held_out_classes(cfg_data):
    cfg, data = cfg_data
    rows = {r.row: r for r in crs.chapter_rows(cfg)}
    full = _labels(pretraining_set(data, rows["fine_full"]), "expression")
    held = _labels(pretraining_set(data, rows[exp.unseen("fine_full")]), "expression")
    out = [SYNTH_8.index(c) for c in cfg.held_out]
    assert not np.isin(held, out).any() and len(held) == len(full) - np.isin(full, out).sum()
    table = {r["condition"]: r for r in premise_table(data, exp.NOISE_LEVELS)}
    assert table["clean"]["items"] == len(full) and table["clean"]["fine labels right"] == 1.0
    assert all(r["coarse labels right"] == 1.0 for r in table.values())
    unseen_row = next(r for c, r in table.items() if c.startswith("unseen"))
    assert unseen_row["items"] == len(held) and unseen_row["disgust"] == unseen_row["contempt"] == 0


def test_negative_group_target_relabels_to_five_classes():
    x = np.arange(16, dtype=np.float32).reshape(8, 2)
    y = np.arange(8)                                                        # SYNTH_8 order, one item each
    feats = {n: (x, {"expression": y, "identity": y}) for n in ("affectnet/train", "affectnet/test")}
    out = crs.with_negative_group(feats)
    xs, labels = out["affectnet/test:negative"]
    names = [SYNTH_8[i] for i in labels["identity"]]
    assert [exp.NEGATIVE_5[k] for k in labels["expression"]] == names and sorted(names) == sorted(exp.NEGATIVE_5)
    np.testing.assert_array_equal(xs, x[labels["identity"]])


def test_smoke_row_reports_intervals_and_collapse(cfg_data, monkeypatch, tmp_path):
    import contextlib
    import types

    import torch

    cfg, data = cfg_data
    run = types.SimpleNamespace(torch_device=torch.device("cpu"), stage=lambda name: contextlib.nullcontext(),
                                checkpoint_root=lambda: tmp_path)
    rows = {r.row: r for r in crs.chapter_rows(cfg)}
    from fer_lib.protocols.training_log import QUIET
    monkeypatch.setattr(crs, "TrainingLog", lambda *a, **k: QUIET)         # no run folder in this test
    rec = crs.run_row(rows["crs_cont"], cfg, data, 0, run)
    cells = {c["target"]: c for c in rec["cells"]}
    fine = cells["AffectNet-like 8"]
    assert fine["accuracy_low"] <= fine["accuracy"] <= fine["accuracy_high"] and fine["groups"] > 1
    assert 0 <= fine["balanced_accuracy"] <= 1 and "predictions" not in fine
    assert rec["collapse"]["collapse_index"] > 0
    frame = crs.cells([rec])
    assert frame["interval"].notna().sum() == len(exp.TARGETS) - 1        # all but V/A


def test_authors_linear_evaluation_option(cfg_data, monkeypatch, tmp_path):
    import contextlib
    import dataclasses
    import types

    import torch

    from fer_lib.protocols.training_log import QUIET

    cfg, data = cfg_data
    cfg = dataclasses.replace(cfg, linear_eval="authors", probe_epochs=2)
    run = types.SimpleNamespace(torch_device=torch.device("cpu"), stage=lambda name: contextlib.nullcontext(),
                                checkpoint_root=lambda: tmp_path)
    monkeypatch.setattr(crs, "TrainingLog", lambda *a, **k: QUIET)
    rec = crs.run_row({r.row: r for r in crs.chapter_rows(cfg)}["crs_cont"], cfg, data, 0, run)
    cells = {c["target"]: c for c in rec["cells"]}
    assert cells["RAF-like 7"]["best_epoch"] in (1, 2) and "fast_accuracy" in cells["RAF-like 7"]
    assert "best_epoch" not in cells["negative group 5"]                  # derived targets keep the fast probe
    assert cells["RAF-like 7"]["accuracy_low"] <= cells["RAF-like 7"]["accuracy"] <= cells["RAF-like 7"]["accuracy_high"]
