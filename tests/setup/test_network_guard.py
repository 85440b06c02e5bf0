"""The set-up tests' guard: anything beyond 127.0.0.1 is refused and recorded."""

from __future__ import annotations

import socket

import pytest


def test_the_guard_refuses_other_hosts(loopback_only: list[tuple[str, str]]) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.getaddrinfo("huggingface.co", 443)
    with socket.socket() as s, pytest.raises(ConnectionRefusedError):
        s.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed, refused before trying
    assert loopback_only == [("socket.getaddrinfo", "huggingface.co"),
                             ("socket.connect", "192.0.2.1")]
    loopback_only.clear()  # seen on purpose


def test_the_guard_lets_loopback_through(loopback_only: list[tuple[str, str]]) -> None:
    assert socket.getaddrinfo("localhost", 80)
    assert loopback_only == []
