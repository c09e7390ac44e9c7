"""Fixtures of the fetch tests: a loopback registry server and a fast retry policy."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from loopback_fetch import LoopbackRegistry, LoopbackServer

from trialsynth.fetch.http import HttpClient, RetryPolicy


class SleepRecorder:
    """Stands in for ``time.sleep``: records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def policy(sleeps: SleepRecorder) -> RetryPolicy:
    """Four attempts, 1-2-4 s backoff (recorded, not waited), 0.2 s read timeout."""
    return RetryPolicy(
        max_attempts=4,
        backoff_base=1.0,
        backoff_cap=4.0,
        connect_timeout=2.0,
        read_timeout=0.2,
        sleep=sleeps,
    )


@pytest.fixture
def registry() -> LoopbackRegistry:
    return LoopbackRegistry()


@pytest.fixture
def server(registry: LoopbackRegistry) -> Iterator[LoopbackServer]:
    with LoopbackServer(registry) as running:
        yield running


@pytest.fixture
def client(server: LoopbackServer, policy: RetryPolicy) -> Iterator[HttpClient]:
    with HttpClient(server.url, requests_per_second=1000.0, policy=policy) as made:
        yield made
