"""MS1MV2 RecordIO reader (no MXNet) on a .rec/.idx pair written byte by byte in the published layout."""

import struct

import cv2
import numpy as np
import pytest

from fer_lib.data.formats.ms1m_recordio import (MAGIC, FaceImageFolder, MS1MRecordIO, RecordFile, read_index,
                                                read_record, unpack_record)


def _record(data: bytes, cflag: int = 0) -> bytes:
    """magic | lrecord = cflag << 29 | length | data | zero padding to 4 bytes."""
    pad = (4 - len(data) % 4) % 4
    return struct.pack("<II", 0xCED7230A, (cflag << 29) | len(data)) + data + b"\0" * pad


def _ir(flag, label, id1, id2, labels=(), payload=b"") -> bytes:
    return struct.pack("<IfQQ", flag, label, id1, id2) + np.asarray(labels, "<f4").tobytes() + payload


def _png(value):
    ok, buf = cv2.imencode(".png", np.full((6, 6, 3), value, np.uint8))
    return buf.tobytes()


def _write_pair(tmp_path, images):
    """InsightFace layout: key 0 header (flag 2, [first identity key, end]), images 1..n, identity records."""
    n = len(images)
    datas = [_ir(2, 0.0, 0, 0, labels=(n + 1, n + 2))]
    datas += [_ir(0, float(ident), k + 1, 0, payload=payload) for k, (payload, ident) in enumerate(images)]
    datas += [_ir(2, 0.0, 0, 0, labels=(1, n + 1))]  # identity record: images 1..n
    rec, idx, offset = b"", [], 0
    for key, data in enumerate(datas):
        idx.append(f"{key}\t{len(rec)}")
        rec += _record(data)
    (tmp_path / "train.rec").write_bytes(rec)
    (tmp_path / "train.idx").write_text("\n".join(idx) + "\n")
    return tmp_path / "train.rec"


def test_reads_insightface_pair(tmp_path):
    ok, jpg = cv2.imencode(".jpg", np.full((10, 10, 3), 128, np.uint8))
    rec = _write_pair(tmp_path, [(_png((0, 0, 255)), 7), (jpg.tobytes(), 3), (_png((255, 0, 0)), 7)])
    data = MS1MRecordIO(rec, size=None)
    assert len(data) == 3  # header and identity records are not images
    first = data[0]
    assert first["identity"] == 7 and first["image"].shape == (3, 6, 6)
    assert first["image"][:, 0, 0].tolist() == [255, 0, 0]  # BGR (0,0,255) -> RGB red
    assert data[1]["identity"] == 3 and abs(int(data[1]["image"].float().mean()) - 128) <= 2
    header, payload = unpack_record(RecordFile(rec).read(0))
    assert header.flag == 2 and header.label.tolist() == [4.0, 5.0] and payload == b""


def test_multipart_record_is_joined_with_the_magic_word(tmp_path):
    magic = struct.pack("<I", MAGIC)
    part1, part2, part3 = b"abcd", b"efgh1234", b"xy"
    path = tmp_path / "multi.rec"
    path.write_bytes(_record(b"zzzz") + _record(part1, 1) + _record(part2, 2) + _record(part3, 3))
    with open(path, "rb") as handle:
        assert read_record(handle, 0) == b"zzzz"
        assert read_record(handle, 12) == part1 + magic + part2 + magic + part3


def test_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.rec"
    path.write_bytes(struct.pack("<II", 0x12345678, 4) + b"abcd")
    with open(path, "rb") as handle, pytest.raises(ValueError, match=r"bad magic 0x12345678 at byte 0"):
        read_record(handle, 0, str(path))
    path.write_bytes(struct.pack("<II", MAGIC, 100) + b"abcd")
    with open(path, "rb") as handle, pytest.raises(ValueError, match="declares 100 bytes"):
        read_record(handle, 0, str(path))
    (tmp_path / "bad.idx").write_text("0\t0\n1 8\n")
    with pytest.raises(ValueError, match=r"bad\.idx:2: expected"):
        read_index(tmp_path / "bad.idx")
    with pytest.raises(ValueError, match="shorter than the 24-byte IRHeader"):
        unpack_record(b"abc")


def test_image_folder_variant(tmp_path):
    for ident, value in (("m.0abc", 10), ("m.0xyz", 200)):
        (tmp_path / ident).mkdir()
        cv2.imwrite(str(tmp_path / ident / "0.jpg"), np.full((8, 8, 3), value, np.uint8))
    data = FaceImageFolder(tmp_path, size=4)
    assert len(data) == 2 and data.identities == ["m.0abc", "m.0xyz"]
    assert data[1]["identity"] == 1 and data[1]["image"].shape == (3, 4, 4)
    with pytest.raises(FileNotFoundError, match="no <identity>/<image>"):
        FaceImageFolder(tmp_path / "empty")
