"""The SSL-FER Reading's values: each read from its table, in the format the prose pastes."""

from types import SimpleNamespace

import pandas as pd

from fer_lib.protocols import ssl_fer_reading as R


def _tables():
    names = set(R.SUMMARY_ROWS.values()) | set(R.SCENE_ROWS.values())
    shown = pd.DataFrame([{"row": n, "F1": f"F1 of {n}", "identity_probe_acc": f"id of {n}",
                           "scene_index": f"scene of {n}"} for n in sorted(names)]).set_index("row")
    mechanism = [{"row": "TimeAug", "timeaug_pos_same_expr": 0.814, "same_expr_chance": 0.2},
                 {"row": "TimeAug+HardNeg", "hardneg_neg_differs_expr": 0.855}]
    premises = [{"pool": "talking", "neutral_frames": 0.3, "timeaug_premise": True, "hardneg_premise": True},
                {"pool": "vox", "neutral_frames": 0.704, "timeaug_premise": False, "hardneg_premise": False}]
    isolating = [{"row": name, "F1 diff": 0.0123 * i, "identity_probe_acc diff": -0.05}
                 for i, name in enumerate(R.ISOLATING.values())]
    curve = [{"row": row, "step": step, "F1": f1} for row, points in
             {R.CONTROL: {0: 0.30, 100: 0.30}, "SimCLR": {0: 0.30, 50: 0.25, 100: 0.31},
              "MoCo-v2": {0: 0.30, 50: 0.32, 100: 0.29}, "BYOL": {0: 0.30, 50: 0.31, 100: 0.33},
              R.FULL: {0: 0.30, 50: 0.33, 100: 0.40}}.items() for step, f1 in points.items()]
    chance = pd.Series({"expr_uniform_chance": 100 / 7})
    cfg = SimpleNamespace(curve_length=2, key_seeds=(0, 1, 2, 3, 4), seeds=(0, 1, 2))
    return shown, mechanism, premises, isolating, curve, chance, cfg


def test_values_come_from_their_tables():
    shown, mechanism, premises, isolating, curve, chance, cfg = _tables()
    v = R.reading_values(shown, mechanism, premises, isolating, curve, chance, {"index": 0.3921}, cfg, "default")
    assert v["f1-simclr"] == "F1 of SimCLR" and v["id-random"] == f"id of {R.CONTROL}"
    assert v["scene-same"] == f"scene of {R.ISOLATING['same']}" and v["scene-pixels"] == "0.392"
    assert v["timeaug_pos_same_expr"] == "0.81" and v["hardneg_neg_differs_expr"] == "0.85"   # 0.855 -> 0.85 (binary)
    assert v["maskfn_same_clip"] == "not measured" and v["swap_landmark_nme"] == "not measured"
    assert v["prem-vox-neutral_frames"] == "0.70" and v["prem-talking-hardneg_premise"] == "holds"
    assert v["prem-vox-timeaug_premise"] == "fails"
    assert v["iso-oracle-F1"] == "+0.0" and v["iso-apart-F1"] == "+2.5" and v["iso-same-identity_probe_acc"] == "-5.0"
    # the curve: SimCLR is above the control (30 %) only at its last point; MoCo-v2 ends below it
    assert v["curve-reach-simclr"] == "from step 100 of 100" and v["curve-reach-moco"] == "at no point up to step 100"
    assert v["curve-reach-byol"] == "from step 50 of 100" and v["curve-ahead"] == "2 of 2"
    assert v["f1-chance"] == "14.3 %" and v["curve-span"] == "2 times the chapter's budget"
    assert v["profile"] == "default, seeds [0, 1, 2, 3, 4] for the rows in a claim and [0, 1, 2] for the others"


def test_no_scene_triplets_reads_not_measured():
    shown, mechanism, premises, isolating, curve, chance, cfg = _tables()
    v = R.reading_values(shown, mechanism, premises, isolating, curve, chance, None, cfg, "smoke")
    assert v["scene-pixels"] == "not measured"
    cfg.curve_length = 1
    assert R.reading_values(shown, mechanism, premises, isolating, curve, chance, None, cfg, "smoke")[
        "curve-span"] == "the chapter's budget"
