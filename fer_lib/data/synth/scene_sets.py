"""Scene triplets: one face state under two scenes, and another person's face under the first scene.

A face state is a rendered frame's identity, expression (AUs), pose, gaze, blink and position; a scene is a
clip's background, light, colour cast, blur and noise level (:func:`~fer_lib.data.synth.config.clip_scene`).
For face state i, a frame (clip c_i, t_i) of ``videos``:

    anchor[i]      = face (c_i, t_i) in c_i's scene
    other_scene[i] = face (c_i, t_i) in s_i's scene          s_i: a clip of another person
    other_face[i]  = face (f_i, u_i) in c_i's scene          f_i: a clip of another person, u_i any frame

so anchor and other_scene differ only by the scene, anchor and other_face only by the face. Every image has its
own pixel-noise draw. :func:`fer_lib.metrics.scene.scene_sensitivity` turns their embeddings into an index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fer_lib.data.synth.cache import SynthVideos
from fer_lib.data.synth.oracle import swap_frame

#: the three images of a triplet, in the order of ``SceneTriplets.images``
ROLES = ("anchor", "other_scene", "other_face")


@dataclass
class SceneTriplets:
    images: np.ndarray       # uint8 [3, N, H, W, 3]: anchor, other_scene, other_face (ROLES)
    face: np.ndarray         # int64 [N, 2] (clip, t) of face state i
    scene_clip: np.ndarray   # int64 [N] the clip whose scene other_scene[i] is rendered in
    other_face: np.ndarray   # int64 [N, 2] (clip, t) of other_face[i]'s face


def scene_triplets(videos: SynthVideos, n: int, seed: int = 0) -> SceneTriplets:
    """``n`` triplets from the frames of ``videos`` (distinct clips while there are enough), seeded."""
    identity = np.asarray(videos.identity)
    clips, frames = len(identity), videos.frames.shape[1]
    if n < 1:
        raise ValueError(f"scene_triplets: need n >= 1, got {n}")
    if len(np.unique(identity)) < 2:
        raise ValueError(f"scene_triplets: {videos.config.domain} set has one person; need two or more")
    rng = np.random.default_rng(seed)
    face = np.stack([rng.choice(clips, n, replace=n > clips), rng.integers(0, frames, n)], 1)

    def other_person(c: int) -> int:
        return int(rng.choice(np.flatnonzero(identity != identity[c])))

    scene = np.array([other_person(c) for c in face[:, 0]], np.int64)
    other = np.stack([[other_person(c) for c in face[:, 0]], rng.integers(0, frames, n)], 1)
    noise = rng.integers(0, 2 ** 31 - 1, (3, n))                    # one pixel-noise draw per image
    images = np.empty((3, n, *videos.frames.shape[2:]), np.uint8)
    for i, ((c, t), s, (f, u)) in enumerate(zip(face, scene, other)):
        images[0, i] = swap_frame(videos, c, t, c, t, scene_clip=c, seed=int(noise[0, i]))[0]
        images[1, i] = swap_frame(videos, c, t, c, t, scene_clip=s, seed=int(noise[1, i]))[0]
        images[2, i] = swap_frame(videos, f, u, f, u, scene_clip=c, seed=int(noise[2, i]))[0]
    return SceneTriplets(images, face.astype(np.int64), scene, other.astype(np.int64))
