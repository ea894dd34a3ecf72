"""Fixtures shared by every test folder."""

import socket

import pytest


@pytest.fixture
def free_port() -> int:
    """A TCP port free on this machine now: the rendezvous of the local gloo process groups of the DDP tests."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
