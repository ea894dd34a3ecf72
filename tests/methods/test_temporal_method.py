"""Temporal phase: CE ignores unlabelled/padded frames; video prediction = mean of overlapping windows."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from fer_lib.methods.temporal import TemporalClassifier, frame_features, predict_videos
from fer_lib.models.temporal import TemporalEncoder


class _CumSum(nn.Module):
    """A toy model that mixes frames (cumulative sum over time), so window placement matters."""

    def forward(self, x, padding=None):
        return x.cumsum(dim=1)


def test_predict_videos_averages_overlapping_windows_like_a_loop():
    torch.manual_seed(0)
    feats = torch.randn(11, 3)
    vids = np.array(["a"] * 7 + ["b"] * 4)
    got = predict_videos(_CumSum(), feats, vids, window=4, stride=2)
    # reference loop: video a windows start at 0, 2, 3; video b one window at 0
    expected = torch.zeros(11, 3)
    count = torch.zeros(11, 1)
    for lo, starts in ((0, (0, 2, 3)), (7, (0,))):
        for s in starts:
            expected[lo + s:lo + s + 4] += feats[lo + s:lo + s + 4].cumsum(0)
            count[lo + s:lo + s + 4] += 1
    assert torch.allclose(got, expected / count, atol=1e-6)


def test_training_step_ignores_unlabelled_frames():
    torch.manual_seed(0)
    method = TemporalClassifier(TemporalEncoder(in_dim=5, num_classes=4, dim=8, heads=2, depth=1, dropout=0.0))
    method.eval()
    batch = {"features": torch.randn(2, 6, 5), "expression": torch.tensor([[0, 1, -1, 2, 3, 3], [1] * 6]),
             "padding": torch.zeros(2, 6, dtype=torch.bool)}
    loss, logs = method.training_step(batch)
    logits = method(batch["features"], batch["padding"])
    keep = batch["expression"] >= 0
    assert loss.item() == pytest.approx(F.cross_entropy(logits[keep], batch["expression"][keep]).item(), rel=1e-5)
    assert 0.0 <= logs["frame_acc"] <= 1.0


def test_frame_features_batches_and_restores_mode():
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 7))
    images = torch.randint(0, 256, (10, 3, 4, 4), dtype=torch.uint8)
    out = frame_features(encoder, images, batch_size=3)
    assert out.shape == (10, 7) and encoder.training
    assert torch.allclose(out, encoder(images.float() / 127.5 - 1.0), atol=1e-5)


def test_weak_supervised_step_is_seeded_cross_entropy():
    from fer_lib.augment.weak_strong import weak_augment
    from fer_lib.methods.finetune_weak import WeakSupervised

    torch.manual_seed(0)
    clf = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 3))
    batch = {"image": torch.randint(0, 256, (5, 3, 4, 4), dtype=torch.uint8), "expression": torch.tensor([0, 1, 2, 0, 1])}
    loss, logs = WeakSupervised(clf, seed=3).training_step(batch)
    x = weak_augment(batch["image"], torch.Generator().manual_seed(3)).float() / 127.5 - 1.0
    assert loss.item() == pytest.approx(F.cross_entropy(clf(x), batch["expression"]).item(), rel=1e-5)


class _BiasOnly(nn.Module):
    """logits = b for every frame: the CE optimum has the closed form softmax(b)_k ∝ (class weight x count)."""

    def __init__(self, k):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(k))

    def forward(self, x, padding=None):
        return self.bias.expand(x.shape[0], x.shape[1], -1)


def test_inverse_frequency_weights_hand_case():
    from fer_lib.methods.temporal import inverse_frequency_weights

    # counts [3, 1, 0] over N = 4 labelled frames (the -1 is ignored), 2 classes present
    w = inverse_frequency_weights(np.array([[0, 0, -1], [0, 1, -1]]), 3)
    assert torch.allclose(w, torch.tensor([4 / 6, 2.0, 0.0]))
    with pytest.raises(ValueError, match="no labelled frames"):
        inverse_frequency_weights(np.array([-1, -1]), 3)
    with pytest.raises(ValueError, match="outside"):
        inverse_frequency_weights(np.array([0, 3]), 3)


def test_class_weighted_step_is_the_weighted_mean_and_default_is_unweighted():
    torch.manual_seed(0)
    logits = torch.randn(2, 4, 3)
    labels = torch.tensor([[0, 0, 1, -1], [0, 2, 0, 0]])
    batch = {"features": torch.zeros(2, 4, 5), "expression": labels}

    class Fixed(nn.Module):
        def forward(self, x, padding=None):
            return logits

    w = torch.tensor([0.5, 2.0, 3.0])
    keep = labels >= 0
    ce = -torch.log_softmax(logits[keep], dim=-1)[torch.arange(keep.sum()), labels[keep]]  # [7]
    weighted = (w[labels[keep]] * ce).sum() / w[labels[keep]].sum()
    assert TemporalClassifier(Fixed(), class_weights=w).training_step(batch)[0].item() == pytest.approx(weighted.item(), rel=1e-6)
    assert TemporalClassifier(Fixed()).training_step(batch)[0].item() == pytest.approx(ce.mean().item(), rel=1e-6)
    with pytest.raises(ValueError, match="entries"):
        TemporalClassifier(Fixed(), class_weights=torch.ones(4)).training_step(batch)
    with pytest.raises(ValueError, match="non-negative"):
        TemporalClassifier(Fixed(), class_weights=torch.tensor([1.0, -1.0, 1.0]))


@pytest.mark.parametrize("balanced", [False, True])
def test_inverse_frequency_weights_undo_class_imbalance_at_the_optimum(balanced):
    """90 % class 0, 10 % class 1, uninformative features: the unweighted optimum predicts (0.9, 0.1), the
    inverse-frequency weighted one (0.5, 0.5), the balanced sampler's optimum."""
    from fer_lib.methods.temporal import inverse_frequency_weights

    labels = torch.tensor([[0] * 9 + [1]] * 4)  # [B=4, T=10]
    weights = inverse_frequency_weights(labels.numpy(), 2) if balanced else None
    method = TemporalClassifier(_BiasOnly(2), class_weights=weights)
    opt = torch.optim.SGD(method.parameters(), lr=1.0)
    batch = {"features": torch.zeros(4, 10, 3), "expression": labels}
    for _ in range(300):
        opt.zero_grad()
        method.training_step(batch)[0].backward()
        opt.step()
    p = torch.softmax(method.model.bias.detach(), dim=0)
    assert torch.allclose(p, torch.tensor([0.5, 0.5] if balanced else [0.9, 0.1]), atol=1e-3)
