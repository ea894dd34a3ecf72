"""Image files: the one natural-order frame listing and the one strict decoder every loader shares.

libjpeg behind OpenCV, Pillow and torchvision returns a truncated or damaged JPEG as an image with grey
or garbled rows and only prints "Premature end of JPEG file" to stderr, naming no file. Here JPEGs are
decoded by simplejpeg (libjpeg-turbo) in strict mode, which turns libjpeg's corrupt-data warnings into
errors, and the file must end with the end-of-image marker: every truncation and most overwritten bytes
are caught (a damaged entropy stream that still parses cannot be told from a real one: JPEG has no
checksum). Other formats go through OpenCV, whose PNG reader checks its CRCs and whose readers fail on
truncation. Either way a bad file raises
:class:`CorruptImageError` naming it. Loaders that take ``skip_corrupt=True`` skip such files instead and
count them in a :class:`CorruptSkips`, whose count reaches the results (worker processes included).
"""

from __future__ import annotations

import multiprocessing
import re
import warnings
from pathlib import Path
from typing import Callable, TypeVar

import cv2
import numpy as np
import simplejpeg

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
JPEG_START = b"\xff\xd8\xff"  # start-of-image marker and the next marker's first byte
JPEG_END = b"\xff\xd9"  # the end-of-image (EOI) marker
T = TypeVar("T")


class CorruptImageError(OSError, ValueError):
    """An image file that is truncated, damaged or not an image; the message names the file.

    An OSError (the file's bytes are bad) and a ValueError (its content is), like ``io.UnsupportedOperation``.
    """


def natural_key(name: str) -> list:
    """Sort key that orders embedded numbers numerically: 'f2' < 'f10'."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def image_files(folder: str | Path) -> list[Path]:
    """The image files of a folder (by suffix) in natural name order (``2.jpg`` before ``10.jpg``).

    Hidden files (``.DS_Store``, the macOS ``._00003.jpg`` resource forks) are not images and are left out.
    """
    return sorted((p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES
                   and not p.name.startswith(".")), key=lambda p: natural_key(p.name))


def list_frames(frame_dir: str | Path, source: str = "") -> list[Path]:
    """The frames of a clip folder (:func:`image_files`); an empty folder is an error naming it (and
    ``source``, the line that listed it)."""
    frames = image_files(frame_dir)
    if not frames:
        raise FileNotFoundError(f"{source + ': ' if source else ''}frame folder {frame_dir} holds no images")
    return frames


def decode_image(data: bytes, name: str) -> np.ndarray:
    """Encoded image bytes -> RGB uint8 [H, W, 3]; CorruptImageError naming ``name`` if they do not decode cleanly."""
    if data[:3] == JPEG_START:  # not simplejpeg.is_jpeg: it says False for a truncated JPEG
        try:
            image = simplejpeg.decode_jpeg(data, colorspace="RGB", strict=True)
        except ValueError as err:  # libjpeg's error or warning: premature end, corrupt data, bad marker
            raise CorruptImageError(f"{name} is a truncated or corrupt JPEG ({err})") from None
        # libjpeg stops at the first end-of-image marker: overwritten bytes can hold one, and the cut-off rest
        # then goes unread. A whole file ends with that marker (zero padding after it is harmless).
        if not data.rstrip(b"\0").endswith(JPEG_END):
            raise CorruptImageError(f"{name} is a truncated or corrupt JPEG (it does not end with the "
                                    "end-of-image marker FF D9)")
        return image
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise CorruptImageError(f"{name} could not be decoded (empty, truncated, corrupt or not an image)")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def read_rgb(path: str | Path, size: int | None = None, source: str = "") -> np.ndarray:
    """Read an image file as RGB uint8 [H, W, 3], resized to size x size (area interpolation) when given.

    A missing file is FileNotFoundError, a bad one CorruptImageError; both name the file (and ``source``,
    the ``"file:line"`` that listed it, when given).
    """
    where = f" (listed at {source})" if source else ""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"image {path} does not exist{where}") from None
    try:
        image = decode_image(data, f"image {path}")
    except CorruptImageError as err:
        raise CorruptImageError(f"{err}{where}") from None
    if size is not None and image.shape[:2] != (size, size):
        image = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    return image


class CorruptSkips:
    """How many corrupt-image reads a dataset skipped, summed over DataLoader worker processes.

    The count lives in shared memory (created with the dataset, inherited by forked or spawned workers),
    so the process that reports results reads the total. A file read in two epochs counts twice. Each
    skipped file is also named in a warning.
    """

    def __init__(self):
        self.shared = multiprocessing.Value("q", 0)

    def add(self, err: Exception) -> None:
        with self.shared.get_lock():
            self.shared.value += 1
        warnings.warn(f"skipped: {err}", stacklevel=3)

    @property
    def count(self) -> int:
        return int(self.shared.value)


def skipped(datasets) -> int:
    """Corrupt-image reads skipped so far by ``datasets`` (loaders made with ``skip_corrupt=True``; the others
    count 0): the number a results file reports."""
    return sum(d.skips.count for d in datasets if getattr(d, "skips", None) is not None)


def first_readable(index: int, n: int, read: Callable[[int], T], skips: CorruptSkips | None) -> T:
    """``read(index)``; with ``skips``, a CorruptImageError is counted and ``index + 1, index + 2, ...``
    (wrapping around ``n``) are tried instead. Without ``skips`` (the default) the error propagates."""
    for offset in range(n if skips is not None else 1):
        try:
            return read((index + offset) % n)
        except CorruptImageError as err:
            if skips is None:
                raise
            skips.add(err)
    raise CorruptImageError(f"all {n} items are corrupt (the last: see the warnings above)")
