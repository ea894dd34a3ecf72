"""CRS-CONT method: the training step computes exactly the documented loss on the documented views."""

from __future__ import annotations

import pytest
import torch
from timm.models.resnet import BasicBlock, ResNet

from fer_lib.augment.fer_views import FerViewConfig, fer_two_views, fer_view
from fer_lib.losses.crs_cont import crs_cont_loss
from fer_lib.methods.crs_cont import CrsCont, SupervisedEncoder, default_class_weight

VIEWS = FerViewConfig(size=16)


def _encoder():
    torch.manual_seed(0)
    return ResNet(BasicBlock, [1, 1, 1, 1], channels=(8, 8, 16, 16), stem_width=8, num_classes=0)


def _batch(b=6):
    g = torch.Generator().manual_seed(1)
    return {"image": torch.randint(0, 256, (b, 3, 20, 20), dtype=torch.uint8, generator=g),
            "coarse": torch.tensor([0, 1, 1, 2, 3, 1])[:b], "expression": torch.tensor([0, 2, 6, 1, 3, 5])[:b]}


@pytest.mark.parametrize("label_key, weight", [("coarse", True), ("coarse", False), (None, False)])
def test_training_step_is_the_documented_loss(label_key, weight):
    w = default_class_weight(0.5) if weight else None
    ce = 0.0 if label_key is None else 1.0
    model = CrsCont(_encoder(), 16, VIEWS, class_weight=w, label_key=label_key, ce_weight=ce, seed=3)
    batch = _batch()
    loss, logs = model.training_step(batch)
    x = fer_two_views(batch["image"], VIEWS, torch.Generator().manual_seed(3))
    out = model(x)
    labels = batch["coarse"] if label_key else torch.arange(6)
    ref, parts = crs_cont_loss(out["z"], out["logits"], labels, w, 0.07, 0.4, 0.07, ce)
    assert loss.item() == pytest.approx(ref.item(), rel=1e-5)
    assert logs["supcon"] == pytest.approx(parts["supcon"].item(), rel=1e-5)
    assert out["h"].shape == (12, 16) and out["z"].shape == (12, 128) and out["logits"].shape == (12, 4)
    torch.testing.assert_close(out["z"].norm(dim=1), torch.ones(12))


def test_default_weight_vector_and_one_sgd_step_lowers_the_loss():
    torch.testing.assert_close(default_class_weight(), torch.tensor([1.0, 0.5, 1.0, 1.0]))
    model = CrsCont(_encoder(), 16, FerViewConfig(size=16, jitter_p=0.0, grey_p=0.0, flip_p=0.0, scale=(1, 1),
                                                  ratio=(1, 1)), class_weight=default_class_weight(), seed=0)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    batch = _batch()
    first = model.training_step(batch)[0]
    for _ in range(8):
        loss, _ = model.training_step(batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert torch.isfinite(loss) and model.training_step(batch)[0].item() < first.item()


def test_supervised_encoder_step_is_cross_entropy():
    model = SupervisedEncoder(_encoder(), 16, num_classes=8, views=VIEWS, seed=5)
    batch = _batch()
    loss, logs = model.training_step(batch)
    logits = model(fer_view(batch["image"], VIEWS, torch.Generator().manual_seed(5)))
    ref = torch.nn.functional.cross_entropy(logits, batch["expression"])
    assert loss.item() == pytest.approx(ref.item(), rel=1e-5) and 0 <= logs["acc"] <= 1
