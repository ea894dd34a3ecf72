"""The CRS-CONT protocol: rows -> methods, pretraining through the engine."""

from __future__ import annotations

import pytest
import torch

from fer_lib.methods.crs_cont import CrsCont, SupervisedEncoder, default_class_weight
from tests.methods.test_crs_cont_method import VIEWS, _batch, _encoder  # one tiny encoder and batch for both


def test_build_pretraining_rows_change_one_thing_each():
    from fer_lib.experiments.crs_cont import ROWS, Row
    from fer_lib.protocols.crs_cont import build_pretraining

    built = {row.row: build_pretraining(row, _encoder(), 16, VIEWS, negative_weight=0.25, instance_weight=0.4)
             for row in ROWS}
    weight = torch.tensor([1.0, 0.25, 1.0, 1.0])

    def terms(m):
        w = None if m.class_weight is None else m.class_weight.tolist()
        return m.label_key, w, m.ce_weight, m.instance_weight

    assert terms(built["coarse_supcon"]) == ("coarse", None, 0.0, 0.0)
    assert terms(built["coarse_w"]) == ("coarse", weight.tolist(), 0.0, 0.0)
    assert terms(built["coarse_w_ce"]) == ("coarse", weight.tolist(), 1.0, 0.0)
    assert terms(built["crs_cont"]) == ("coarse", weight.tolist(), 1.0, 0.4)
    assert terms(built["no_weight"]) == ("coarse", None, 1.0, 0.4)
    assert terms(built["fine_supcon"]) == ("expression", None, 0.0, 0.0)
    assert terms(built["fine_full"]) == ("expression", None, 1.0, 0.4)
    assert built["fine_full"].classifier.out_features == 8 and built["crs_cont"].classifier.out_features == 4
    assert terms(built["simclr"]) == (None, None, 0.0, 0.0)
    assert isinstance(built["supervised_ce"], SupervisedEncoder)
    with pytest.raises(ValueError, match="unknown kind"):
        build_pretraining(Row("x", "x", "magic", None), _encoder(), 16, VIEWS, negative_weight=0.5,
                          instance_weight=0.4)


def test_chapter_rows_add_the_sweep_and_the_premise_conditions():
    from fer_lib.config import resolve
    from fer_lib.experiments import crs_cont as exp
    from fer_lib.metrics import claims
    from fer_lib.protocols.crs_cont import chapter_rows

    cfg = resolve(exp.Config, exp.PROFILES, "default")
    rows = {r.row: r for r in chapter_rows(cfg)}
    assert len(rows) == len(chapter_rows(cfg))                             # names are unique
    assert rows["crs_cont w=0"].negative_weight == 0.0 and not rows["crs_cont w=0"].paper
    assert "crs_cont w=0.5" not in rows and "crs_cont w=1" not in rows     # = crs_cont and no_weight
    noisy = rows["fine_full noise=0.25"]
    assert noisy.noise == 0.25 and noisy.label_key == "expression" and not noisy.paper
    assert rows["supervised_ce noise=0.5"].kind == "supervised"
    assert rows["crs_cont unseen"].held_out and rows["crs_cont unseen"].label_key == "coarse"
    assert not any(r.noise for r in rows.values() if r.label_key != "expression")   # only fine rows retrain
    assert claims.key_rows(exp.CLAIMS) <= set(rows)                        # every claim's rows are run


@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
def test_pretrain_runs_through_the_engine(optimizer):
    from fer_lib.protocols.crs_cont import pretrain

    class Items(torch.utils.data.Dataset):
        def __len__(self):
            return 12

        def __getitem__(self, i):
            b = _batch(6)
            return {"image": b["image"][i % 6], "coarse": b["coarse"][i % 6]}

    model = CrsCont(_encoder(), 16, VIEWS, class_weight=default_class_weight())
    result = pretrain(model, Items(), optimizer=optimizer, lr=0.01, batch_size=6, epochs=5, max_steps=3,
                      warmup_steps=1)
    assert result.step == 3 and all(torch.isfinite(p).all() for p in model.parameters())
    with pytest.raises(ValueError, match="optimizer must be"):
        pretrain(model, Items(), optimizer="lamb", batch_size=6, max_steps=1)


def test_left_chance_reads_the_interval_against_chance():
    import pandas as pd

    from fer_lib.protocols.crs_cont import left_chance

    frame = pd.DataFrame([
        {"row": "a", "seed": 0, "target": "t", "accuracy": 0.40, "accuracy_low": 0.30},
        {"row": "a", "seed": 1, "target": "t", "accuracy": 0.50, "accuracy_low": 0.40},
        {"row": "b", "seed": 0, "target": "t", "accuracy": 0.15, "accuracy_low": 0.11},    # low end under 1/8
        {"row": "b", "seed": 0, "target": "u", "accuracy": 0.90, "accuracy_low": 0.80}])
    out = left_chance(frame, "t", 8)
    assert list(out.index) == ["a", "b"] and out.loc["a", "accuracy_low"] == pytest.approx(0.35)
    assert out.loc["a", "learned"] and not out.loc["b", "learned"] and out.loc["b", "chance"] == 0.125
    with pytest.raises(KeyError, match="no cell of target 'v'"):
        left_chance(frame, "v", 8)
