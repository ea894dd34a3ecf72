"""The ABAW6 Reading's values: each read from its table, in the format the prose pastes."""

from types import SimpleNamespace

import numpy as np

from fer_lib.data.labels import AFFWILD2_8
from fer_lib.protocols import abaw6_reading as R


def test_values_come_from_their_tables():
    table = [{"row": "baseline", "f1": 31.04, "f1_std": 1.26, "f1_clip_low": 27.0, "f1_clip_high": 35.55,
              "teacher_f1": None, "teacher_warmup_f1": None},
             {"row": "ssl_all", "f1": 33.5, "f1_std": 0.04, "f1_clip_low": 29.94, "f1_clip_high": 37.0,
              "teacher_f1": 30.26, "teacher_warmup_f1": 28.0}]
    check = [{"eta_S": 0.1, "gap": 0.012345}, {"eta_S": 0.01, "gap": -2.5e-05}, {"eta_S": 0.001, "gap": 3.0},
             {"eta_S": 0.01, "gap": 99.0}]
    pl_rows = [{"row": "ssl_all", "pl_neutral": 0.416, "pl_acc_last": 0.7, "f_mean": 0.00012, "f_mixed_mean": None}]
    demo = [{"frames_with_face": 1, "label_changes_raw": 2, "label_changes_voted": 3},
            {"frames_with_face": 40, "label_changes_raw": 9, "label_changes_voted": 2}]
    neutral = AFFWILD2_8.index("neutral")
    pool = np.array([neutral] * 3 + [(neutral + 1) % len(AFFWILD2_8)])                # 75 % neutral
    data = SimpleNamespace(pool=SimpleNamespace(labels=pool), evaluation=np.zeros(12),
                           evaluation_video=np.array([0] * 5 + [1] * 4 + [7] * 3))
    cfg = SimpleNamespace(key_seeds=(0, 1), image_size=48, backbone_depth=10, backbone_width=16, labelled_steps=300,
                          teacher_warmup_steps=100)
    v = R.reading_values(table, check, pl_rows, demo, data, cfg, "default")
    assert v["f1-baseline"] == "31.0 ± 1.3" and v["ci-ssl_all"] == "29.9 to 37.0"
    assert "teacher-baseline" not in v and v["teacher-ssl_all"] == "30.3" and v["warm-ssl_all"] == "28.0"
    assert [v[f"gap-{i}"] for i in range(3)] == ["0.012", "-2.5e-05", "3"] and "gap-3" not in v
    assert v["pl-neutral-ssl_all"] == "42%" and v["pl-acc-ssl_all"] == "70%"
    assert v["f-mean-ssl_all"] == "+0.0001" and "f-mixed-ssl_all" not in v
    assert v["pool-neutral"] == "75%" and v["demo-frames_with_face"] == "40" and v["demo-label_changes_voted"] == "2"
    assert v["setup"] == ("default profile: seeds [0, 1], 48-px faces, ResNet-10 of width 16, 300 labelled steps "
                          "per scored network (100 of the teacher's as warm-up), 12 validation frames in 3 clips")


def test_pseudo_label_summary_averages_seeds_by_hand():
    k = len(AFFWILD2_8)
    one_hot = lambda c: [1.0 if i == c else 0.0 for i in range(k)]   # noqa: E731
    seed0 = {"step": [10, 20], "pl_acc": [0.2, 0.6], "pl_frac": [one_hot(0), one_hot(0)], "f": [0.1, None],
             "f_mixed": [None, None]}
    seed1 = {"step": [10, 20], "pl_acc": [0.4, 0.8], "pl_frac": [one_hot(1), one_hot(1)], "f": [0.3, -0.1],
             "f_mixed": [None, None]}
    records = [{"row": "ssl_all", "seed": 0, "pseudo_labels": seed0},
               {"row": "ssl_all", "seed": 1, "pseudo_labels": seed1}, {"row": "baseline", "seed": 0}]
    tracks = R.pseudo_label_tracks(records, ("ssl_all",))
    assert tracks == {"ssl_all": [seed0, seed1]}
    rows, curves, final = R.pseudo_label_summary(tracks)
    assert rows[0]["pl_acc_first"] == 0.3 and rows[0]["pl_acc_last"] == 0.7
    assert abs(rows[0]["f_mean"] - 0.1) < 1e-12 and rows[0]["f_mixed_mean"] is None        # (0.1 + 0.3 - 0.1) / 3
    assert rows[0][f"pl_{AFFWILD2_8[0]}"] == 0.5 and rows[0][f"pl_{AFFWILD2_8[1]}"] == 0.5
    assert curves["ssl_all"][0] == [10, 20] and np.allclose(curves["ssl_all"][1], [0.3, 0.7])
    assert np.allclose(final["pseudo-labels: ssl_all"], [0.5, 0.5] + [0.0] * (k - 2))
