import numpy as np
import pytest
import torch

from fer_lib.losses.contrastive import maskfn_masks, pair_masks
from fer_lib.metrics.mechanism import chance_equal, false_negative_precision, share_equal, tuple_label_checks


def test_share_and_chance_by_hand():
    assert share_equal([0, 1, 2, 2], [0, 1, 1, 2]) == 0.75
    assert chance_equal([0, 0, 1, 1]) == 0.5
    assert chance_equal([0, 0, 0, 1]) == pytest.approx(0.75 ** 2 + 0.25 ** 2)
    out = tuple_label_checks(np.array([0, 1, 2, 3]), np.array([0, 1, 2, 0]), np.array([0, 2, 2, 1]))
    assert out == {"positive_same": 0.75, "chance_same": 0.25, "hardneg_differs": 0.5}
    with pytest.raises(ValueError, match="same non-empty shape"):
        share_equal([0, 1], [0])


def test_false_negative_precision_against_loop():
    g = torch.Generator().manual_seed(0)
    b = 6
    ids = torch.cat([torch.arange(b), torch.arange(b)])
    base = pair_masks(ids)
    labels = torch.randint(0, 3, (2 * b,), generator=g)
    desc = torch.randn(2 * b, 4, generator=g)
    _, fn = maskfn_masks(base, desc @ desc.T)
    out = false_negative_precision(fn, base.neg_mask, labels)
    hits, chances = [], []
    for i in range(2 * b):
        k = int(fn[i].nonzero()[0])
        hits.append(float(labels[k] == labels[i]))
        negs = base.neg_mask[i].nonzero().flatten()
        chances.append(float((labels[negs] == labels[i]).float().mean()))
    assert out["precision"] == pytest.approx(np.mean(hits))
    assert out["chance"] == pytest.approx(np.mean(chances))
    assert out["anchors"] == 2 * b
    # A descriptor that encodes the label exactly gives precision 1 (every anchor has a same-label negative here).
    onehot = torch.nn.functional.one_hot(torch.tensor([0, 1, 0, 1, 0, 1] * 2), 2).float()
    _, fn = maskfn_masks(base, onehot @ onehot.T)
    assert false_negative_precision(fn, base.neg_mask, torch.tensor([0, 1, 0, 1, 0, 1] * 2))["precision"] == 1.0
    with pytest.raises(ValueError, match="not a negative"):
        false_negative_precision(base.pos_weight > 0, base.neg_mask, labels)
