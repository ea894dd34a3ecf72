"""Scene triplets against the generator's ground truth: the anchor is the rendered frame, the other-scene image
keeps the face and changes the background, the other-face image keeps the background and changes the person."""

import dataclasses

import numpy as np
import pytest

from fer_lib.data.synth import SynthConfig, load_synth
from fer_lib.data.synth.scene_sets import scene_triplets

SET = SynthConfig(domain="talking", n_identities=5, clips_per_identity=2, frames_per_clip=6, size=32, seed=3)


@pytest.fixture(scope="module")
def videos():
    return load_synth(SET, cache=False)


def corners(images: np.ndarray) -> np.ndarray:
    """Mean colour of the four 3x3 corners (background only): [N, 3]."""
    ends = (slice(0, 3), slice(-3, None))
    return np.mean([images[:, y, x] for y in ends for x in ends], axis=(0, 2, 3))


def test_triplets_keep_what_they_should_and_change_the_rest(videos):
    tri = scene_triplets(videos, 16, seed=0)
    assert tri.images.shape == (3, 16, 32, 32, 3) and tri.images.dtype == np.uint8
    c, t = tri.face[:, 0], tri.face[:, 1]
    ident = videos.identity
    assert (ident[tri.scene_clip] != ident[c]).all() and (ident[tri.other_face[:, 0]] != ident[c]).all()
    anchor, other_scene, other_face = tri.images.astype(int)
    # the anchor is the cached frame up to its noise draw (two draws of sigma <= 6 grey levels)
    error = np.abs(anchor - videos.frames[c, t].astype(int)).mean(axis=(1, 2, 3))
    assert np.median(error) < 6 and error.max() < 8
    # the background follows the scene: same scene -> corners agree, another scene -> they differ
    same = np.abs(corners(anchor) - corners(other_face)).max(1)
    moved = np.abs(corners(anchor) - corners(other_scene)).max(1)
    assert np.median(same) < 8 < np.median(moved)
    again = scene_triplets(videos, 16, seed=0)
    assert again.images.tobytes() == tri.images.tobytes()
    assert scene_triplets(videos, 16, seed=1).images.tobytes() != tri.images.tobytes()


def test_one_person_is_an_error(videos):
    one = dataclasses.replace(videos, identity=np.zeros_like(videos.identity))
    with pytest.raises(ValueError, match="one person"):
        scene_triplets(one, 4)
