"""MS1MV2 as InsightFace ships it: an MXNet RecordIO pair ``train.rec`` / ``train.idx``, read without MXNet;
or the same faces unpacked into an image folder ``<root>/<identity>/<image>.jpg``.

RecordIO layout (dmlc-core ``recordio.h``; all integers little-endian)::

    record  = magic:uint32 (0xced7230a) | lrecord:uint32 | data[length] | zero padding to a multiple of 4
    lrecord = cflag << 29 | length      cflag 0: whole record; 1: first part, 2: middle, 3: last part of a
                                        record that was split where its data contained the magic word; the
                                        reader joins the parts, putting the magic word back between them.
    .idx    = text lines "<key>\\t<byte offset of the record>"

A record's data (MXNet ``recordio.pack``) = IRHeader struct ``IfQQ`` (flag:uint32, label:float32, id:uint64,
id2:uint64; 24 bytes) | flag float32 labels if flag > 0 (then the header's label field is unused) | payload.
For image records the payload is the JPEG file's bytes. InsightFace's record 0 is a header with flag = 2
and labels (first identity record, end): image records are keys 1 .. first-1, each labelled with its
identity; the records after them describe identities and are not images.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from fer_lib.data.images import IMAGE_SUFFIXES, CorruptSkips, decode_image, first_readable, image_files
from fer_lib.data.text import read_lines

MAGIC = 0xCED7230A
IR_FORMAT = "<IfQQ"
IR_SIZE = struct.calcsize(IR_FORMAT)  # 24


@dataclass(frozen=True)
class IRHeader:
    """flag: number of float labels (0 = one scalar label); label: float32 [flag] or a float; id, id2: uint64."""

    flag: int
    label: float | np.ndarray
    id: int
    id2: int


def read_index(path: str | Path) -> dict[int, int]:
    """``.idx`` text -> {key: byte offset}; a malformed line is an error naming the file and line."""
    path = Path(path)
    index: dict[int, int] = {}
    for lineno, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        try:
            key, offset = int(fields[0]), int(fields[1])
            if len(fields) != 2 or offset < 0:
                raise ValueError
        except (ValueError, IndexError):
            raise ValueError(f"{path}:{lineno}: expected '<key>\\t<offset>', got {line!r}") from None
        if key in index:
            raise ValueError(f"{path}:{lineno}: key {key} appears twice")
        index[key] = offset
    return index


def read_record(handle, offset: int, source: str = "record file") -> bytes:
    """The data of the (possibly multi-part) record starting at byte ``offset`` of an open ``.rec`` file."""
    handle.seek(offset)
    parts: list[bytes] = []
    while True:
        at = handle.tell()
        head = handle.read(8)
        if len(head) < 8:
            raise ValueError(f"{source}: truncated record header at byte {at}")
        magic, lrecord = struct.unpack("<II", head)
        if magic != MAGIC:
            raise ValueError(f"{source}: bad magic 0x{magic:08x} at byte {at} (expected 0x{MAGIC:08x})")
        cflag, length = lrecord >> 29, lrecord & ((1 << 29) - 1)
        data = handle.read(length)
        if len(data) < length:
            raise ValueError(f"{source}: record at byte {at} declares {length} bytes, file ends after {len(data)}")
        handle.read((4 - length % 4) % 4)  # padding
        if cflag == 0:
            if parts:
                raise ValueError(f"{source}: whole record at byte {at} inside a multi-part record")
            return data
        if (cflag == 1) != (not parts) or cflag > 3:
            raise ValueError(f"{source}: unexpected continuation flag {cflag} at byte {at}")
        parts.append(data)
        if cflag == 3:
            return struct.pack("<I", MAGIC).join(parts)


def unpack_record(data: bytes, source: str = "record") -> tuple[IRHeader, bytes]:
    """Record data -> (IRHeader, payload), as MXNet's ``recordio.unpack``."""
    if len(data) < IR_SIZE:
        raise ValueError(f"{source}: {len(data)} bytes is shorter than the {IR_SIZE}-byte IRHeader")
    flag, label, id1, id2 = struct.unpack(IR_FORMAT, data[:IR_SIZE])
    payload = data[IR_SIZE:]
    if flag > 0:
        if len(payload) < 4 * flag:
            raise ValueError(f"{source}: header declares {flag} float labels but only {len(payload)} bytes follow")
        label = np.frombuffer(payload[:4 * flag], dtype="<f4").copy()
        payload = payload[4 * flag:]
    return IRHeader(flag, label, id1, id2), payload


class RecordFile:
    """Random access to an indexed RecordIO pair: ``read(key) -> bytes``; re-opens the file after a fork."""

    def __init__(self, rec_path: str | Path, idx_path: str | Path | None = None):
        self.rec_path = Path(rec_path)
        self.idx_path = Path(idx_path) if idx_path is not None else self.rec_path.with_suffix(".idx")
        if not self.rec_path.exists():
            raise FileNotFoundError(f"{self.rec_path}: record file does not exist")
        self.index = read_index(self.idx_path)
        self._handle, self._pid = None, None

    def read(self, key: int) -> bytes:
        if key not in self.index:
            raise KeyError(f"{self.idx_path}: no record with key {key}")
        if self._handle is None or self._pid != os.getpid():
            self._handle, self._pid = open(self.rec_path, "rb"), os.getpid()
        return read_record(self._handle, self.index[key], f"{self.rec_path} (key {key})")

    def __getstate__(self):
        return {**self.__dict__, "_handle": None, "_pid": None}


def decode_resized(payload: bytes, size: int | None, source: str) -> np.ndarray:
    """Encoded image bytes -> uint8 RGB [H, W, 3] (resized to size x size if given), decoded strictly
    (:func:`fer_lib.data.images.decode_image`: a truncated or corrupt image is an error naming ``source``)."""
    image = decode_image(payload, source)
    if size is not None and image.shape[:2] != (size, size):
        image = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    return image


def _to_item(image: np.ndarray, identity: int) -> dict:
    return {"image": torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).contiguous(), "identity": identity}


class MS1MRecordIO(torch.utils.data.Dataset):
    """Images of an InsightFace ``train.rec``: dict(image uint8 [3, S, S], identity int).

    If record 0 is InsightFace's header (flag > 0), images are keys 1 .. label[0]-1; otherwise every key.
    skip_corrupt: a truncated or corrupt image is replaced by the next record and counted in ``skips.count``
    (default: an error naming the file and key).
    """

    def __init__(self, rec_path: str | Path, idx_path: str | Path | None = None, size: int | None = 112,
                 skip_corrupt: bool = False):
        self.records, self.size = RecordFile(rec_path, idx_path), size
        self.skips = CorruptSkips() if skip_corrupt else None
        keys = sorted(self.records.index)
        first = self.records.index and keys[0] == 0 and unpack_record(self.records.read(0))[0]
        if first and first.flag > 0:
            end = int(first.label[0])
            self.keys = [k for k in keys if 1 <= k < end]
        else:
            self.keys = keys

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, i: int) -> dict:
        return first_readable(i, len(self.keys), self.read_item, self.skips)

    def read_item(self, i: int) -> dict:
        key = self.keys[i]
        source = f"{self.records.rec_path} (key {key})"
        header, payload = unpack_record(self.records.read(key), source)
        label = header.label[0] if header.flag > 0 else header.label
        return _to_item(decode_resized(payload, self.size, source), int(label))


class FaceImageFolder(torch.utils.data.Dataset):
    """MS1MV2 unpacked as ``<root>/<identity>/<image>``: dict(image uint8 [3, S, S], identity = sorted folder index).

    skip_corrupt: a truncated or corrupt image is replaced by the next one and counted in ``skips.count``.
    """

    def __init__(self, root: str | Path, size: int | None = 112, skip_corrupt: bool = False):
        self.root, self.size = Path(root), size
        self.skips = CorruptSkips() if skip_corrupt else None
        folders = sorted(p for p in self.root.iterdir()
                         if p.is_dir() and not p.name.startswith(".")) if self.root.is_dir() else []
        self.identities = [p.name for p in folders]
        self.items = [(path, i) for i, folder in enumerate(folders)
                      for path in image_files(folder)]
        if not self.items:
            raise FileNotFoundError(f"{self.root}: no <identity>/<image> files ({', '.join(IMAGE_SUFFIXES)})")

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict:
        return first_readable(i, len(self.items), self.read_item, self.skips)

    def read_item(self, i: int) -> dict:
        path, identity = self.items[i]
        return _to_item(decode_resized(path.read_bytes(), self.size, str(path)), identity)
