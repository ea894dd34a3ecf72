"""Probes: linear (engine) vs sklearn, ridge vs closed form, identity leakage, fine-tuning head/loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, f1_score
from torch import nn

from fer_lib.protocols.probes import (FineTuneClassifier, fine_tune, identity_leakage_probe, linear_probe,
                                   ridge_probe, sklearn_probe)


def _blobs(n=300, d=10, k=4, sep=1.5, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * sep
    y = rng.integers(0, k, n)
    return (centres[y] + rng.normal(size=(n, d))).astype(np.float32), y


def test_linear_probe_metrics_match_sklearn_and_reference_probe():
    x, y = _blobs()
    res = linear_probe(x[:200], y[:200], x[200:], y[200:], 4, epochs=30, batch_size=50, device="cpu")
    assert res.accuracy == pytest.approx(accuracy_score(y[200:], res.predictions))
    assert res.macro_f1 == pytest.approx(f1_score(y[200:], res.predictions, average="macro", labels=range(4)))
    ref = sklearn_probe(x[:200], y[:200], x[200:], y[200:], 4)
    assert res.accuracy > 0.7 and abs(res.accuracy - ref.accuracy) < 0.08
    assert res.history[-1]["loss"] < res.history[0]["loss"]
    with pytest.raises(ValueError, match="0..3"):
        linear_probe(x, y + 1, x, y, 4, epochs=1)


def test_ridge_probe_matches_closed_form():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 5)) * [1, 2, 3, 4, 5] + 3
    va = x @ rng.normal(size=(5, 2)) * 0.3 + 0.1 * rng.normal(size=(80, 2))
    res = ridge_probe(x[:60], va[:60], x[60:], va[60:], alpha=2.0)
    mu, sd = x[:60].mean(0), x[:60].std(0)
    z = (x[:60] - mu) / sd
    w = np.linalg.solve(z.T @ z + 2.0 * np.eye(5), z.T @ (va[:60] - va[:60].mean(0)))
    pred = ((x[60:] - mu) / sd) @ w + va[:60].mean(0)
    np.testing.assert_allclose(res.predictions, pred, rtol=1e-6, atol=1e-8)
    assert res.rmse[0] == pytest.approx(np.sqrt(((pred[:, 0] - va[60:, 0]) ** 2).mean()))
    assert res.ccc.shape == (2,) and (res.ccc > 0.8).all()


def test_identity_leakage_and_clip_disjoint_split():
    rng = np.random.default_rng(2)
    ids = np.repeat(np.arange(6), 20)
    clips = np.repeat(np.arange(24), 5)  # 4 clips per identity, 5 frames each
    leaky = rng.normal(size=(6, 8))[ids] * 2 + rng.normal(size=(120, 8))
    res = identity_leakage_probe(leaky, ids, seed=0)
    assert res.logistic_accuracy > 0.8 and res.nn1_accuracy > 0.6 and res.n_identities == 6
    # no identity signal, but frames of one clip are near-duplicates: only a clip-disjoint split stays at chance
    dup = rng.normal(size=(24, 8))[clips] + 0.01 * rng.normal(size=(120, 8))
    frame_split = identity_leakage_probe(dup, ids, seed=0)
    clip_split = identity_leakage_probe(dup, ids, groups=clips, seed=0)
    assert frame_split.nn1_accuracy > 0.95
    assert clip_split.nn1_accuracy < 0.5 and clip_split.chance == pytest.approx(1 / 6, abs=0.1)


class ImageItems(torch.utils.data.Dataset):
    def __init__(self, n=48, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.y = torch.randint(0, 3, (n,), generator=g)
        base = torch.randint(0, 256, (n, 3, 8, 8), generator=g, dtype=torch.int64)
        base[:, 0] = (self.y * 100)[:, None, None]  # class readable from the red channel
        self.images = base.to(torch.uint8)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return {"image": self.images[i], "expression": self.y[i]}


def test_fine_tune_head_loss_and_frozen_encoder():
    torch.manual_seed(0)
    enc = nn.Sequential(nn.Flatten(), nn.Linear(192, 16))
    model = FineTuneClassifier(enc, 16, 3, class_counts=[10, 30, 60], hidden=(8,))
    assert [type(m).__name__ for m in model.head] == ["ReLU", "Dropout", "Linear", "Dropout", "Linear"]
    model.eval()
    batch = {"image": ImageItems().images[:8], "expression": ImageItems().y[:8]}
    loss, _ = model.training_step(batch)
    logits = model(batch["image"].float() / 255)
    ref = nn.functional.cross_entropy(logits + torch.log(torch.tensor([0.1, 0.3, 0.6])), batch["expression"])
    torch.testing.assert_close(loss, ref)
    frozen = FineTuneClassifier(nn.Sequential(nn.Flatten(), nn.Linear(192, 16)), 16, 3, hidden=(16,),
                                dropout=0.0, freeze_encoder=True)
    w0 = frozen.encoder[1].weight.detach().clone()
    res = fine_tune(frozen, ImageItems(), ImageItems(seed=1), 3, val_set=ImageItems(seed=2), epochs=4,
                    lr=1e-2, batch_size=16)
    assert torch.equal(frozen.encoder[1].weight, w0)
    assert res.accuracy == pytest.approx(accuracy_score(ImageItems(seed=1).y.numpy(), res.predictions))
    assert len(res.history) > 0
    # the restored epoch is the best one on the val set
    val = ImageItems(seed=2)
    val_pred = frozen(val.images.float() / 255).argmax(1).numpy()
    assert res.val_macro_f1 == pytest.approx(f1_score(val.y.numpy(), val_pred, average="macro", labels=range(3)))
