"""Rendering with numpy + OpenCV: polygons drawn on a supersampled canvas, area-downsampled, then
per-clip lighting, colour cast, blur, noise (and grayscale / low native resolution per domain).

``render_clip`` draws the frames of one clip from its identity, per-frame factors and scene;
``render_frame`` draws one frame from explicit factors (the FaceSwap oracle: identity B, expression
AUs of A, pose of B).
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import cv2
import numpy as np

from fer_lib.data.synth import landmarks as lm
from fer_lib.data.synth.domains import Domain
from fer_lib.data.synth.expression import AU_INDEX
from fer_lib.data.synth.identity import HAIR_STYLES, Identity


@dataclass(frozen=True)
class Scene:
    """Per-clip appearance: background gradient, directional light, colour cast, blur and noise."""

    bg_top: tuple[float, float, float]
    bg_bottom: tuple[float, float, float]
    light_angle: float        # radians, direction the light comes from in the image plane
    light_strength: float
    brightness: float
    cast: tuple[float, float, float]
    blur_sigma: float         # pixels at 64 px output
    noise_sigma: float        # grey levels


def sample_scene(rng: np.random.Generator, domain: Domain) -> Scene:
    hue, sat, val = rng.uniform(), rng.uniform(*domain.bg_saturation), rng.uniform(*domain.bg_value)
    top = np.array(colorsys.hsv_to_rgb(hue, sat, val)) * 255
    bottom = np.array(colorsys.hsv_to_rgb((hue + rng.uniform(-0.1, 0.1)) % 1, sat, val * rng.uniform(0.6, 1.0))) * 255
    return Scene(tuple(top.tolist()), tuple(bottom.tolist()), rng.uniform(0, 2 * np.pi),
                 rng.uniform(*domain.light_strength), rng.uniform(*domain.brightness),
                 tuple((1 + rng.uniform(-domain.color_cast, domain.color_cast, 3)).tolist()),
                 rng.uniform(*domain.blur_sigma), rng.uniform(*domain.noise_sigma))


def supersample(size: int) -> int:
    """Canvas supersampling factor for a render size (4x up to 64 px, 3x to 128 px, then 2x)."""
    return 4 if size <= 64 else 3 if size <= 128 else 2


def _mix(a, b, t: float) -> tuple[float, float, float]:
    t = float(min(max(t, 0.0), 1.0))
    return tuple(float(x) * (1 - t) + float(y) * t for x, y in zip(a, b))


def _poly(img, pts, color) -> None:
    cv2.fillPoly(img, [pts], color)


def _clipped(img, shape, region, color) -> None:
    """Fill the intersection of two convex polygons (float32 [N, 2]), e.g. an iris clipped by the eyelids."""
    area, inter = cv2.intersectConvexConvex(shape, region)
    if area > 1.0 and inter is not None:
        cv2.fillPoly(img, [np.round(inter.reshape(-1, 2)).astype(np.int32)], color)


_CIRCLE = np.stack([np.cos(np.linspace(0, 2 * np.pi, 16, endpoint=False)),
                    np.sin(np.linspace(0, 2 * np.pi, 16, endpoint=False))], 1).astype(np.float32)


def draw_face(canvas: np.ndarray, p: np.ndarray, idt: Identity, aus: np.ndarray, unit: float) -> None:
    """Draw one face in place. canvas uint8 [H, W, 3]; p float32 [P, 2] canvas pixels; unit = px per face unit."""
    q = np.round(p).astype(np.int32)
    skin, hair = idt.skin, idt.hair
    shadow = _mix(skin, (40, 20, 15), 0.35)
    style = HAIR_STYLES[idt.hair_style]
    au = lambda name: float(aus[AU_INDEX[name]])  # noqa: E731
    th = lambda k: max(1, int(round(k * unit)))  # noqa: E731

    if style == "long":
        _poly(canvas, np.concatenate([q[lm.HAIR_SIDE[1:]], q[lm.HAIR_OUT], q[lm.HAIR_SIDE[:1]]]), hair)
    for e in lm.EARS:
        cv2.ellipse(canvas, tuple(q[e]), (th(0.13), th(0.24)), 0, 0, 360, _mix(skin, shadow, 0.3), -1)
    _poly(canvas, q[lm.NECK], _mix(skin, shadow, 0.5))
    if style != "bald":
        _poly(canvas, q[lm.HAIR_OUT], hair)
    _poly(canvas, np.concatenate([q[0:17], q[lm.SKULL]]), skin)
    if style != "bald":
        _poly(canvas, np.concatenate([q[lm.HAIR_OUT], q[lm.HAIRLINE]]), hair)
    if idt.beard:
        beard = _mix(hair, (0, 0, 0), 0.15)
        _poly(canvas, np.concatenate([q[2:15], q[[54, 55, 56, 57, 58, 59, 48]]]), beard)
        _poly(canvas, np.concatenate([q[48:55], q[[35, 34, 33, 32, 31]]]), beard)
    # expression folds: nasolabial (AU6/AU10/AU12), brow furrow (AU4), nose wrinkle (AU9)
    fold = _mix(skin, shadow, 0.15 + 0.9 * min(1.0, au("AU6") + au("AU12") + au("AU10") + au("AU12R")))
    for a, b, side in ((31, 48, -1), (35, 54, 1)):
        start = p[a] + np.array([side * 0.12 * unit, -0.02 * unit])
        end = p[b] + np.array([side * 0.1 * unit, 0.04 * unit])
        cv2.line(canvas, tuple(np.round(start).astype(int)), tuple(np.round(end).astype(int)), fold, th(0.035))
    if au("AU4") > 0.05:
        col = _mix(skin, shadow, 1.2 * au("AU4"))
        for src in (21, 22):
            top = p[src] + (p[27] - p[src]) * 0.45
            cv2.line(canvas, tuple(np.round(top).astype(int)),
                     tuple(np.round(top + np.array([0, 0.12 * unit])).astype(int)), col, th(0.03))
    if au("AU9") > 0.05:
        col = _mix(skin, shadow, 1.2 * au("AU9"))
        for side in (-1, 1):
            c = p[28] + np.array([side * 0.09 * unit, 0])
            cv2.line(canvas, tuple(np.round(c - [0.05 * unit, 0]).astype(int)),
                     tuple(np.round(c + [0.05 * unit, 0.02 * unit]).astype(int)), col, th(0.025))
    brow = _mix(hair, (0, 0, 0), 0.25)
    cv2.polylines(canvas, [q[17:22], q[22:27]], False, brow, th(0.06 * idt.brow_thickness))
    # eyes: sclera, iris + pupil clipped by the lids, lash line
    iris_r = 0.075 * idt.eye_size * unit
    for eye, pupil in ((slice(36, 42), lm.PUPILS[0]), (slice(42, 48), lm.PUPILS[1])):
        region = p[eye].astype(np.float32)
        if cv2.contourArea(region) > 2.0:
            _poly(canvas, q[eye], (236, 234, 228))
            _clipped(canvas, p[pupil] + _CIRCLE * iris_r, region, idt.iris)
            _clipped(canvas, p[pupil] + _CIRCLE * iris_r * 0.45, region, (12, 10, 10))
        ids = [eye.start, eye.start + 1, eye.start + 2, eye.start + 3]
        cv2.polylines(canvas, [q[ids]], False, (30, 22, 20), th(0.03))
    # nose
    cv2.polylines(canvas, [q[27:31]], False, _mix(skin, shadow, 0.5), th(0.025))
    cv2.polylines(canvas, [q[31:36]], False, _mix(skin, shadow, 0.9), th(0.03))
    # mouth: lips, open mouth interior and teeth
    _poly(canvas, q[48:60], idt.lip)
    inner = p[60:68].astype(np.float32)
    if cv2.contourArea(inner) > 4.0:
        _poly(canvas, q[60:68], (55, 18, 22))
        teeth = np.concatenate([p[60:65], p[64:59:-1] + np.array([0, 0.07 * unit])]).astype(np.float32)
        _clipped(canvas, teeth, inner, (238, 236, 225))
    cv2.polylines(canvas, [q[60:65]], False, _mix(idt.lip, (0, 0, 0), 0.5), th(0.02))
    if idt.glasses:
        for c in (np.mean(p[36:42], 0), np.mean(p[42:48], 0)):
            cv2.ellipse(canvas, tuple(np.round(c).astype(int)), (th(0.24), th(0.17)), 0, 0, 360,
                        idt.glasses_color, th(0.035))
        cv2.line(canvas, tuple(q[39]), tuple(q[42]), idt.glasses_color, th(0.035))


def _background(scene: Scene, size: int) -> np.ndarray:
    """Vertical gradient [size, size, 3] uint8."""
    w = np.linspace(0, 1, size, dtype=np.float32)[:, None, None]
    bg = np.asarray(scene.bg_top, np.float32) * (1 - w) + np.asarray(scene.bg_bottom, np.float32) * w
    return np.ascontiguousarray(np.broadcast_to(bg, (size, size, 3)), dtype=np.uint8)


def _noise(rng: np.random.Generator, shape: tuple[int, ...], sigma: float) -> np.ndarray:
    """Zero-mean pixel noise float32 [shape] with standard deviation ``sigma``.

    Triangular (the sum of two uniform bytes), which is close to Gaussian and ~4x cheaper to draw
    than ``standard_normal``: noise is a large share of the rendering time.
    """
    n = int(np.prod(shape))
    pair = np.frombuffer(rng.bytes(2 * n), np.uint8).reshape(2, *shape)
    noise = pair[0].astype(np.float32)
    noise += pair[1]
    noise -= 255.0
    noise *= sigma / np.float32(np.sqrt(2 * (256 ** 2 - 1) / 12))   # std of a sum of two uniform bytes
    return noise


def _finish(frames: np.ndarray, scene: Scene, domain: Domain, size: int, rng: np.random.Generator) -> np.ndarray:
    """Lighting, cast, blur, resize to ``size``, noise, grayscale: uint8 [T, r, r, 3] -> uint8 [T, size, size, 3]."""
    T, r = frames.shape[0], frames.shape[1]
    yy, xx = np.mgrid[0:r, 0:r].astype(np.float32) / max(r - 1, 1) - 0.5
    shade = 1 + scene.light_strength * (xx * np.cos(scene.light_angle) + yy * np.sin(scene.light_angle)) * 2
    gain = (shade[..., None] * scene.brightness * np.asarray(scene.cast, np.float32)).astype(np.float32)
    out = frames.astype(np.float32)
    out *= gain                                                                      # [T, r, r, 3]
    sigma = scene.blur_sigma * r / 64
    if sigma > 0.15:
        for f in out:
            cv2.GaussianBlur(f, (0, 0), sigma, dst=f)
    if r != size:
        interp = cv2.INTER_AREA if r > size else cv2.INTER_LINEAR
        out = np.stack([cv2.resize(f, (size, size), interpolation=interp) for f in out])
    if domain.grayscale:
        grey = out @ np.array([0.299, 0.587, 0.114], np.float32)                         # [T, size, size]
        grey += _noise(rng, grey.shape, scene.noise_sigma)
        out = np.repeat(grey[..., None], 3, axis=-1)
    else:
        out += _noise(rng, out.shape, scene.noise_sigma)
    out += 0.5
    np.clip(out, 0, 255, out=out)
    return out.astype(np.uint8)


def render_points(idt: Identity, aus, blink, gaze, pose, centre, scale, size: int) -> np.ndarray:
    """Pixel points [T, P, 2] of a clip in a ``size`` frame (the first 68 are the landmark labels).

    Pixel-index convention (dlib, OpenCV drawing): the centre of pixel i is at coordinate i, so a
    point at continuous position u (pixel i spans [i, i+1)) is at u - 0.5. With this convention the
    area downsampling from the supersampled canvas and the final resize preserve positions.
    """
    pts = lm.face_points(idt, aus, blink, gaze)
    return lm.project(pts, pose, size, centre, scale) - 0.5


def render_clip(idt: Identity, aus: np.ndarray, blink: np.ndarray, gaze: np.ndarray, pose: np.ndarray,
                centre: np.ndarray, scale: np.ndarray, scene: Scene, domain: Domain, size: int,
                rng: np.random.Generator) -> np.ndarray:
    """Frames uint8 [T, size, size, 3] (RGB) of one clip; per-frame arrays have leading dim T."""
    r = domain.native_size or size
    ss = supersample(r)
    big = r * ss
    pts = render_points(idt, aus, blink, gaze, pose, centre, scale, big)   # [T, P, 2] canvas px
    unit = lm.FACE_SCALE * big * np.asarray(scale, np.float32)           # [T]
    bg = _background(scene, big)
    canvas = np.empty_like(bg)
    frames = np.empty((len(pts), r, r, 3), np.uint8)
    for k in range(len(pts)):
        np.copyto(canvas, bg)
        draw_face(canvas, pts[k], idt, aus[k], float(unit[k]))
        frames[k] = cv2.resize(canvas, (r, r), interpolation=cv2.INTER_AREA)
    return _finish(frames, scene, domain, size, rng)


def render_frame(identity: Identity, aus: np.ndarray, pose=(0.0, 0.0, 0.0), gaze=(0.0, 0.0), blink: float = 0.0,
                 scene: Scene | None = None, domain: Domain | None = None, size: int = 64,
                 centre=lm.FACE_CENTRE, scale: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One frame from explicit factors: (image uint8 [size, size, 3], landmarks float32 [68, 2]).

    aus [A] (add ``identity.resting_aus`` yourself for the identity's resting face), pose (yaw, pitch, roll)
    degrees, gaze (pitch, yaw) radians. ``scene``/``domain`` default to a plain grey studio scene with
    no blur or noise, so two calls differ only by the factors passed.
    """
    from fer_lib.data.synth.domains import get_domain

    domain = domain or get_domain("lab")
    scene = scene or Scene((150, 150, 150), (120, 120, 120), 0.0, 0.0, 1.0, (1.0, 1.0, 1.0), 0.0, 0.0)
    one = lambda x, n: np.asarray(x, np.float32).reshape(1, n)  # noqa: E731
    args = (one(aus, -1), one(blink, 1)[:, 0], one(gaze, 2), one(pose, 3), one(centre, 2), one(scale, 1)[:, 0])
    img = render_clip(identity, *args, scene, domain, size, np.random.default_rng(seed))[0]
    marks = render_points(identity, *args, size)[0, : lm.N_LANDMARKS]
    return img, marks
