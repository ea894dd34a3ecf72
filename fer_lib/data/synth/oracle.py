"""The face-swap oracle: render(identity B, expression A, pose B) from a set's explicit factors.

Real face swapping (faces/swap.py) only approximates this; the generator can render it exactly, so
a FaceSwap augmentation can be checked against the frame it should have produced.
"""

from __future__ import annotations

import numpy as np

from fer_lib.data.synth.cache import SynthVideos
from fer_lib.data.synth.config import SynthConfig, clip_factors, clip_scene, identity_of
from fer_lib.data.synth.render import render_frame


def swap_frame(videos: SynthVideos, clip_a: int, t_a: int, clip_b: int, t_b: int,
               keep_scene: bool = True, scene_clip: int | None = None,
               seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Identity, pose, gaze and blink of frame (clip_b, t_b) with the expression of frame (clip_a, t_a).

    The expression is A's AU vector minus A's resting-face offset plus B's resting-face offset (A = B: the
    frame's own face state). keep_scene: render in B's scene (background, light, cast, blur, noise level), or
    in clip ``scene_clip``'s when given; else a plain studio scene. seed: the pixel-noise draw (default: one
    per frame of B). Returns (image uint8 [H, W, 3], landmarks float32 [68, 2]).
    """
    cfg = videos.config
    id_a = identity_of(cfg, int(videos.identity[clip_a]))
    id_b = identity_of(cfg, int(videos.identity[clip_b]))
    expr = videos.aus[clip_a, t_a] - id_a.resting_aus + id_b.resting_aus
    fb = clip_factors(cfg, clip_b, id_b)
    scene = clip_scene(cfg, clip_b if scene_clip is None else scene_clip) if keep_scene else None
    return render_frame(id_b, expr, pose=fb.pose[t_b], gaze=fb.gaze[t_b], blink=float(fb.blink[t_b]),
                        scene=scene, domain=cfg.domain_preset, size=cfg.size, centre=fb.centre[t_b],
                        scale=float(fb.scale[t_b]), seed=clip_b * 100003 + t_b if seed is None else seed)


def expression_grid(cfg: SynthConfig, identities, states, size: int | None = None, intensity: float = 1.0,
                    pose=(0.0, 0.0, 0.0)) -> np.ndarray:
    """Identities x expression states rendered from explicit factors: uint8 [R, C, H, W, 3].

    identities: identity indices of ``cfg``; states: names of ``expression.STATES`` ("other" uses a
    fixed random AU mix per column). Studio scene, frontal unless ``pose`` is given.
    """
    from fer_lib.data.synth.expression import other_aus, prototype

    size = size or cfg.size
    rng = np.random.default_rng(0)
    expr = [other_aus(rng) if s == "other" else prototype(s) for s in states]
    rows = []
    for i in identities:
        idt = identity_of(cfg, int(i))
        rows.append([render_frame(idt, idt.resting_aus + intensity * e, pose=pose, size=size)[0] for e in expr])
    return np.asarray(rows, np.uint8)
