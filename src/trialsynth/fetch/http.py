"""HTTP transport shared by the registry clients: one session per source, timeouts, a rate
limiter, retries with capped exponential backoff, body checks and a log of every request.

Retried: HTTP 429 (waiting as long as ``Retry-After`` says), 500/502/503/504, connection
errors and resets, timeouts, and truncated or unreadable bodies (Content-Length mismatch,
incomplete read, invalid JSON or XML on a 200). After the last attempt a
:class:`~trialsynth.errors.FetchError` names the URL and the cause. Secrets (an API key) are
sent but never logged, recorded or put in an error message.

References
----------
RFC 9110, section 10.2.3 (``Retry-After``); NCBI, "A General Introduction to the E-utilities"
(request rates); ClinicalTrials.gov API v2 documentation (rate limits).
"""

from __future__ import annotations

import email.utils
import json
import logging
import threading
import time
import xml.parsers.expat
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

import requests

from trialsynth import __version__
from trialsynth.errors import FetchError

log = logging.getLogger(__name__)

#: HTTP statuses that are worth another attempt.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Placeholder written wherever a secret would have appeared.
REDACTED = "***"


def utc_now() -> str:
    """Current UTC time as ISO 8601 with a ``Z`` suffix (seconds precision)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class RetryPolicy:
    """How often and how long to retry, and the timeouts of one attempt.

    Parameters
    ----------
    max_attempts
        Attempts per request (the first one included).
    backoff_base, backoff_cap
        The wait before retry ``n`` (1-based) is ``min(backoff_cap, backoff_base * 2**(n-1))``
        seconds (capped exponential backoff), unless the server sent ``Retry-After``.
    retry_after_cap
        Longest wait accepted from a ``Retry-After`` header, in seconds.
    connect_timeout, read_timeout
        Seconds to open a connection and between bytes of the reply (``requests`` timeouts).
    sleep
        The function that waits (injectable so tests run fast).
    """

    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    retry_after_cap: float = 300.0
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    sleep: Callable[[float], None] = time.sleep

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        return float(min(self.backoff_cap, self.backoff_base * 2 ** (retry - 1)))


class RateLimiter:
    """Spaces requests at least ``1 / requests_per_second`` apart (thread safe).

    Parameters
    ----------
    requests_per_second
        Highest request rate; must be positive.
    clock, sleep
        Monotonic clock and wait function (injectable for tests).
    """

    def __init__(
        self,
        requests_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not requests_per_second > 0:
            raise ValueError(f"requests_per_second must be positive, got {requests_per_second}")
        self.interval = 1.0 / requests_per_second
        self._clock = clock
        self._sleep = sleep
        self._next_allowed: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next request is allowed, then reserve its slot."""
        with self._lock:
            now = self._clock()
            if self._next_allowed is not None and now < self._next_allowed:
                self._sleep(self._next_allowed - now)
                now = self._next_allowed
            self._next_allowed = now + self.interval


@dataclass
class RequestRecord:
    """One request as written to the manifest (never with a secret)."""

    method: str
    path: str
    params: dict[str, Any]
    status: int | None
    utc: str
    attempts: int

    def as_dict(self) -> dict[str, Any]:
        """The manifest entry."""
        return asdict(self)


class _RetryableError(Exception):
    """An attempt failed in a way worth retrying."""

    def __init__(self, cause: str, *, status: int | None = None, wait: float | None = None):
        super().__init__(cause)
        self.cause = cause
        self.status = status
        self.wait = wait


class _RedactingFilter(logging.Filter):
    """Replaces secrets in log records of the HTTP libraries (they log full URLs at DEBUG)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message, self.secrets)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


def secret_forms(secret: str) -> list[str]:
    """The ways ``secret`` can appear in a URL, a form body or a log line: as given and
    percent-encoded (``+`` -> ``%2B``, ``/`` -> ``%2F``, space -> ``+`` or ``%20``; hex digits
    in upper or lower case), longest first so that no part of one form survives another."""
    forms = {secret, quote_plus(secret), quote(secret, safe=""), quote(secret)}
    forms |= {_lower_hex(form) for form in list(forms)}
    return sorted((f for f in forms if f), key=lambda f: (-len(f), f))


def _lower_hex(text: str) -> str:
    parts = text.split("%")
    return parts[0] + "".join("%" + p[:2].lower() + p[2:] for p in parts[1:])


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with every secret, raw or URL-encoded, replaced by :data:`REDACTED`."""
    for secret in secrets:
        if secret:
            for form in secret_forms(secret):
                text = text.replace(form, REDACTED)
    return text


class HttpClient:
    """A session to one source (base URL) with rate limiting, retries and a request log.

    Parameters
    ----------
    base_url
        Source root, e.g. ``https://clinicaltrials.gov/api/v2``; paths are appended to it.
    requests_per_second
        Rate limit of this source.
    policy
        Retry and timeout settings.
    secret_params
        Parameters sent with every request whose values are secret (e.g. ``{"api_key": KEY}``):
        they are sent, but left out of :attr:`requests_made` and redacted from logs and errors.
    limiter
        A ready rate limiter (overrides ``requests_per_second``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        requests_per_second: float,
        policy: RetryPolicy | None = None,
        secret_params: Mapping[str, str] | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.policy = policy or RetryPolicy()
        self.limiter = limiter or RateLimiter(requests_per_second)
        self.secret_params = {k: v for k, v in (secret_params or {}).items() if v}
        self.requests_made: list[RequestRecord] = []
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"trialsynth/{__version__}"
        self._secrets = list(self.secret_params.values())
        if self._secrets:
            self._filter = _RedactingFilter(self._secrets)
            for name in ("urllib3.connectionpool", "urllib3", "requests"):
                logging.getLogger(name).addFilter(self._filter)

    def close(self) -> None:
        """Close the session and remove the log filter."""
        self.session.close()
        if self._secrets:
            for name in ("urllib3.connectionpool", "urllib3", "requests"):
                logging.getLogger(name).removeFilter(self._filter)

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_json(self, path: str, params: Mapping[str, Any]) -> tuple[Any, bytes]:
        """GET ``path`` and return (parsed JSON, raw body); invalid JSON is retried."""
        body = self.request("GET", path, params, check=_check_json)
        return json.loads(body), body

    def get_xml(self, path: str, params: Mapping[str, Any]) -> bytes:
        """GET ``path`` and return the raw XML body; XML that is not well formed is retried."""
        return self.request("GET", path, params, check=_check_xml)

    def post_xml(self, path: str, data: Mapping[str, Any]) -> bytes:
        """POST form ``data`` to ``path`` (used when IDs are sent) and return the XML body."""
        return self.request("POST", path, data, check=_check_xml)

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any],
        *,
        check: Callable[[bytes], None] | None = None,
    ) -> bytes:
        """Send one request with retries; return the body of the successful reply.

        Raises
        ------
        FetchError
            After the last attempt, naming the URL (without secrets) and the last cause.
        """
        url = f"{self.base_url}/{path.lstrip('/')}"
        public = {k: v for k, v in params.items() if k not in self.secret_params}
        sent = {**public, **self.secret_params}
        started = utc_now()
        last: _RetryableError | None = None
        for attempt in range(1, self.policy.max_attempts + 1):
            if attempt > 1 and last is not None:
                wait = last.wait if last.wait is not None else self.policy.backoff(attempt - 1)
                log.warning(
                    "%s %s: %s; retry %d of %d in %.1f s",
                    method,
                    url,
                    self._redact(last.cause),
                    attempt - 1,
                    self.policy.max_attempts - 1,
                    wait,
                )
                self.policy.sleep(wait)
            self.limiter.wait()
            try:
                status, body = self._attempt(method, url, sent, check)
            except _RetryableError as exc:
                last = exc
                continue
            self.requests_made.append(
                RequestRecord(method, "/" + path.lstrip("/"), public, status, started, attempt)
            )
            return body
        assert last is not None
        self.requests_made.append(
            RequestRecord(method, "/" + path.lstrip("/"), public, last.status, started, attempt)
        )
        raise FetchError(
            f"{method} {url} failed after {self.policy.max_attempts} attempt(s): "
            f"{self._redact(last.cause)}"
        )

    def _attempt(
        self,
        method: str,
        url: str,
        sent: Mapping[str, Any],
        check: Callable[[bytes], None] | None,
    ) -> tuple[int, bytes]:
        timeout = (self.policy.connect_timeout, self.policy.read_timeout)
        try:
            if method == "POST":
                response = self.session.post(url, data=sent, timeout=timeout)
            else:
                response = self.session.get(url, params=sent, timeout=timeout)
            body = response.content
        except requests.Timeout as exc:
            raise _RetryableError(f"timeout ({type(exc).__name__})") from exc
        except requests.RequestException as exc:
            raise _RetryableError(f"{type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status in RETRY_STATUSES:
            wait = None
            if status == 429 or "Retry-After" in response.headers:
                wait = _retry_after(response.headers.get("Retry-After"))
                if wait is not None:
                    wait = min(wait, self.policy.retry_after_cap)
            raise _RetryableError(f"HTTP {status}", status=status, wait=wait)
        if status >= 400:
            snippet = body[:300].decode("utf-8", "replace").strip()
            raise FetchError(
                f"{method} {self._redact(url)} returned HTTP {status}: {self._redact(snippet)}"
            )
        _check_length(response, body)
        if check is not None:
            try:
                check(body)
            except ValueError as exc:
                raise _RetryableError(f"unreadable body on HTTP {status}: {exc}") from exc
        return status, body

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets)


def _check_length(response: requests.Response, body: bytes) -> None:
    """Raise a retryable error when the body is shorter or longer than Content-Length."""
    declared = response.headers.get("Content-Length")
    if declared is None or response.headers.get("Content-Encoding"):
        return  # a compressed body is checked by the decoder, not by its length
    if declared.isdigit() and int(declared) != len(body):
        raise _RetryableError(
            f"truncated body: Content-Length {declared}, received {len(body)} bytes"
        )


def _check_json(body: bytes) -> None:
    try:
        json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"invalid JSON ({exc})") from exc


def _check_xml(body: bytes) -> None:
    """Well-formedness check with expat (no DTD is loaded)."""
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(body, True)
    except xml.parsers.expat.ExpatError as exc:
        raise ValueError(f"invalid XML ({exc})") from exc


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), else None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


__all__ = [
    "REDACTED",
    "RETRY_STATUSES",
    "HttpClient",
    "RateLimiter",
    "RequestRecord",
    "RetryPolicy",
    "redact",
    "secret_forms",
    "utc_now",
]
