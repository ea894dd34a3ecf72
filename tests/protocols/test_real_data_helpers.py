"""Small pieces the real-data paths rely on: unknown pseudo-label truth, unknown labels in class fractions,
per-target imbalanced sampling, and the config's real-data path check."""

import types

import numpy as np
import pytest
import torch

from fer_lib.config import chapter_config, missing_data
from fer_lib.methods.mpl import pseudo_label_logs
from fer_lib.protocols import probes
from fer_lib.methods.mpl import pseudo_label_track
from fer_lib.protocols.abaw6 import K, class_distribution


def test_unknown_truth_is_left_out_of_the_pseudo_label_counts():
    logs = pseudo_label_logs(torch.tensor([0, 1, 2, 1]), torch.tensor([0, -1, 2, 2]), 3)
    assert [logs[f"pl_true/{k}"] for k in range(3)] == [1.0, 0.0, 2.0]      # the -1 item counts nowhere
    assert [logs[f"pl_hit/{k}"] for k in range(3)] == [1.0, 0.0, 1.0]
    assert "pl_acc" not in logs and logs["pl_frac/1"] == 0.5                 # fractions keep every item
    assert pseudo_label_logs(torch.tensor([0, 1]), torch.tensor([0, 0]), 2)["pl_acc"] == 0.5


def test_track_agreement_is_hits_over_known_truth_and_skips_windows_without_any():
    counts = lambda true, hit: {**{f"pl_true/{k}": float(true[k]) for k in range(K)},   # noqa: E731
                                **{f"pl_hit/{k}": float(hit[k]) for k in range(K)},
                                **{f"pl_frac/{k}": 1.0 / K for k in range(K)}}
    none = counts([0] * K, [0] * K)
    some = counts([2, 1] + [0] * (K - 2), [1, 1] + [0] * (K - 2))
    track = pseudo_label_track([{"step": 1, **none}, {"step": 2, **some}], K)
    assert track["step"] == [2] and track["pl_acc"] == [2 / 3] and track["pl_uar"] == [0.75]


def test_class_distribution_ignores_unknown_labels():
    shares = class_distribution(np.array([0, 0, 1, -1, -1]))
    assert shares[:2] == pytest.approx([2 / 3, 1 / 3]) and sum(shares) == pytest.approx(1.0)
    assert class_distribution(np.full(3, -1)) == [0.0] * K


def test_a_target_marked_imbalanced_gets_the_balanced_sampler(monkeypatch):
    seen = []
    monkeypatch.setattr(probes, "linear_probe", lambda *a, balanced_sampler, **k: seen.append(balanced_sampler)
                        or types.SimpleNamespace(accuracy=0.5, macro_f1=0.5, predictions=np.array([0, 1, 1, 1])))
    feats = {"a": (np.zeros((4, 2), np.float32), {"expression": np.array([0, 1, 0, 1])})}
    plain = types.SimpleNamespace(name="p", train="a", test="a", label="expression", num_classes=2)
    marked = types.SimpleNamespace(**{**plain.__dict__, "name": "m", "imbalanced": True})
    probes.evaluate_targets(feats, (plain, marked))
    assert seen == [False, True]


def test_optional_paths_are_checked_only_when_set(tmp_path):
    cfg = chapter_config("crs_cont", "full", {"user_target_train": str(tmp_path / "none.txt")})
    problems = missing_data("crs_cont", cfg)
    assert f"user_target_train={tmp_path / 'none.txt'}: no such file" in problems
    assert not any(p.startswith("user_target_test") for p in problems)


@pytest.mark.parametrize("skip", [False, True])
def test_skip_corrupt_reaches_abaw6s_real_loaders_and_is_counted(tmp_path, skip):
    """Issue 14: a truncated Aff-Wild2 frame stops the run naming the file, or with skip_corrupt is replaced by the
    next readable frame and counted, the count the chapter writes into its results."""
    import real_fixtures as fx

    from fer_lib.data.images import CorruptImageError, skipped
    from fer_lib.protocols import abaw6

    affectnet = {k: v for k, v in fx.affectnet(tmp_path / "an").items() if k != "affectnet_val_csv"}
    paths = fx.affwild2(tmp_path / "aw2") | affectnet | fx.expw(tmp_path / "expw") | fx.ms1m(tmp_path / "ms1m", n=16)
    bad = tmp_path / "aw2" / "cropped_aligned" / "video2" / "00001.jpg"
    bad.write_bytes(bad.read_bytes()[: len(bad.read_bytes()) // 2])
    data = abaw6.load_data(chapter_config("abaw6", "smoke", {"dataset": "real", "skip_corrupt": skip, **paths}))
    if not skip:
        with pytest.raises(CorruptImageError, match="video2/00001.jpg"):
            [data.labelled[i] for i in range(len(data.labelled))]
        return
    items = [data.labelled[i] for i in range(len(data.labelled))]
    assert len(items) == 16 and skipped(data.loaders) == 1
