"""The MAE-DFER Reading's values: each read from the saved results, in the format the prose pastes."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from fer_lib.protocols import mae_dfer_reading as R


def _saved(gaze: bool) -> dict:
    tables = {
        "cost_paper_config": [{"model": "LGI", "params (M)": 84.9, "GFLOPs (GMACs)": 49.65},
                              {"model": "ViT-B", "params (M)": 86.24, "GFLOPs (GMACs)": 80.69},
                              {"model": "ViT-512", "params (M)": 50.0, "GFLOPs (GMACs)": 51.38}],
        "motion_signal": [{"clips": "a", "face / background": 6.64}, {"clips": "b", "face / background": 4.35}],
        "reconstruction_check": [{"encoder": "lgi_former", "motion target": True, "model": 0.8604,
                                  "second frame, slot": None}],
        "synthetic": [{"row": "r0", "UAR 95 % clip interval (first seed)": "[0.0, 10.3]"}]}
    metrics = {"flops_ratio_lgi_vs_vitb": 49.65 / 80.69, "paper_flops_ratio": 50 / 81, "time_ratio_lgi_vs_vitb": None,
               "train_step_seconds_paper_size": {"LGI": 2.04}}
    if gaze:
        tables |= {"gaze_frames": [{"gaze error (deg)": 12.06, "mean-gaze predictor (deg)": 11.96}],
                   "gaze": [{"gaze error (deg)": 9.94, "mean-gaze predictor (deg)": 9.7}]}
        metrics["pupil_shift_px"] = {"mean (px)": 0.6}
    return {"tables": tables, "metrics": metrics, "stages_s": {"a": 90.0, "b": 60.0}}


def test_values_come_from_the_saved_results():
    shown = pd.DataFrame([{"row": "r0", "UAR": "4.8 ± 0.0"}]).set_index("row")
    cfg = SimpleNamespace(num_classes=7, image_size=64)
    v = R.reading_values(_saved(True), shown, np.array([4, 1, 6, 4, 4, 4, 5]), cfg)
    assert (v["params-0"], v["gmacs-1"], v["gmacs-2"]) == (84.9, 80.69, 51.38)
    assert v["ratio"] == "0.615" and v["paper-ratio"] == "0.617" and v["time-ratio"] == "n/a"
    assert v["step-0"] == "2.0 s" and v["step-1"] == "n/a s"                # ViT-B's step was not timed
    assert v["n-test"] == 28 and v["min-per-class"] == 1 and v["chance"] == "14.3 %"
    assert v["motion-0"] == "6.6" and v["motion-1"] == "4.3"
    assert v["recon-lgi_former-True-model"] == "0.860" and v["recon-lgi_former-True-second-frame-slot"] == "n/a"
    assert v["uar-0"] == "4.8 ± 0.0 [0.0, 10.3]"
    assert (v["gaze-0"], v["gaze-mean"], v["gaze-ft"], v["gaze-ft-mean"]) == ("12.1", "12.0", "9.9", "9.7")
    assert v["pupil"] == "0.6" and v["pupil-160"] == "1.5" and v["minutes"] == "2"    # 0.6 * 160 / 64 = 1.5


def test_without_gaze_labels_the_gaze_values_read_na():
    shown = pd.DataFrame([{"row": "r0", "UAR": "4.8 ± 0.0"}]).set_index("row")
    v = R.reading_values(_saved(False), shown, np.array([3, 3]), SimpleNamespace(num_classes=2, image_size=64))
    assert {v[k] for k in ("gaze-mean", "pupil", "pupil-160", "gaze-ft", "gaze-ft-mean")} == {"n/a"}
    assert not any(k.startswith("gaze-0") for k in v)
