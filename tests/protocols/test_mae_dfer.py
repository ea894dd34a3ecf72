import dataclasses

import numpy as np
import pytest
import torch

from fer_lib.config import resolve
from fer_lib.experiments import mae_dfer as exp
from fer_lib.protocols.mae_dfer import evaluate, finetune, labelled_windows, pretrain
from fer_lib.protocols.mae_dfer_checks import motion_signal, pupil_shift_px, reconstruction_check
from fer_lib.protocols.mae_dfer_probe import gaze_head, label_subset, linear_probe


def clips(n, t, seed, size=64):
    g = torch.Generator().manual_seed(seed)
    return [{"video": torch.randint(0, 256, (t, 3, size, size), dtype=torch.uint8, generator=g),
             "label": torch.tensor(i % 7), "gaze": torch.rand(t, 2, generator=g) - 0.5} for i in range(n)]


def test_pretrain_finetune_evaluate_through_the_engine():
    cfg = resolve(exp.Config, exp.PROFILES, "smoke")
    cfg = dataclasses.replace(cfg, frames=4, clip_frames=8, pre_batch=4, ft_batch=4, mixup=0.8)
    pre = pretrain(cfg, "lgi_former", True, clips(8, 4, 0), seed=0, device=torch.device("cpu"))
    assert pre["history"] and all(torch.isfinite(torch.tensor(h["loss"])) for h in pre["history"])
    state = pre["method"].encoder.state_dict()
    out = finetune(cfg, "lgi_former", clips(8, 4, 1), seed=0, device=torch.device("cpu"), encoder_state=state)
    metrics = evaluate(cfg, out["model"], clips(6, 8, 2), torch.device("cpu"))
    assert 0 <= metrics["uar"] <= 100 and 0 <= metrics["war"] <= 100
    gaze = finetune(cfg, "vit", clips(8, 4, 1), seed=0, device=torch.device("cpu"), gaze=True)
    assert "gaze_error_deg" in evaluate(cfg, gaze["model"], clips(6, 8, 2), torch.device("cpu"))


def test_profiles_resolve_and_rows_are_consistent():
    for profile in exp.PROFILES:
        cfg = resolve(exp.Config, exp.PROFILES, profile)
        grid = (cfg.frames // cfg.tubelet, cfg.image_size // cfg.patch, cfg.image_size // cfg.patch)
        assert all(g % r == 0 for g, r in zip(grid, cfg.region))
        assert grid[1] % cfg.mask_window[0] == 0 and grid[2] % cfg.mask_window[1] == 0
    assert {r.encoder for r in exp.ROWS} <= {"lgi_former", "vit", "video_mamba"}


def test_label_subset_is_stratified_seeded_and_keeps_every_class():
    targets = np.array([0] * 50 + [1] * 30 + [2] * 2)
    sub = label_subset(targets, 0.1, seed=0)
    assert np.bincount(targets[sub], minlength=3).tolist() == [5, 3, 1]   # round(0.1 n_c), at least one
    assert np.array_equal(sub, label_subset(targets, 0.1, seed=0))
    assert not np.array_equal(sub, label_subset(targets, 0.1, seed=1))
    assert np.array_equal(label_subset(targets, 1.0, seed=3), np.arange(82))


def test_labelled_windows_take_every_window_of_the_chosen_clips():
    class Windows:  # 4 clips x 3 windows; the probe set: one window per clip
        def __init__(self, starts):
            self.index = np.array([(c, s) for c in range(4) for s in starts])
            self.targets = np.array([0, 0, 1, 1])[self.index[:, 0]]

        def __len__(self):
            return len(self.index)

    windows, probe = Windows((0, 4, 8)), Windows((4,))
    sub = labelled_windows(windows, probe, 0.5, seed=0)
    clips = {int(windows.index[i, 0]) for i in sub.indices}
    assert len(sub) == 6 and len(clips) == 2 and {c // 2 for c in clips} == {0, 1}


def test_linear_probe_reads_separable_features_and_gaze_head_beats_the_mean():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 40)
    x = rng.normal(size=(120, 20)) + 3 * np.eye(3, 20)[y]
    train, test = {"x": x[::2], "y": y[::2]}, {"x": x[1::2], "y": y[1::2]}
    out = linear_probe(train, test, np.arange(60), 3, c=1.0, resamples=200, seed=0)
    assert out["uar"] > 90 and out["uar_low"] <= out["uar"] <= out["uar_high"] and out["labelled"] == 60
    gaze = 0.3 * np.tanh(x[:, :4]).reshape(120, 2, 2)                       # [N, T=2, 2] from the features
    g = gaze_head({"x": x[::2], "gaze": gaze[::2]}, {"x": x[1::2], "gaze": gaze[1::2]})
    assert g["gaze error (deg)"] < 0.5 * g["mean-gaze predictor (deg)"] and g["R2"] > 0.5


def test_motion_signal_measures_frame_differences_inside_and_outside_the_landmark_box():
    video = torch.zeros(2, 3, 8, 8, dtype=torch.uint8)
    video[1, :, 2:4, 2:4] = 10                       # 4 face pixels change by 10 -> 100 grey² each
    marks = torch.tensor([[2.0, 2.0], [5.0, 5.0]]).repeat(34, 1).expand(2, 68, 2).clone()  # box x, y in 2..5 -> 4 x 4 = 16 px
    out = motion_signal([{"video": video, "landmarks": marks}])
    assert out["face"] == pytest.approx(4 * 100 / 16) and out["background"] == 0.0
    assert out["face area"] == pytest.approx(16 / 64)


def test_reconstruction_check_mean_target_is_exact_on_identical_clips():
    cfg = dataclasses.replace(resolve(exp.Config, exp.PROFILES, "smoke"), multiscale=(), pre_epochs=1)
    same = clips(1, 4, 0)[0]
    pool = [same] * 8
    pre = pretrain(cfg, "lgi_former", True, pool, seed=0, device=torch.device("cpu"))
    out = reconstruction_check(pre["method"], pool, pool, torch.device("cpu"), n=8, batch_size=4)
    assert out["mean target"] == pytest.approx(0.0, abs=1e-10)            # the mean of one clip is that clip
    assert out["model"] > 0
    assert out["model"] == pytest.approx(0.5 * (out["model, appearance slot"] + out["model, second-frame slot"]))


def test_pupil_shift_scales_with_the_frame_size():
    from fer_lib.data.synth import SynthConfig

    small = SynthConfig(domain="dfew", n_identities=3, clips_per_identity=1, frames_per_clip=4, size=64)
    big = dataclasses.replace(small, size=128)
    a, b = pupil_shift_px(small, n=3), pupil_shift_px(big, n=3)
    assert a["mean (px)"] > 0 and b["mean (px)"] == pytest.approx(2 * a["mean (px)"], rel=1e-3)
    assert a["90th percentile (px)"] >= a["mean (px)"] * 0.5
