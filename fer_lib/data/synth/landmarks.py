"""A 3-D face rig in dlib's 68-point convention: identity -> neutral points, AUs -> displacements,
blink and gaze, then head pose and a weak-perspective projection to pixels.

Face units: origin at the face centre, x to the image right, y down, z towards the camera; the face
half-width is ~1. Point order is dlib's: 0-16 jaw (image left -> right), 17-21 right brow,
22-26 left brow, 27-30 nose bridge, 31-35 nostrils, 36-41 right eye, 42-47 left eye, 48-59 outer lip,
60-67 inner lip ("right" = the subject's right = image left). Extra points after index 67 (skull,
hair, pupils, neck, ears) drive the renderer only and are never part of the 68-point labels.

Pose convention (degrees): yaw > 0 turns the face towards the image right (the nose tip moves right),
pitch > 0 tilts it up (the nose tip moves up), roll > 0 rotates it clockwise in the image.
Gaze (radians, eye-in-head): yaw > 0 looks towards the image right, pitch > 0 looks up.
"""

from __future__ import annotations

import numpy as np

from fer_lib.data.synth.expression import AU_INDEX, N_AUS
from fer_lib.data.synth.identity import HAIR_STYLES, Identity

N_LANDMARKS = 68
SKULL = np.arange(68, 79)       # 11 points over the top of the head
HAIR_OUT = np.arange(79, 92)    # 13 points: hair outline, temple to temple
HAIR_SIDE = np.arange(92, 94)   # 2 points: bottom of long hair (left, right)
HAIRLINE = np.arange(94, 101)   # 7 points: hairline, left temple -> right temple
PUPILS = np.arange(101, 103)    # right eye, left eye
NECK = np.arange(103, 107)      # 4 points: neck quad
EARS = np.arange(107, 109)      # ear centres (left, right)
N_POINTS = 109
REGIONS = {
    "jaw": range(0, 17), "right_brow": range(17, 22), "left_brow": range(22, 27), "nose_bridge": range(27, 31),
    "nostrils": range(31, 36), "right_eye": range(36, 42), "left_eye": range(42, 48),
    "outer_lip": range(48, 60), "inner_lip": range(60, 68),
}
EYE_Y = -0.2
FACE_SCALE = 0.3   # face half-width as a fraction of the frame size
FACE_CENTRE = (0.5, 0.47)


def neutral_points(idt: Identity) -> np.ndarray:
    """Neutral 3-D points [P, 3] of an identity (P = N_POINTS)."""
    p = np.zeros((N_POINTS, 3), np.float32)
    w, hl, ht = idt.face_width, 1.25 * idt.face_height, 1.2 * idt.face_height
    th = np.pi + 0.25 - np.arange(17) * (np.pi + 0.5) / 16
    s, c = np.sin(th), np.cos(th)
    p[0:17, 0] = w * c
    p[0:17, 1] = np.where(s > 0, hl * np.abs(s) ** idt.jaw_power, hl * s)
    p[0:17, 2] = -0.25 + 0.4 * (1 - np.abs(c))
    # brows
    u = np.linspace(0, 1, 5)
    es = idt.eye_spacing
    by = EYE_Y - idt.brow_height - idt.brow_arch * np.sin(np.pi * u)
    p[17:22, 0], p[17:22, 1] = -es - 0.30 + 0.52 * u, by
    p[22:27, 0], p[22:27, 1] = es - 0.22 + 0.52 * u, by[::-1]
    p[17:27, 2] = 0.35
    # nose
    nl, nw = idt.nose_length, idt.nose_width
    p[27:31, 1] = EYE_Y + np.arange(4) / 3 * 0.46 * nl
    p[27:31, 2] = [0.42, 0.5, 0.6, 0.72]
    p[31:36, 0] = np.array([-0.17, -0.09, 0, 0.09, 0.17]) * nw
    p[31:36, 1] = EYE_Y + 0.52 * nl + np.array([0, 0.03, 0.045, 0.03, 0])
    p[31:36, 2] = [0.45, 0.53, 0.58, 0.53, 0.45]
    # eyes
    ew, eu, el = 0.17 * idt.eye_size, 0.085 * idt.eye_size, 0.06 * idt.eye_size
    shape = np.array([[-ew, 0], [-ew / 3, -eu], [ew / 3, -eu], [ew, 0], [ew / 3, el], [-ew / 3, el]])
    p[36:42, :2] = shape + [-es, EYE_Y]
    p[42:48, :2] = shape + [es, EYE_Y]
    p[36:48, 2] = 0.33
    # mouth
    mw, ul, ll, my = 0.36 * idt.mouth_width, 0.07 * idt.lip_thickness, 0.09 * idt.lip_thickness, idt.mouth_y
    outer = np.array([[-1, 0], [-.6, -.9], [-.22, -1.05], [0, -.85], [.22, -1.05], [.6, -.9], [1, 0],
                      [.6, .9], [.22, 1], [0, 1.02], [-.22, 1], [-.6, .9]], np.float32)
    outer[:, 0] *= mw
    outer[:7, 1] *= ul
    outer[7:, 1] *= ll
    p[48:60, :2] = outer + [0, my]
    inner = np.array([[-.85, 0], [-.3, -.1], [0, -.1], [.3, -.1], [.85, 0], [.3, .1], [0, .1], [-.3, .1]])
    p[60:68, :2] = inner * [mw, 0.1] + [0, my]
    p[48:68, 2] = 0.45 - 0.25 * (p[48:68, 0] / mw) ** 2
    # skull and hair
    th = -0.25 - np.arange(1, 12) * (np.pi - 0.5) / 12
    p[SKULL, 0], p[SKULL, 1], p[SKULL, 2] = w * np.cos(th), ht * np.sin(th), -0.1 + 0.2 * np.sin(-th)
    vol = 1 + idt.hair_volume * (1.8 if HAIR_STYLES[idt.hair_style] == "curly" else 1.0)
    th = -0.25 - np.arange(13) * (np.pi - 0.5) / 12
    p[HAIR_OUT, 0], p[HAIR_OUT, 1], p[HAIR_OUT, 2] = vol * w * np.cos(th), vol * ht * np.sin(th) - 0.04, -0.2
    p[HAIR_SIDE] = [[-w * (vol + 0.05), 1.35, -0.3], [w * (vol + 0.05), 1.35, -0.3]]
    phi = np.linspace(np.pi, 0, 7)
    top = idt.hairline + (0.25 if HAIR_STYLES[idt.hair_style] == "bald" else 0.0)
    p[HAIRLINE, 0] = 0.97 * w * np.cos(phi)
    p[HAIRLINE, 1] = -0.3 - (top - 0.3) * np.sin(phi) ** 0.6
    if HAIR_STYLES[idt.hair_style] == "side_part":
        p[HAIRLINE[1:4], 1] += [0.06, 0.1, 0.05]
    p[HAIRLINE, 2] = 0.2
    p[PUPILS, 0], p[PUPILS, 1], p[PUPILS, 2] = [-es, es], EYE_Y, 0.36
    p[NECK] = [[-0.45 * w, 0.9 * hl, -0.4], [0.45 * w, 0.9 * hl, -0.4], [0.6 * w, 2.2, -0.4], [-0.6 * w, 2.2, -0.4]]
    p[EARS] = [[-w * 1.0, -0.05, -0.35], [w * 1.0, -0.05, -0.35]]
    return p


# AU -> {point indices: (dx, dy)} in face units (mouth moves scale with the mouth width).
_AU_MOVES: dict[str, list[tuple[tuple[int, ...], float, float]]] = {
    "AU1": [((21, 22), 0, -.10), ((20, 23), 0, -.07), ((19, 24), 0, -.03)],
    "AU2": [((17, 26), 0, -.10), ((18, 25), 0, -.08), ((19, 24), 0, -.05)],
    "AU4": [((21,), .05, .09), ((22,), -.05, .09), ((20, 23), 0, .07), ((17, 18, 19, 24, 25, 26), 0, .04)],
    "AU5": [((37, 38, 43, 44), 0, -.045)],
    "AU6": [((40, 41, 46, 47), 0, -.03), ((48, 54), 0, -.01)],
    "AU7": [((40, 41, 46, 47), 0, -.035), ((37, 38, 43, 44), 0, .015)],
    "AU9": [((31, 32, 33, 34, 35), 0, -.04), ((21, 22), 0, .04), ((50, 51, 52, 61, 62, 63), 0, -.03)],
    "AU10": [((50, 51, 52, 61, 62, 63), 0, -.07), ((49, 53), 0, -.05), ((48, 54, 60, 64), 0, -.01)],
    "AU12": [((48, 60), -.09, -.08), ((54, 64), .09, -.08), ((49, 59), -.04, -.03), ((53, 55), .04, -.03),
             ((61, 67), -.02, -.01), ((63, 65), .02, -.01)],
    "AU14": [((48, 60), -.025, -.015), ((54, 64), .025, -.015)],
    "AU15": [((48, 54, 60, 64), 0, .08), ((49, 53, 55, 59), 0, .03)],
    "AU20": [((48, 60), -.11, .02), ((54, 64), .11, .02), ((49, 59), -.05, 0), ((53, 55), .05, 0),
             ((56, 57, 58), 0, -.01)],
    "AU23": [((48, 60), .06, 0), ((54, 64), -.06, 0), ((49, 50, 51, 52, 53), 0, .025),
             ((55, 56, 57, 58, 59), 0, -.025)],
    "AU25": [((65, 66, 67), 0, .07), ((55, 56, 57, 58, 59), 0, .04), ((61, 62, 63), 0, -.01)],
    "AU26": [((55, 56, 58, 59), 0, .13), ((57,), 0, .15), ((65, 66, 67), 0, .16), ((48, 54), 0, .04),
             ((60, 64), 0, .05), ((7, 8, 9), 0, .16), ((6, 10), 0, .12), ((5, 11), 0, .08), ((4, 12), 0, .04)],
    "AU12R": [((54, 64), .09, -.09), ((53, 55), .04, -.03), ((63, 65), .02, -.01)],
    "AU14R": [((54, 64), .03, -.02)],
}
# Overall AU amplitude: 1.4 makes mouth and brow movements span a few pixels at 64 px (learnable),
# while identity still dominates pixel variance (book/data.md measures both).
AU_GAIN = 1.4
_MOUTH_AUS = {"AU10", "AU12", "AU14", "AU15", "AU20", "AU23", "AU25", "AU12R", "AU14R"}
_UPPER_LIDS = np.array([37, 38, 43, 44])
_LOWER_LIDS = np.array([41, 40, 47, 46])


def au_displacements(idt: Identity) -> np.ndarray:
    """Displacement basis [A, P, 3]: point moves per unit of each AU for this identity."""
    d = np.zeros((N_AUS, N_POINTS, 3), np.float32)
    for name, moves in _AU_MOVES.items():
        gain = idt.mouth_width if name in _MOUTH_AUS else (idt.eye_size if name in ("AU5", "AU7", "AU6") else 1.0)
        for idx, dx, dy in moves:
            d[AU_INDEX[name], list(idx), 0] += dx * gain * AU_GAIN
            d[AU_INDEX[name], list(idx), 1] += dy * gain * AU_GAIN
    return d


def face_points(idt: Identity, aus: np.ndarray, blink: np.ndarray, gaze: np.ndarray) -> np.ndarray:
    """3-D points [T, P, 3] for AU activations [T, A], blink closure [T] in [0, 1], gaze [T, 2] (pitch, yaw)."""
    aus = np.asarray(aus, np.float32)
    pts = neutral_points(idt)[None] + np.einsum("ta,apk->tpk", aus, au_displacements(idt))  # [T, P, 3]
    b = np.clip(np.asarray(blink, np.float32), 0, 1)[:, None, None]
    upper, lower = pts[:, _UPPER_LIDS], pts[:, _LOWER_LIDS]
    pts[:, _UPPER_LIDS] = upper + b * (lower - upper)
    ew, eu = 0.17 * idt.eye_size, 0.085 * idt.eye_size
    gaze = np.asarray(gaze, np.float32)
    pts[:, PUPILS, 0] += (1.2 * ew * np.sin(gaze[:, 1]))[:, None]
    pts[:, PUPILS, 1] -= (1.0 * eu * np.sin(gaze[:, 0]))[:, None]
    return pts


def rotation(pose: np.ndarray) -> np.ndarray:
    """Rotation matrices [T, 3, 3] = Rz(roll) Rx(pitch) Ry(yaw) from pose [T, 3] (yaw, pitch, roll) degrees."""
    yaw, pitch, roll = np.deg2rad(np.asarray(pose, np.float64)).T
    cy, sy, cp, sp, cr, sr = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch), np.cos(roll), np.sin(roll)
    one, zero = np.ones_like(cy), np.zeros_like(cy)
    ry = np.stack([np.stack([cy, zero, sy], -1), np.stack([zero, one, zero], -1), np.stack([-sy, zero, cy], -1)], -2)
    rx = np.stack([np.stack([one, zero, zero], -1), np.stack([zero, cp, -sp], -1), np.stack([zero, sp, cp], -1)], -2)
    rz = np.stack([np.stack([cr, -sr, zero], -1), np.stack([sr, cr, zero], -1), np.stack([zero, zero, one], -1)], -2)
    return rz @ rx @ ry


def project(points: np.ndarray, pose: np.ndarray, size: int, centre: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Pixel coordinates [T, P, 2] (x, y) of 3-D points [T, P, 3] under pose [T, 3] (degrees).

    centre [T, 2]: face centre as a fraction of the frame; scale [T]: face-size factor (1 = nominal).
    Weak perspective: rotate, drop z, scale by ``FACE_SCALE * size * scale``.
    """
    rot = rotation(pose).astype(np.float32)                      # [T, 3, 3]
    r = np.einsum("tij,tpj->tpi", rot, points)                   # [T, P, 3]
    s = (FACE_SCALE * size * np.asarray(scale, np.float32))[:, None, None]
    return (r[..., :2] * s + np.asarray(centre, np.float32)[:, None, :] * size).astype(np.float32)


def depth(points: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """Rotated z [T, P] (towards the camera), for visibility decisions."""
    return np.einsum("tj,tpj->tp", rotation(pose)[:, 2].astype(np.float32), points)
