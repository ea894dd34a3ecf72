"""The data chapter: the embedded synthetic face-video generator (no paper table: nothing to reproduce).

Shows the generator (grid, filmstrip + timeline, landmarks, domains, factor distributions), measures
the domains' class priors and the raw-pixel probe (identity vs expression), and times rendering.
"""

from dataclasses import dataclass

from fer_lib.experiments.ranges import PosFloat, PosInt, Seeds


@dataclass(frozen=True)
class Config:
    seeds: Seeds = (0, 1, 2)       # one probe set per seed
    dataset: str = "synthetic"
    domain: str = "vox"                      # the set shown in the filmstrip / landmarks / distributions
    compare_domains: tuple[str, ...] = ("vox", "affectnet", "rafdb", "fer2013", "lab", "affwild2", "dfew")
    n_identities: PosInt = 40
    clips_per_identity: PosInt = 4
    frames_per_clip: PosInt = 16
    size: PosInt = 64
    workers: PosInt = 2                      # render processes (bytes do not depend on it)
    timing_identities: PosInt = 10           # identities (x clips x frames) rendered to time 64/112 px, 1/2 workers
    probe_domain: str = "balanced"           # uniform class priors, in-the-wild appearance
    probe_identities: PosInt = 40
    probe_frame_step: PosInt = 3
    probe_alpha: PosFloat = 10.0
    prior_clips: PosInt = 1000               # clips drawn (factors only) to measure each domain's priors
    grid_identities: PosInt = 5


PROFILES = {
    "smoke": {"seeds": (0,), "n_identities": 6, "clips_per_identity": 2, "frames_per_clip": 8, "size": 48,
              "probe_identities": 10, "prior_clips": 100, "grid_identities": 2, "timing_identities": 2,
              "compare_domains": ("vox", "lab")},
    "default": {},
    "full": {"n_identities": 200, "size": 112, "probe_identities": 100, "prior_clips": 10000, "timing_identities": 40},
}
