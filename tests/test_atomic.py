"""The atomic writer: stale temporaries of a killed writer are removed, the folder is fsynced after the rename."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from fer_lib.atomic import atomic_write


def _dead_pid() -> int:
    """The pid of a process that has exited."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_the_next_write_removes_a_killed_writers_temporaries_only(tmp_path):
    target = tmp_path / "last.pt"
    stale = tmp_path / f".last.pt.{_dead_pid()}.k2j4h6g8.tmp"      # killed between write and rename
    legacy = tmp_path / ".last.pt.q1w2e3r4.tmp"                     # the earlier naming (no pid)
    live = tmp_path / f".last.pt.{os.getpid()}.zz9_aa00.tmp"        # a writer that is still running
    other = tmp_path / f".last.pt.old.{_dead_pid()}.k2j4h6g8.tmp"   # a temporary of another target, last.pt.old
    for p in (stale, legacy, live, other):
        p.write_bytes(b"\0" * 4096)
    with atomic_write(target, "wb") as handle:
        names = {p.name for p in tmp_path.iterdir()}
        ours = names - {stale.name, legacy.name, live.name, other.name}
        assert len(ours) == 1 and next(iter(ours)).startswith(f".last.pt.{os.getpid()}.")  # the naming scheme
        handle.write(b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, live.name, other.name])


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as handle:
            handle.write("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_the_folder_is_fsynced_after_the_rename(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def spy(fd):
        mode = os.fstat(fd).st_mode
        synced.append(("dir" if stat.S_ISDIR(mode) else "file", (tmp_path / "a.txt").exists()))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    with atomic_write(tmp_path / "a.txt") as handle:
        handle.write("x")
    assert synced == [("file", False), ("dir", True)]  # the data before the rename, the folder after it
