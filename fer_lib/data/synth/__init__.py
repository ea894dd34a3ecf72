"""The embedded synthetic face-video generator (see ``book/data.md``).

>>> from fer_lib.data.synth import SynthConfig, load_synth, DOMAINS
>>> videos = load_synth(SynthConfig(domain="vox", n_identities=40, clips_per_identity=4, frames_per_clip=16, size=64))
>>> videos.frames.shape   # uint8 [n_clips, T, H, W, 3]

Files, one concept each: identity.py (traits), expression.py (AU prototypes, V/A anchors, states incl.
"other"), dynamics.py (episodes, pose drift, blinks, gaze), speech.py (talking: mouth, brow flashes, pauses),
landmarks.py (68-point rig + pose),
render.py (drawing), domains.py (presets), config.py (SynthConfig + seeded draws), cache.py
(render once, memory-mapped cache), oracle.py (face-swap oracle).
"""

from fer_lib.data.synth.cache import (SynthVideos, cache_root, load_synth, render_clip_index, render_into,
                                      render_speed)
from fer_lib.data.synth.config import (SynthConfig, class_frequencies, clip_factors, clip_scene, identity_of,
                                       identity_splits)
from fer_lib.data.synth.domains import DOMAINS, Domain, get_domain
from fer_lib.data.synth.expression import AU_NAMES, STATES, prototype
from fer_lib.data.synth.identity import Identity
from fer_lib.data.synth.oracle import expression_grid, swap_frame
from fer_lib.data.synth.render import Scene, render_frame

__all__ = [
    "AU_NAMES", "DOMAINS", "Domain", "Identity", "STATES", "Scene", "SynthConfig", "SynthVideos", "cache_root",
    "class_frequencies", "expression_grid",
    "clip_factors", "clip_scene", "get_domain", "identity_of", "identity_splits", "load_synth", "prototype",
    "render_clip_index", "render_frame", "render_into", "render_speed", "swap_frame",
]
