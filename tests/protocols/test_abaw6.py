"""ABAW6 pipeline helpers: pseudo-label tracks from logged windows, seed summaries."""

import numpy as np
import pytest

from fer_lib.experiments.abaw6 import Row
from fer_lib.methods.mpl import pseudo_label_track
from fer_lib.protocols.abaw6 import K, class_distribution, summarise


def _entry(step, true, hit, frac):
    e = {"step": step, "pl_acc": sum(hit) / sum(true), "f_first_order": 0.1}
    e.update({f"pl_true/{k}": float(v) for k, v in enumerate(true)})
    e.update({f"pl_hit/{k}": float(v) for k, v in enumerate(hit)})
    e.update({f"pl_frac/{k}": float(v) for k, v in enumerate(frac)})
    return e


def test_pseudo_label_track_recall_over_present_classes():
    true = [6, 2, 0, 0, 0, 0, 0, 0]
    hit = [3, 2, 0, 0, 0, 0, 0, 0]
    frac = np.eye(K)[0].tolist()
    track = pseudo_label_track([{"step": 5, "loss": 1.0}, _entry(10, true, hit, frac)], K)
    assert track["step"] == [10]
    assert track["pl_uar"] == [pytest.approx((3 / 6 + 2 / 2) / 2)]  # classes 2..7 absent: not averaged
    assert track["true_frac"][0][:2] == [0.75, 0.25] and track["pl_frac"][0] == frac


def test_summarise_mean_std_per_row_in_order():
    rows = tuple(Row(name, name.upper(), name, extra=False, pool=False, ssl=False) for name in "abc")
    records = [{"row": "b", "f1": 10.0, "teacher_f1": None}, {"row": "a", "f1": 1.0, "teacher_f1": 2.0},
               {"row": "a", "f1": 3.0, "teacher_f1": 4.0}]
    out = summarise(records, rows)
    assert [r["row"] for r in out] == ["a", "b"]
    assert out[0]["f1"] == 2.0 and out[0]["f1_std"] == pytest.approx(np.std([1, 3], ddof=1), abs=0.01)
    assert out[0]["teacher_f1"] == 3.0 and out[1]["f1_std"] == 0.0 and out[1]["teacher_f1"] is None
    assert class_distribution(np.array([0, 0, 7, 1])) == [0.5, 0.25, 0, 0, 0, 0, 0, 0.25]


# --- phase 1 and 2 wiring, checked with a stand-in for the engine's fit (no training) ---------------------
import contextlib  # noqa: E402
import dataclasses  # noqa: E402
import types  # noqa: E402

import torch  # noqa: E402

from fer_lib.config import resolve  # noqa: E402
from fer_lib.data.samplers import ClassBalancedSampler  # noqa: E402
from fer_lib.experiments import abaw6 as abaw6_exp  # noqa: E402
from fer_lib.methods.temporal import inverse_frequency_weights  # noqa: E402
from fer_lib.protocols import abaw6  # noqa: E402
from fer_lib.protocols import training_log  # noqa: E402

ROWS = {r.row: r for r in abaw6_exp.ROWS}


def _tiny(profile: str = "default"):
    cfg = resolve(abaw6_exp.Config, abaw6_exp.PROFILES, profile)
    return dataclasses.replace(cfg, image_size=32, aw2_identities=10, aw2_clips_per_identity=1, aw2_frames_per_clip=8,
                               extra_identities=8, extra_frames_per_clip=1, pool_identities=8, pool_frames_per_clip=1,
                               batch_size=4, val_identities=60, val_clips_per_identity=4, val_min_clips_per_class=1,
                               bootstrap_resamples=10)


@pytest.fixture(scope="module")
def tiny_data():
    return abaw6.load_data(_tiny())


@pytest.fixture
def fit_calls(monkeypatch):
    """Replace the engine's fit behind TrainingLog by a recorder: (desc = the stage, method, dataset, sampler, optimizers, max_steps, batch)."""
    calls = []

    def record(method, dataset, *, optimizers, max_steps, batch_size, sampler=None, desc=None, **kw):
        calls.append(types.SimpleNamespace(desc=desc.split(" · ")[-1], method=method, dataset=dataset, sampler=sampler,
                                           optimizers=optimizers, max_steps=max_steps, batch_size=batch_size))
        return types.SimpleNamespace(history=[], step=max_steps, samples_per_s=1.0)   # 1.0: trained here

    monkeypatch.setattr(training_log, "fit", record)
    return calls


def test_teacher_balance_off_switches_only_the_teachers_sampler(tiny_data, fit_calls):
    """Bug 2: the row removes Smp(.) from the teacher (warm-up and teacher-student stream) and nothing else."""
    cfg = _tiny()
    abaw6.train_spatial(ROWS["teacher_balance_off"], cfg, tiny_data, 0, "cpu")
    warmup, phase, finetune = fit_calls
    assert (warmup.desc, phase.desc, finetune.desc) == ("teacher warm-up", "teacher-student", "student fine-tune")
    assert warmup.sampler is None and phase.dataset.sampler is None      # the teacher: unbalanced
    assert isinstance(finetune.sampler, ClassBalancedSampler)             # the student's fine-tune: still balanced
    fit_calls.clear()
    abaw6.train_spatial(ROWS["ssl_all"], cfg, tiny_data, 0, "cpu")
    assert all(isinstance(s, ClassBalancedSampler)
               for s in (fit_calls[0].sampler, fit_calls[1].dataset.sampler, fit_calls[2].sampler))


def test_every_scored_network_gets_the_same_labelled_budget(tiny_data, fit_calls):
    """Issue item 5: baseline, teacher (warm-up + phase) and student fine-tune: N labelled steps, same lr."""
    cfg = resolve(abaw6_exp.Config, abaw6_exp.PROFILES, "default")
    n, images = cfg.labelled_steps, cfg.labelled_steps * cfg.batch_size
    for row in abaw6_exp.ROWS:
        b = abaw6.labelled_budget(row, cfg)
        teacher = b["teacher_warmup"] + b["teacher_student"]
        assert (b["baseline"], teacher) == ((n, 0) if not row.ssl else (0, n)), row.row
        assert b["student_labelled_images"] == (0 if row.row == "finetune_off" else images), row.row
    assert abaw6.labelled_budget(ROWS["warmup_off"], cfg)["teacher_student"] == n
    tiny = _tiny()
    abaw6.train_spatial(ROWS["baseline"], tiny, tiny_data, 0, "cpu")
    abaw6.train_spatial(ROWS["ssl_all"], tiny, tiny_data, 0, "cpu")
    base, warm, phase, finetune = fit_calls
    assert base.max_steps == finetune.max_steps == warm.max_steps + phase.max_steps == tiny.labelled_steps
    lr = lambda opt: opt.param_groups[0]["initial_lr"]  # noqa: E731
    assert lr(base.optimizers) == lr(finetune.optimizers) == lr(phase.optimizers["teacher"]) == tiny.teacher_lr
    assert lr(phase.optimizers["student"]) == pytest.approx(tiny.teacher_lr / 10)   # the paper's 10:1
    assert phase.optimizers["teacher"] is warm.optimizers                            # one teacher schedule


def test_temporal_stage_is_class_weighted_and_frame_level_sees_as_many_frames(tiny_data, fit_calls):
    """Bug 3: phase 2 trains with the inverse-frequency class weights of the labelled frames."""
    cfg = _tiny()
    student = abaw6.make_classifier(cfg)
    abaw6.train_temporal(student, cfg, tiny_data, 0, "cpu", context=True)
    abaw6.train_temporal(student, cfg, tiny_data, 0, "cpu", context=False)
    expected = inverse_frequency_weights(tiny_data.labelled.labels, abaw6.K)
    for call in fit_calls:
        assert torch.allclose(call.method.class_weights, expected)
    windows, frames = fit_calls
    assert windows.dataset.window == cfg.temporal_window and frames.dataset.window == 1
    assert windows.batch_size * cfg.temporal_window == frames.batch_size or len(frames.dataset) < frames.batch_size


def test_validation_set_has_every_class_in_enough_clips(tiny_data):
    counts = abaw6.clips_per_class(tiny_data.evaluation.labels, tiny_data.evaluation_video)
    assert counts.min() >= 1 and counts.sum() >= len(np.unique(tiny_data.evaluation_video))
    assert list(abaw6.clips_per_class(np.array([0, 0, 1, 1, 1]), np.array([5, 5, 5, 6, 6]))) == [1, 2, 0, 0, 0, 0, 0, 0]
    with pytest.raises(ValueError, match="val_min_clips_per_class"):
        abaw6.load_data(dataclasses.replace(_tiny(), val_min_clips_per_class=10_000))


def test_saved_student_predicts_as_the_protocol_evaluates(tiny_data, tmp_path):
    """save_student -> fer-book predict's loader: the same probabilities as the protocol's evaluation view
    (centre crop, signed scaling) through the trained network."""
    from fer_lib.data.labels import AFFWILD2_8
    from fer_lib.predict.classifier import load_classifier

    cfg = dataclasses.replace(_tiny(), crop_fraction=0.75)
    torch.manual_seed(0)
    student = abaw6.make_classifier(cfg)
    student.train()(torch.randn(4, 3, cfg.image_size, cfg.image_size))   # BatchNorm statistics off their init
    student.eval()
    row = ROWS["ssl_all"]
    tiny_data.trained[(row.spatial, 7)] = {"student": student}
    path = abaw6.save_student(tiny_data, row, 7, cfg, tmp_path)
    assert path.name == "ssl_all-seed7.pt"
    classifier = load_classifier(path)
    assert classifier.classes == AFFWILD2_8 and classifier.size == cfg.image_size
    crops = torch.randint(0, 256, (5, cfg.image_size, cfg.image_size, 3), dtype=torch.uint8,
                          generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = student(abaw6.evaluation_view(cfg)(crops.permute(0, 3, 1, 2))).softmax(-1).numpy()
    np.testing.assert_allclose(classifier.probabilities(crops.numpy()), expected, atol=1e-5)
