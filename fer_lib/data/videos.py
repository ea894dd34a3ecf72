"""Video files: the one strict PyAV decoder that the clip loaders and the faces pipeline share.

FFmpeg decodes a truncated Matroska/WebM, AVI or MPEG-TS file up to where its bytes stop and reports
nothing: 29 of 60 frames come back as if that were the whole video. Here every decode is checked
against what the container declares:

- the frame count the container declares (``nb_frames``) and the video's duration times its average frame rate;
  the smaller of the two is the count expected, since some valid files declare a few frames more than
  decode (an MP4 with an edit list: 98 declared, 95 decoded, duration x rate = 93). Fewer decoded frames
  than that, beyond a tolerance of ``max(1, 2 %)`` frames, is a short decode;
- an MPEG-TS file must be a whole number of 188- (or 192-) byte transport packets: its duration is
  estimated from its last packets, so a truncated one declares the shorter length and only its size
  tells (cutting exactly at a packet boundary goes unseen);
- an MP4 cut before its index fails to open and is reported as unreadable.

A short decode is a :class:`VideoReadError` naming the file and both numbers; a caller that allows it
(``allow_short=True``) gets a warning with the numbers instead and can count it.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Iterator

import av
import numpy as np

TS_PACKET_SIZES = (188, 192)  # MPEG-TS, and BDAV/M2TS with its 4-byte timestamp


class VideoReadError(OSError, ValueError):
    """A video or frame folder that cannot be read, or decodes short; the message names the file."""


def declared_seconds(container: av.container.InputContainer) -> float | None:
    """The first video stream's declared duration: its own, else Matroska's per-track ``DURATION`` tag, else the
    container's when the video is its only stream (an audio track may run longer than the video)."""
    stream = container.streams.video[0]
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    tag = stream.metadata.get("DURATION")                     # "HH:MM:SS.nnnnnnnnn"
    if tag:
        try:
            hours, minutes, seconds = tag.split(":")
            return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        except ValueError:
            pass
    if len(container.streams) == 1 and container.duration:
        return container.duration / av.time_base
    return None


def expected_frames(container: av.container.InputContainer) -> int | None:
    """The smallest frame count the container declares for its first video stream (None: it declares none)."""
    stream = container.streams.video[0]
    counts = [stream.frames] if stream.frames else []
    seconds = declared_seconds(container)
    rate = stream.average_rate or stream.guessed_rate
    if seconds and rate:
        counts.append(round(seconds * float(rate)))
    return min(counts) if counts else None


def short_by(decoded: int, expected: int | None) -> bool:
    """True when ``decoded`` frames fall short of ``expected`` by more than ``max(1, 2 %)`` of it."""
    return expected is not None and decoded < expected - max(1, round(0.02 * expected))


def ts_truncation(path: Path, container: av.container.InputContainer) -> str | None:
    """Why a transport stream was cut off (its size is no whole number of packets), or None."""
    if container.format.name != "mpegts":
        return None
    size = path.stat().st_size
    if all(size % packet for packet in TS_PACKET_SIZES):
        return (f"truncated MPEG-TS ({size} bytes is not a whole number of "
                f"{' or '.join(map(str, TS_PACKET_SIZES))}-byte packets)")
    return None


class VideoDecode:
    """Iterate the RGB uint8 [H, W, 3] frames of a video's first stream, checked against its declared length.

    Raises VideoReadError naming ``path`` (and ``source``, the line that listed it) when the file is
    missing, has no video stream, does not decode, decodes no frame, or is truncated (see the module
    docstring). With ``allow_short`` a truncation is a warning with the numbers instead, and after the
    iteration ``problem`` holds its text (None for a whole file), ``decoded`` and ``expected`` the counts.
    """

    def __init__(self, path: str | Path, source: str = "", allow_short: bool = False):
        self.path, self.allow_short = Path(path), allow_short
        self.where = f"{source}: {self.path}" if source else str(self.path)
        self.decoded, self.expected, self.problem = 0, None, None

    def report(self, problem: str) -> None:
        """Raise the problem, or (allow_short) keep it and warn."""
        if not self.allow_short:
            raise VideoReadError(f"{self.where}: {problem}")
        self.problem = problem
        warnings.warn(f"{self.where}: {problem}", stacklevel=3)

    def __iter__(self) -> Iterator[np.ndarray]:
        if not self.path.is_file():
            raise VideoReadError(f"{self.where}: no such video file")
        self.decoded = 0
        try:
            with av.open(str(self.path)) as container:
                if not container.streams.video:
                    raise VideoReadError(f"{self.where}: the file has no video stream")
                self.expected = expected_frames(container)
                cut = ts_truncation(self.path, container)
                if cut:
                    self.report(cut)
                for frame in container.decode(video=0):
                    self.decoded += 1
                    yield frame.to_ndarray(format="rgb24")
        except av.error.FFmpegError as err:
            raise VideoReadError(f"{self.where}: cannot decode as video after {self.decoded} frames ({err})") from err
        if self.decoded == 0:
            raise VideoReadError(f"{self.where}: no frames could be decoded")
        if short_by(self.decoded, self.expected):
            self.report(f"decoded {self.decoded} frames, the container declares {self.expected} "
                        "(truncated or damaged file)")
