"""Every chapter trains in every profile: one or two optimiser steps of each training stage, built by the
chapter's own code path at the profile's real model sizes, must move the parameters of every optimiser.

Only the data are tiny (a few items at the smallest spatial size the model accepts, small batches) and
the number of steps: ``fit`` is wrapped in the chapters' modules so that each call stops after
``STEPS`` steps and reports, per optimiser, the gradient norm it stepped with and which parameters moved.
This is the guard that would have caught MAE-DFER's ``full`` profile training nothing
(``grad_clip=0.0`` clipped every gradient to zero).
"""

from __future__ import annotations

import contextlib
import dataclasses
import types

import numpy as np
import pytest
import torch

# --- the chapters' code paths: their protocols, the only callers of ``fit`` -----------------------------
from fer_lib.augment.fer_views import FerViewConfig
from fer_lib.config import resolve
from fer_lib.data.datasets import FrameDataset
from fer_lib.data.coarse import CoarseLabelled
from fer_lib.data.synth import SynthConfig, load_synth
from fer_lib.engine import trainer as engine_trainer
from fer_lib.experiments import abaw6 as abaw6_exp
from fer_lib.experiments import crs_cont as crs_exp
from fer_lib.experiments import mae_dfer as mae_exp
from fer_lib.experiments import ssl_fer as ssl_exp
from fer_lib.models.resnet import ResNetBackbone
from fer_lib.protocols import abaw6
from fer_lib.protocols import crs_cont as crs
from fer_lib.protocols import mae_dfer as mae
from fer_lib.protocols import probes as probe
from fer_lib.protocols import ssl_fer as ssl
from fer_lib.protocols import training_log

FIT_CALLERS = (probe, training_log)   # modules whose ``fit`` the spy replaces (a row's fits go through TrainingLog)
# -----------------------------------------------------------------------------------------------------------

PROFILES = ("smoke", "default", pytest.param("full", marks=pytest.mark.slow))  # full: real model sizes
STEPS = 2            # warmup schedules train at lr 0 in step 0: the second step must move the parameters
# (each dataset below holds at least two batches, so that an epoch-bounded stage runs both steps)
CPU = torch.device("cpu")


@pytest.fixture
def fits(monkeypatch):
    """Replace ``fit`` in the chapters' modules by a spy: at most STEPS steps; returns the list of calls."""
    calls = []
    real_fit = engine_trainer.fit

    def spy(method, dataset, *, optimizers, **kw):
        kw["max_steps"] = min(STEPS, kw.get("max_steps") or STEPS)
        kw.update(progress=False, device=CPU)
        opts = optimizers if isinstance(optimizers, dict) else {"main": optimizers}
        params = {n: [p for g in o.param_groups for p in g["params"]] for n, o in opts.items()}
        before = {n: [p.detach().clone() for p in ps] for n, ps in params.items()}
        grad_norms = {n: [] for n in opts}

        def record(name):  # the gradient the optimiser actually steps with (after the engine's clipping)
            def hook(optimizer, args, kwargs):
                grads = [p.grad for p in params[name] if p.grad is not None]
                grad_norms[name].append(float(torch.nn.utils.get_total_norm(grads)) if grads else 0.0)
            return hook

        handles = [o.register_step_pre_hook(record(n)) for n, o in opts.items()]
        try:
            result = real_fit(method, dataset, optimizers=optimizers, **kw)
        finally:
            for h in handles:
                h.remove()
        moved = {n: sum(not torch.equal(a, p.detach()) for a, p in zip(before[n], params[n])) for n in opts}
        finite = {n: all(bool(torch.isfinite(p).all()) for p in params[n]) for n in opts}
        calls.append({"method": type(method).__name__, "desc": kw.get("desc"), "steps": result.step,
                      "grad_norms": grad_norms, "moved": moved, "tensors": {n: len(ps) for n, ps in params.items()},
                      "finite": finite})
        return result

    for module in FIT_CALLERS:
        monkeypatch.setattr(module, "fit", spy)
    return calls


def assert_all_trained(calls: list[dict], expected_methods: list[str]) -> None:
    """Each fit ran STEPS steps; every optimiser stepped with a finite non-zero gradient and moved parameters."""
    assert [c["method"] for c in calls] == expected_methods
    for c in calls:
        where = f"{c['method']} ({c['desc']})"
        assert c["steps"] == STEPS, where
        for name, norms in c["grad_norms"].items():
            assert len(norms) == STEPS, f"{where}: optimiser {name!r} stepped {len(norms)} times"
            # the last step: MoCo's first step has an empty queue (no negatives, zero gradient)
            assert all(np.isfinite(norms)) and norms[-1] > 0, f"{where}: optimiser {name!r} got gradients {norms}"
            assert c["moved"][name] > 0 and c["finite"][name], f"{where}: optimiser {name!r} moved nothing"


def clips(n: int, frames: int, size: int, seed: int = 0) -> list[dict]:
    """MAE-DFER items: uint8 video [T, 3, S, S], label, gaze [T, 2]."""
    g = torch.Generator().manual_seed(seed)
    return [{"video": torch.randint(0, 256, (frames, 3, size, size), dtype=torch.uint8, generator=g),
             "label": torch.tensor(i % 7), "gaze": torch.rand(frames, 2, generator=g) - 0.5} for i in range(n)]


@pytest.mark.parametrize("profile", PROFILES)
def test_mae_dfer_pretraining_and_finetuning_train(profile, fits):
    cfg = resolve(mae_exp.Config, mae_exp.PROFILES, profile)
    # 4 frames (= tubelet x the region's temporal extent); the LGI-Former's regions need its profile's size
    # (full: 160 = 16 x lcm(5, 10)); the ViT takes 2 x 2 patches. Batches of 2 (mixup needs an even batch).
    cfg = dataclasses.replace(cfg, frames=4, clip_frames=4, pre_batch=2, ft_batch=2)
    vit_cfg = dataclasses.replace(cfg, image_size=2 * cfg.patch)
    lgi = mae.pretrain(cfg, "lgi_former", True, clips(4, 4, cfg.image_size), 0, CPU)
    mae.pretrain(vit_cfg, "vit", False, clips(4, 4, vit_cfg.image_size), 0, CPU)
    state = lgi["method"].encoder.state_dict()
    mae.finetune(cfg, "lgi_former", clips(4, 4, cfg.image_size, 1), 0, CPU, encoder_state=state)
    mae.finetune(vit_cfg, "vit", clips(4, 4, vit_cfg.image_size, 1), 0, CPU)
    mae.finetune(cfg, "lgi_former", clips(4, 4, cfg.image_size, 1), 0, CPU, encoder_state=state, gaze=True)
    assert_all_trained(fits, ["MAEDFERPretrain"] * 2 + ["VideoClassifier"] * 3)


@pytest.fixture(scope="module")
def ssl_data():
    cfg = _ssl_config("smoke")
    return ssl.load_data(cfg)


def _ssl_config(profile: str):
    """The profile's model and optimiser; tiny data: 32-px frames and views, the fewest images per step the profile
    allows (MoCo's shuffle-BN needs two images per group), and enough training clips (16) for a step's frames to
    come from distinct clips."""
    cfg = resolve(ssl_exp.Config, ssl_exp.PROFILES, profile)
    return dataclasses.replace(cfg, size=32, view_size=32, n_identities=12, clips_per_identity=2, frames_per_clip=24,
                               eval_identities=16, eval_clips_per_identity=2, descriptor_crop=16,
                               views_per_step=max(8, 4 * cfg.moco_bn_groups))  # MoCo: 2 images per BN group


SSL_ROWS = {r.row: r for r in ssl_exp.ROWS + ssl_exp.POOL_ROWS + ssl_exp.ISOLATING_ROWS}


@pytest.mark.parametrize("profile", PROFILES)
def test_ssl_fer_rows_and_probe_train(profile, fits, ssl_data):
    cfg = _ssl_config(profile)
    names = ("BYOL", "MoCo-v2", "TimeAug+HardNeg+CutMix", "TimeAug · vox pool",       # + a second-pool row and
             "TimeAug+HardNeg+FaceSwap · oracle swap", "TimeAug+HardNeg+MaskFN · oracle descriptor",  # isolating rows
             "TimeAug+HardNeg+FaceSwap+MaskFN")
    methods = [ssl.pretrain(SSL_ROWS[n], cfg, ssl_data, 0, CPU)[0] for n in names]
    ssl.evaluate(methods[-1].backbone, cfg, ssl_data, 0, CPU)                              # the linear probe
    ssl.evaluate(methods[-1].backbone, dataclasses.replace(cfg, eval_protocol="finetune"), ssl_data, 0, CPU)
    assert_all_trained(fits, ["BYOL", "MoCo"] + ["SSLFER"] * 5 + ["LinearProbe", "FineTuneClassifier"])


@pytest.mark.parametrize("profile", PROFILES)
def test_crs_cont_rows_train(profile, fits):
    cfg = resolve(crs_exp.Config, crs_exp.PROFILES, profile)
    synth = load_synth(SynthConfig(domain="affectnet", n_identities=4, clips_per_identity=2, frames_per_clip=2,
                                   size=32, seed=0))
    sets = {keep: CoarseLabelled(FrameDataset(synth, "train"), synth.classes, keep_fine=keep) for keep in (False, True)}
    views = FerViewConfig(size=32, scale=(cfg.crop_scale_min, 1.0))   # the chapter's views at 32 px
    train_kw = dict(optimizer=cfg.optimizer, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay,
                    batch_size=4, epochs=cfg.epochs, max_steps=cfg.max_steps, lr_step_epochs=cfg.lr_step_epochs,
                    lr_gamma=cfg.lr_gamma, warmup_steps=cfg.warmup_steps, device=CPU)
    build_kw = dict(negative_weight=cfg.negative_weight, instance_weight=cfg.instance_weight,
                    temperature=cfg.temperature, proj_dim=cfg.proj_dim)
    for row in crs_exp.ROWS:
        encoder = ResNetBackbone(cfg.depth, cfg.width, cfg.stem_stride)
        method = crs.build_pretraining(row, encoder, encoder.feature_dim, views, **build_kw, seed=0)
        crs.pretrain(method, sets[row.label_key == "expression"], **train_kw, seed=0)
    assert_all_trained(fits, ["CrsCont"] * 8 + ["SupervisedEncoder"])


@pytest.mark.parametrize("profile", PROFILES)
def test_abaw6_spatial_and_temporal_phases_train(profile, fits):
    cfg = resolve(abaw6_exp.Config, abaw6_exp.PROFILES, profile)
    cfg = dataclasses.replace(cfg, dataset="synthetic", image_size=32, aw2_identities=10, aw2_clips_per_identity=1,
                              aw2_frames_per_clip=8,
                              extra_identities=8, extra_frames_per_clip=1, pool_identities=8, pool_frames_per_clip=1,
                              batch_size=4, val_identities=60, val_clips_per_identity=4, val_min_clips_per_class=1,
                              bootstrap_resamples=10)
    data = abaw6.load_data(cfg)
    rows = {r.row: r for r in abaw6_exp.ROWS}
    run = types.SimpleNamespace(torch_device=CPU, stage=contextlib.nullcontext, progress=False,  # what run_row
                                save_history=lambda *args: None, checkpoint_root=lambda: None)  # reads of a Run
    abaw6.run_row(rows["baseline"], cfg, data, 0, run)
    abaw6.run_row(rows["ssl_temporal_vote"], cfg, data, 0, run)
    warmup = ["WeakSupervised"] if cfg.teacher_warmup_steps else []
    finetune = ["WeakSupervised"] if cfg.student_finetune else []
    assert_all_trained(fits, ["WeakSupervised"] + warmup + ["TeacherStudent"] + finetune + ["TemporalClassifier"])
