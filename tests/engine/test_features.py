"""features.embed: order, eval mode, no grad, labels, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from fer_lib.engine.features import embed


class Items(torch.utils.data.Dataset):
    def __init__(self, n=10):
        g = torch.Generator().manual_seed(0)
        self.images = torch.randint(0, 256, (n, 3, 4, 4), dtype=torch.uint8, generator=g)
        self.expr = torch.arange(n) % 3

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return {"image": self.images[i], "expression": self.expr[i], "valence": float(i) / 10, "name": f"f{i}"}


def test_embed_matches_direct_forward_in_eval_mode():
    torch.manual_seed(0)
    enc = nn.Sequential(nn.Flatten(), nn.Linear(48, 5), nn.Dropout(0.5))
    enc.train()
    data = Items()
    feats, labels = embed(enc, data, batch_size=4, device="cpu")
    assert enc.training  # mode restored
    enc.eval()
    with torch.no_grad():
        ref = enc(data.images.float() / 255).numpy()
    np.testing.assert_allclose(feats, ref, rtol=1e-6, atol=1e-6)  # eval mode: dropout off, order kept
    assert set(labels) == {"expression", "valence"}  # strings are not labels
    np.testing.assert_array_equal(labels["expression"], data.expr.numpy())
    np.testing.assert_allclose(labels["valence"], np.arange(10) / 10)
    assert feats.dtype == np.float32


def test_embed_errors():
    with pytest.raises(KeyError, match="video"):
        embed(nn.Flatten(), Items(), device="cpu", input_key="video")
    with pytest.raises(ValueError, match=r"\[B, D\]"):
        embed(nn.Identity(), Items(), device="cpu")


def test_embed_leaves_global_rng_untouched():
    torch.manual_seed(5)
    before = torch.get_rng_state()
    embed(nn.Flatten(), Items(), device="cpu", batch_size=3)
    assert torch.equal(before, torch.get_rng_state())
