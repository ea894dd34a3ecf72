"""The authors' linear evaluation: frozen encoder, SGD on re-cropped views, best test epoch."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from fer_lib.augment.fer_views import fer_eval_view
from fer_lib.protocols.retrain_probe import authors_linear_probe


class Tinted(torch.utils.data.Dataset):
    """8x8 images whose whole-image tint is the class (crop- and flip-invariant)."""

    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.y = rng.integers(0, 3, n)
        base = np.array([[200, 40, 40], [40, 200, 40], [40, 40, 200]])[self.y]          # [N, 3]
        self.img = np.clip(base[:, :, None, None] + rng.integers(-30, 30, (n, 3, 8, 8)), 0, 255).astype(np.uint8)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return {"image": torch.from_numpy(self.img[i]), "expression": torch.tensor(int(self.y[i]))}


def test_frozen_encoder_best_epoch_and_learning():
    torch.manual_seed(0)
    encoder = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    before = {k: v.clone() for k, v in encoder.state_dict().items()}
    train, test = Tinted(64, 0), Tinted(48, 1)
    with torch.no_grad():
        test_x = encoder.eval()(fer_eval_view(torch.from_numpy(test.img), 8)).numpy()
    out = authors_linear_probe(encoder, 4, train, train.y, test_x, test.y, 3, 8, epochs=10, lr=0.5, batch_size=16,
                               imbalanced_sampler=True)
    for k, v in encoder.state_dict().items():                     # weights and BN statistics untouched
        torch.testing.assert_close(v, before[k])
    assert out["accuracy"] >= out["last_accuracy"] and 1 <= out["best_epoch"] <= 10
    assert out["accuracy"] > 0.9                                  # the tint is linearly readable
    assert (out["predictions"] == test.y).mean() == out["accuracy"]
