import dataclasses

import torch

from fer_lib.config import resolve
from fer_lib.experiments import mae_dfer as exp
from fer_lib.protocols.mae_dfer import evaluate, finetune, pretrain


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
