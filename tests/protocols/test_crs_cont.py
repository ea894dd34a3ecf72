"""The CRS-CONT protocol: rows -> methods, pretraining through the engine."""

from __future__ import annotations

import pytest
import torch

from fer_lib.methods.crs_cont import CrsCont, SupervisedEncoder, default_class_weight
from tests.methods.test_crs_cont_method import VIEWS, _batch, _encoder  # one tiny encoder and batch for both


def test_build_pretraining_rows():
    from fer_lib.experiments.crs_cont import ROWS, Row
    from fer_lib.protocols.crs_cont import build_pretraining

    built = {row.row: build_pretraining(row, _encoder(), 16, VIEWS, negative_weight=0.25, instance_weight=0.4)
             for row in ROWS}
    torch.testing.assert_close(built["crs_cont"].class_weight, torch.tensor([1.0, 0.25, 1.0, 1.0]))
    assert built["crs_cont"].instance_weight == 0.4 and built["crs_cont"].ce_weight == 1.0
    assert built["no_weight"].class_weight is None
    assert built["no_softmax_contrast"].instance_weight == 0.0
    fine = built["fine_supcon"]
    assert fine.label_key == "expression" and fine.classifier.out_features == 8 and fine.ce_weight == 0.0
    assert built["simclr"].label_key is None and built["simclr"].instance_weight == 0.0
    assert isinstance(built["supervised_ce"], SupervisedEncoder)
    with pytest.raises(ValueError, match="unknown kind"):
        build_pretraining(Row("x", "x", "magic", None), _encoder(), 16, VIEWS, negative_weight=0.5,
                          instance_weight=0.4)


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
