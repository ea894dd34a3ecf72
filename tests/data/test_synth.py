"""The synthetic generator: determinism, label/render consistency, splits, domains, cache, oracle."""

import dataclasses

import numpy as np
import pytest

from fer_lib.data import labels
from fer_lib.data.synth import (DOMAINS, SynthConfig, class_frequencies, clip_factors, identity_of, load_synth,
                                prototype, render_frame, swap_frame)
from fer_lib.data.synth.domains import Domain
from fer_lib.data.synth import cache as synth_cache
from fer_lib.data.synth.landmarks import N_LANDMARKS

SMALL = SynthConfig(domain="vox", n_identities=6, clips_per_identity=2, frames_per_clip=12, size=32, seed=3)


@pytest.fixture(scope="module")
def small():
    return load_synth(SMALL, cache=False)


def test_same_seed_same_bytes_different_seed_different(small):
    again = load_synth(SMALL, cache=False)
    assert again.frames.tobytes() == small.frames.tobytes()
    assert np.array_equal(again.landmarks, small.landmarks) and np.array_equal(again.expression, small.expression)
    other = load_synth(dataclasses.replace(SMALL, seed=4), cache=False)
    assert other.frames.shape == small.frames.shape
    assert np.mean(other.frames != small.frames) > 0.5


def test_worker_processes_give_identical_bytes(small):
    assert load_synth(SMALL, workers=2, cache=False).frames.tobytes() == small.frames.tobytes()


def test_shapes_and_dtypes(small):
    n, T, S = SMALL.n_clips, SMALL.frames_per_clip, SMALL.size
    assert small.frames.shape == (n, T, S, S, 3) and small.frames.dtype == np.uint8
    assert small.landmarks.shape == (n, T, 68, 2) and small.landmarks.dtype == np.float32
    assert small.expression.shape == (n, T) and small.expression.dtype == np.int64
    assert small.pose.shape == (n, T, 3) and small.gaze.shape == (n, T, 2)
    for name in ("intensity", "valence", "arousal", "blink"):
        assert getattr(small, name).shape == (n, T) and getattr(small, name).dtype == np.float32
    assert small.identity.tolist() == [i // 2 for i in range(n)]
    assert small.classes == labels.SYNTH_8


def test_cache_renders_once_and_memory_maps(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path))
    first = load_synth(SMALL)
    assert isinstance(first.frames, np.memmap)
    folders = list((tmp_path / "synth").iterdir())
    assert [f.name for f in folders] == [f"vox-{SMALL.key()}"]

    def fail(*args, **kwargs):
        raise AssertionError("a cached set must not be rendered again")

    monkeypatch.setattr(synth_cache, "render_into", fail)
    second = load_synth(SMALL)
    assert np.array_equal(np.asarray(second.frames), np.asarray(first.frames))
    assert SMALL.key() != dataclasses.replace(SMALL, size=48).key()


def test_splits_are_identity_disjoint():
    cfg = SynthConfig(n_identities=23, clips_per_identity=3, frames_per_clip=4, size=32)
    v = load_synth(cfg, cache=False)
    ids = {s: set(v.identity[v.split == s].tolist()) for s in ("train", "val", "test")}
    assert all(ids.values())
    assert not (ids["train"] & ids["val"] or ids["train"] & ids["test"] or ids["val"] & ids["test"])
    assert set().union(*ids.values()) == set(range(23))
    # floor(0.7 * 23) = 16, floor(0.15 * 23) = 3 twice; the one left over goes to the largest fraction
    assert [len(ids[s]) for s in ("train", "val", "test")] == [17, 3, 3]


def test_apex_frames_carry_the_episode_expression():
    cfg = SynthConfig(domain="balanced", n_identities=30, clips_per_identity=2, frames_per_clip=24)
    for c in range(cfg.n_clips):
        idt = identity_of(cfg, c // 2)
        f = clip_factors(cfg, c, idt)
        apex = f.phase == 2
        name = cfg.domain_preset.classes[f.clip_label]
        if name == "neutral":
            assert not apex.any() and (f.expression == 0).all()
            continue
        assert apex.any() and (f.expression[apex] == f.clip_label).all()
        expr_aus = f.aus[apex] - idt.resting_aus                    # [n_apex, A]
        proto = prototype(name)
        cos = expr_aus @ proto / (np.linalg.norm(expr_aus, axis=1) * np.linalg.norm(proto))
        assert cos.min() > 0.999
        assert np.allclose(f.intensity[apex], f.intensity[apex][0])  # flat apex


def test_long_clips_hold_a_sequence_of_episodes():
    cfg = SynthConfig(domain="affwild2", n_identities=12, clips_per_identity=1, frames_per_clip=160)
    cap = cfg.domain_preset.max_episode_frames
    n_onsets = []
    for c in range(cfg.n_clips):
        f = clip_factors(cfg, c)
        starts = np.flatnonzero(np.diff(np.concatenate([[0], (f.phase == 1).astype(int)])) == 1)  # onset starts
        n_onsets.append(len(starts))
        runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], (f.intensity > 0).astype(int), [0]]))))[::2]
        assert runs.max(initial=0) <= cap + 1
    assert max(n_onsets) >= 3 and np.mean(n_onsets) > 2


def test_lab_sequences_start_neutral_and_end_at_apex():
    cfg = SynthConfig(domain="lab", n_identities=10, clips_per_identity=2, frames_per_clip=10)
    for c in range(cfg.n_clips):
        f = clip_factors(cfg, c)
        assert f.expression[0] == 0 and f.intensity[0] == 0
        assert f.phase[-1] == 2 and f.expression[-1] == f.clip_label != 0


def test_expression_changes_pixels_around_the_face_only():
    idt = identity_of(SMALL, 0)
    neutral, marks = render_frame(idt, idt.resting_aus, size=64)
    surprise, marks2 = render_frame(idt, idt.resting_aus + prototype("surprise"), size=64)
    diff = np.abs(surprise.astype(int) - neutral.astype(int)).sum(-1) > 30     # [H, W]
    assert diff.sum() > 40
    both = np.concatenate([marks, marks2])
    (x0, y0), (x1, y1) = both.min(0), both.max(0)
    ys, xs = np.nonzero(diff)
    assert xs.min() >= x0 - 2 and xs.max() <= x1 + 2 and ys.min() >= y0 - 6 and ys.max() <= y1 + 2


def test_landmarks_inside_the_frame_in_every_domain():
    for name in DOMAINS:
        v = load_synth(SynthConfig(domain=name, n_identities=8, clips_per_identity=2, frames_per_clip=8, size=32),
                       cache=False)
        assert v.landmarks.min() >= 0 and v.landmarks.max() <= 31, name


def test_landmarks_follow_pose_and_the_rendered_face():
    idt = identity_of(SMALL, 1)
    nose = {yaw: render_frame(idt, idt.resting_aus, pose=(yaw, 0, 0), size=64)[1][30, 0] for yaw in (-20, 0, 20)}
    assert nose[-20] < nose[0] - 2 < nose[20] - 4
    up = render_frame(idt, idt.resting_aus, pose=(0, 15, 0), size=64)[1][30, 1]
    down = render_frame(idt, idt.resting_aus, pose=(0, -15, 0), size=64)[1][30, 1]
    assert up < down - 2
    img, marks = render_frame(idt, idt.resting_aus, pose=(15, -5, 3), size=64)
    bg = img[0, 0].astype(int)
    inner = np.round(marks[17:]).astype(int)                          # brows, nose, eyes, mouth
    on_face = np.abs(img[inner[:, 1], inner[:, 0]].astype(int) - bg).sum(-1) > 20
    assert on_face.mean() > 0.95
    assert marks.shape == (N_LANDMARKS, 2)


@pytest.mark.slow
def test_domain_priors_are_what_they_claim():
    for name in ("vox", "affectnet", "affwild2", "lab"):
        dom = DOMAINS[name]
        clips, frames = class_frequencies(SynthConfig(domain=name, frames_per_clip=4), 1000)
        assert np.abs(clips - np.asarray(dom.priors)).max() < 0.045, name
        assert frames[dom.classes.index("neutral")] > clips[dom.classes.index("neutral")]   # onsets, offsets
    assert DOMAINS["vox"].prior("neutral") > 0.5
    aff = DOMAINS["affectnet"]
    assert aff.prior("happy") == max(aff.priors) and aff.prior("contempt") < 0.03 and aff.prior("disgust") < 0.03
    assert DOMAINS["affwild2"].classes == labels.AFFWILD2_8 and DOMAINS["affwild2"].prior("other") > 0.2
    assert DOMAINS["rafdb"].classes == labels.SYNTH_8[:7]


def test_domains_shift_appearance():
    small = dict(n_identities=4, clips_per_identity=2, frames_per_clip=2, size=32)
    fer = load_synth(SynthConfig(domain="fer2013", **small), cache=False).frames.astype(int)
    assert np.abs(fer[..., 0] - fer[..., 1]).max() <= 1 and np.abs(fer[..., 1] - fer[..., 2]).max() <= 1
    lab = load_synth(SynthConfig(domain="lab", **small), cache=False).frames.astype(int)
    vox = load_synth(SynthConfig(domain="vox", **small), cache=False).frames.astype(int)
    corner_sat = lambda f: np.ptp(f[:, :, :3, :3].reshape(-1, 3), axis=-1).mean()  # noqa: E731
    assert corner_sat(lab) < 8 < corner_sat(vox)


def test_swap_oracle_reproduces_a_frame_and_transfers_expression(small):
    img, marks = swap_frame(small, 2, 5, 2, 5)
    assert np.allclose(marks, small.landmarks[2, 5], atol=1e-4)
    assert np.abs(img.astype(int) - small.frames[2, 5].astype(int)).mean() < 6   # differs by noise draw only
    _, swapped = swap_frame(small, 0, 0, 5, 3)
    assert np.allclose(swapped[:17, 0], small.landmarks[5, 3, :17, 0], atol=3)  # B's face outline and pose


def test_domain_presets_are_validated():
    with pytest.raises(ValueError, match="priors must be >= 0 and sum to 1"):
        Domain("x", "", ("neutral", "happy"), (0.5, 0.6))
    with pytest.raises(ValueError, match="below the label threshold"):
        Domain("x", "", ("neutral", "happy"), (0.5, 0.5), intensity=(0.1, 1.0))
    with pytest.raises(KeyError, match="unknown synthetic domain 'nope'"):
        SynthConfig(domain="nope")
    with pytest.raises(ValueError, match="size must be within"):
        SynthConfig(size=512)


def test_expression_grid_and_render_speed():
    from fer_lib.data.synth import STATES, expression_grid, render_speed

    grid = expression_grid(SMALL, [0, 1], STATES, size=32)
    assert grid.shape == (2, len(STATES), 32, 32, 3) and grid.dtype == np.uint8
    assert np.array_equal(grid[0, 0], render_frame(identity_of(SMALL, 0), identity_of(SMALL, 0).resting_aus,
                                                   size=32)[0])
    assert np.abs(grid[:, 1].astype(int) - grid[:, 0].astype(int)).sum() > 0      # happy differs from neutral
    wall, cpu = render_speed(dataclasses.replace(SMALL, n_identities=2), workers=1)
    assert wall > 0 and cpu > 0
