"""Frozen multi-target evaluation and the coarse-only dataset view."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import Dataset

from fer_lib.augment.fer_views import fer_eval_view
from fer_lib.data.coarse import CoarseLabelled
from fer_lib.data.labels import COARSE_4, SYNTH_8
from fer_lib.experiments.crs_cont import Target
from fer_lib.protocols.probes import embed_sets, evaluate_targets


class ColourFaces(Dataset):
    """Images whose colour encodes the class; valence = red level, arousal = blue level (+ noise)."""

    classes = SYNTH_8[:4]  # neutral, happy, sad, surprise

    def __init__(self, n: int, seed: int):
        rng = np.random.default_rng(seed)
        self.y = rng.integers(0, 4, n)
        self.red = rng.uniform(0, 1, n)
        self.blue = rng.uniform(0, 1, n)
        self.noise = rng.integers(0, 20, (n, 3, 8, 8))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        img = np.zeros((3, 8, 8), np.int64)
        img[0] = 200 * self.red[i]
        img[1, (self.y[i] // 2) * 4:(self.y[i] // 2) * 4 + 4, (self.y[i] % 2) * 4:(self.y[i] % 2) * 4 + 4] = 200
        img[2] = 200 * self.blue[i]
        img = np.clip(img + self.noise[i], 0, 255).astype(np.uint8)
        return {"image": torch.from_numpy(img), "expression": torch.tensor(int(self.y[i])),
                "valence": torch.tensor(float(self.red[i]), dtype=torch.float32),
                "arousal": torch.tensor(float(self.blue[i]), dtype=torch.float32), "identity": torch.tensor(i)}


class MeanColour(nn.Module):
    """A frozen 'encoder': per-channel means of the four quadrants -> [B, 12]."""

    def forward(self, x):
        return nn.functional.adaptive_avg_pool2d(x, 2).flatten(1)


def test_embed_and_evaluate_seen_cross_and_va_targets():
    sets = {"a_train": ColourFaces(160, 0), "a_test": ColourFaces(80, 1), "b_test": ColourFaces(80, 2)}
    feats = embed_sets(MeanColour(), sets, size=8)
    x = torch.stack([sets["a_test"][i]["image"] for i in range(80)])
    ref = nn.functional.adaptive_avg_pool2d(fer_eval_view(x, 8), 2).flatten(1)
    np.testing.assert_allclose(feats["a_test"][0], ref.numpy(), rtol=1e-5, atol=1e-5)
    group = np.array([COARSE_4.index(n) for n in ("neutral", "positive", "negative", "surprise")])  # [0, 2, 1, 3]
    np.testing.assert_array_equal(feats["a_test"][1]["coarse"], group[sets["a_test"].y])
    targets = (Target("A 4", "a_train", "a_test", "expression", 4), Target("B 4 (probe on A)", "a_train", "b_test",
                                                                         "expression", 4),
               Target("A coarse", "a_train", "a_test", "coarse", 4), Target("A V/A", "a_train", "a_test", "va"))
    rows = {r["target"]: r for r in evaluate_targets(feats, targets, probe_epochs=30, probe_lr=0.05)}
    assert rows["A 4"]["accuracy"] > 0.95 and rows["B 4 (probe on A)"]["accuracy"] > 0.95
    assert rows["A 4"]["macro_f1"] > 0.95 and rows["A coarse"]["accuracy"] > 0.95
    assert rows["A V/A"]["valence_ccc"] > 0.98 and rows["A V/A"]["arousal_ccc"] > 0.98
    assert rows["A V/A"]["valence_rmse"] < 0.05


def test_evaluate_names_missing_sets_and_labels():
    feats = {"a": (np.zeros((4, 2), np.float32), {"expression": np.array([0, 1, 0, 1])})}
    with pytest.raises(KeyError, match="no embedded set 'b'"):
        evaluate_targets(feats, (Target("t", "a", "b"),))
    with pytest.raises(KeyError, match=r"has no labels \['valence', 'arousal'\]"):
        evaluate_targets(feats, (Target("t", "a", "a", "va"),))


def test_coarse_view_hides_fine_labels():
    base = ColourFaces(10, 3)
    view = CoarseLabelled(base, base.classes)
    item = view[4]
    assert set(item) == {"image", "coarse", "index"}
    assert int(item["coarse"]) == [0, 2, 1, 3][base.y[4]]
    fine = CoarseLabelled(base, base.classes, keep_fine=True)[4]
    assert int(fine["expression"]) == base.y[4]
    np.testing.assert_array_equal(view.coarse_targets(np.array([0, 1, 2, 3])), [0, 2, 1, 3])
    with pytest.raises(ValueError, match="no group for classes"):
        CoarseLabelled(base, ("neutral", "smirk"))
    with pytest.raises(ValueError, match="unknown groups"):
        CoarseLabelled(base, ("neutral",), {"neutral": "calm"})


def test_imbalanced_sampler_probe_lifts_the_minority_class():
    """A rare class whose region overlaps the majority: the inverse-frequency sampler recalls it more."""
    from fer_lib.protocols.probes import linear_probe

    rng = np.random.default_rng(0)
    y = np.array([0] * 570 + [1] * 30)
    x = (rng.normal(0, 1, (600, 2)) + np.where(y[:, None] == 1, 1.2, 0.0)).astype(np.float32)
    yt = np.array([0] * 200 + [1] * 200)
    xt = (rng.normal(0, 1, (400, 2)) + np.where(yt[:, None] == 1, 1.2, 0.0)).astype(np.float32)
    plain = linear_probe(x, y, xt, yt, 2, epochs=10)
    balanced = linear_probe(x, y, xt, yt, 2, epochs=10, balanced_sampler=True)
    recall = lambda p: (p.predictions[yt == 1] == 1).mean()
    assert recall(plain) < 0.3 < 0.6 < recall(balanced)
    assert balanced.macro_f1 > plain.macro_f1


def test_balanced_sampler_probe_equals_a_direct_engine_run_with_the_sampler():
    """The one linear probe with ``balanced_sampler`` trains exactly what a hand-built engine run does with
    ``ImbalancedSampler`` over the same features (the former separate probe): only the data order differs."""
    from fer_lib.data.imbalanced_sampler import ImbalancedSampler
    from fer_lib.engine.optim import param_groups, warmup_cosine
    from fer_lib.engine.trainer import fit, steps_per_epoch
    from fer_lib.protocols.probes import LinearProbe, linear_probe

    rng = np.random.default_rng(1)
    y = np.array([0] * 90 + [1] * 10 + [2] * 28)
    x = (rng.normal(0, 1, (128, 3)) + y[:, None]).astype(np.float32)
    xt = (rng.normal(0, 1, (60, 3)) + np.repeat([0, 1, 2], 20)[:, None]).astype(np.float32)
    got = linear_probe(x, y, xt, np.repeat([0, 1, 2], 20), 3, epochs=4, batch_size=16, seed=5, balanced_sampler=True)
    torch.manual_seed(5)
    probe = LinearProbe(x.mean(0), x.std(0), 3)
    data = torch.utils.data.StackDataset(x=torch.as_tensor(x), y=torch.as_tensor(y))
    opt = torch.optim.AdamW(param_groups(probe, 1e-4), lr=1e-2)
    total = 4 * steps_per_epoch(128, 16)
    fit(probe, data, optimizers=opt, schedulers=warmup_cosine(opt, 2 * steps_per_epoch(128, 16), total),
        batch_size=16, epochs=4, seed=5, sampler=ImbalancedSampler(y, 5), progress=False)
    with torch.no_grad():
        want = probe.eval()(torch.as_tensor(xt)).argmax(1).numpy()
    np.testing.assert_array_equal(got.predictions, want)


def test_evaluate_reports_balanced_accuracy_and_keeps_predictions():
    from fer_lib.metrics.classification import accuracy, uar

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], [90, 10])                                   # imbalanced: recall differs from accuracy
    x = (y[:, None] + rng.normal(0, 0.8, (100, 1))).astype(np.float32)
    feats = {"a": (x, {"expression": y})}
    row = evaluate_targets(feats, (Target("t", "a", "a", "expression", 2),), probe_epochs=20,
                           keep_predictions=True)[0]
    pred = row["predictions"]
    assert pred.shape == (100,) and row["accuracy"] == pytest.approx(accuracy(y, pred))
    assert row["balanced_accuracy"] == pytest.approx(uar(y, pred, 2))
    assert row["balanced_accuracy"] != pytest.approx(row["accuracy"])
    assert "predictions" not in evaluate_targets(feats, (Target("t", "a", "a", "expression", 2),), probe_epochs=2)[0]
