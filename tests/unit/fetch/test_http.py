"""Transport: retries on each fault the loopback server injects, typed errors, rate limit."""

from __future__ import annotations

import pytest
from loopback_fetch import LoopbackRegistry

from trialsynth.errors import FetchError
from trialsynth.fetch.http import HttpClient, RateLimiter, RetryPolicy, redact


@pytest.mark.parametrize("fault", ["500", "503", "drop", "truncate", "slow", "badbody"])
def test_each_fault_is_retried_then_succeeds(fault, registry, client, sleeps):
    registry.faults["version"] = [fault, fault]
    version, _ = client.get_json("version", {})
    assert version["apiVersion"] == "2.0.5"
    assert [s.path for s in registry.seen] == ["/version"] * 3
    assert sleeps.waits == [1.0, 2.0]  # capped exponential backoff 1, 2, ...
    assert client.requests_made[-1].attempts == 3
    assert client.requests_made[-1].status == 200


def test_429_honours_retry_after(registry, client, sleeps):
    registry.faults["version"] = ["429"]
    registry.retry_after = "7"
    client.get_json("version", {})
    assert sleeps.waits == [7.0]


def test_retry_after_is_capped(registry, server, sleeps):
    registry.faults["version"] = ["429"]
    registry.retry_after = "99999"
    policy = RetryPolicy(max_attempts=2, retry_after_cap=30.0, sleep=sleeps)
    with HttpClient(server.url, requests_per_second=1000.0, policy=policy) as client:
        client.get_json("version", {})
    assert sleeps.waits == [30.0]


def test_backoff_is_capped():
    policy = RetryPolicy(backoff_base=1.0, backoff_cap=4.0)
    assert [policy.backoff(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 4.0, 4.0]


def test_last_retry_raises_fetch_error_naming_url_and_cause(registry, client, server):
    registry.faults["version"] = ["503"] * 10
    with pytest.raises(FetchError) as caught:
        client.get_json("version", {})
    message = str(caught.value)
    assert f"{server.url}/version" in message
    assert "HTTP 503" in message and "4 attempt(s)" in message
    assert len(registry.seen) == 4


def test_timeout_is_named_as_the_cause(registry, client):
    registry.faults["version"] = ["slow"] * 4
    with pytest.raises(FetchError, match="timeout"):
        client.get_json("version", {})


def test_client_error_is_not_retried(registry, client, server):
    with pytest.raises(FetchError, match="HTTP 404"):
        client.get_json("nothing-here", {})
    assert len(registry.seen) == 1


def test_secret_params_are_sent_but_not_recorded(registry, server, policy):
    with HttpClient(
        server.url, requests_per_second=1000.0, policy=policy, secret_params={"api_key": "S3CR"}
    ) as client:
        client.get_json("version", {"a": "1"})
    assert registry.seen[0].params == {"a": "1", "api_key": "S3CR"}
    assert client.requests_made[0].params == {"a": "1"}


def test_secret_is_redacted_from_the_final_error(registry, server, policy):
    registry.faults["version"] = ["drop"] * 4
    with (
        HttpClient(
            server.url, requests_per_second=1000.0, policy=policy, secret_params={"api_key": "S3CR"}
        ) as client,
        pytest.raises(FetchError) as caught,
    ):
        client.get_json("version", {})
    assert "S3CR" not in str(caught.value)
    assert redact("key=S3CR&x", ["S3CR"]) == "key=***&x"


def test_rate_limiter_spaces_requests():
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(2.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limiter.wait()
    assert waits == [0.5, 0.5]
    now[0] += 10.0
    limiter.wait()
    assert waits == [0.5, 0.5]


def test_rate_limiter_rejects_a_zero_rate():
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0.0)


def test_registry_fixture_is_empty(registry: LoopbackRegistry):
    assert registry.seen == []


def test_retry_after_as_an_http_date(registry, client, sleeps):
    registry.faults["version"] = ["429"]
    registry.retry_after = "Wed, 21 Oct 2015 07:28:00 GMT"  # already past: retry at once
    client.get_json("version", {})
    assert sleeps.waits == [0.0]
