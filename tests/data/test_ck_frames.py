"""CK+-style frame selection on the synthetic lab domain."""

from __future__ import annotations

import pytest

from fer_lib.data.ck_frames import ck_style_frames
from fer_lib.data.synth import SynthConfig, load_synth


@pytest.fixture(scope="module")
def lab():
    return load_synth(SynthConfig(domain="lab", n_identities=4, clips_per_identity=2, frames_per_clip=8, size=32),
                      cache=False)


def test_first_neutral_and_last_apex_frames(lab):
    ds = ck_style_frames(lab, apex_frames=2)
    assert len(ds) == lab.frames.shape[0] * 3 and ds.classes == tuple(lab.classes)
    ts = sorted({int(ds[i]["t"]) for i in range(len(ds))})
    assert ts == [0, 6, 7]
    neutral = lab.classes.index("neutral")
    for i in range(len(ds)):
        item = ds[i]
        c, t = int(item["clip"]), int(item["t"])
        assert int(item["expression"]) == lab.expression[c, t] == ds.targets[i]
        if t == 0:
            assert int(item["expression"]) == neutral
        else:  # posed sequences hold their class at the apex
            assert int(item["expression"]) == lab.clip_label[c] != neutral
    only_apex = ck_style_frames(lab, splits=("test",), apex_frames=1, first_frame=False)
    assert len(only_apex) == len(lab.clips("test"))
    with pytest.raises(ValueError, match="apex_frames"):
        ck_style_frames(lab, apex_frames=8)
