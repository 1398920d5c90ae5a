"""An HTTP client for agentbar's API that tries again when the server says nothing was done.

A server past what it can take sheds new work (`503`, `Retry-After`, `{"code": "busy"}`)
rather than queueing it; a database that took no write, a node still starting and a simulated
call that was not stored answer the same way with their own codes. Each of those refusals
means *nothing was done*, so the same request may be sent again, even a POST, once the
`Retry-After` has passed. A `503` that may have done something (`floor_unavailable`: an owner
may have taken the request and stopped before answering) is returned to the caller, as is any
other answer. `docs/api.md` ("Try again") lists the codes.

agentbar's own clients use it — `agentbar admin`, the sandbox a CRM team's tests drive, the
conformance kit — so a busy server slows them down instead of failing them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

NOTHING_DONE = frozenset({"busy", "storage_unavailable", "starting", "call_not_taken"})
"""The codes of a `503` after which the server has done nothing of the request."""
LONGEST_WAIT = 5.0
"""Seconds waited at most between two tries, whatever `Retry-After` says."""


def wait_before_again(
    response: httpx.Response, codes: frozenset[str] = NOTHING_DONE
) -> float | None:
    """Seconds to wait before sending `response`'s request again, or None if it must not be
    sent again (not a `503` with one of `codes`, which say nothing was done). The answer's
    body is read."""
    if response.status_code != 503:
        return None
    response.read()
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        return None
    if code not in codes:
        return None
    return seconds_asked(response.headers.get("retry-after"))


def seconds_asked(retry_after: str | None) -> float:
    """The wait a `Retry-After` header asks for, within 0 to `LONGEST_WAIT` seconds; 1 s when
    it is missing or an HTTP date (agentbar sends seconds, a proxy might not)."""
    try:
        asked = float(retry_after) if retry_after is not None else 1.0
    except ValueError:
        asked = 1.0
    return min(max(asked, 0.0), LONGEST_WAIT)


class TryAgainClient(httpx.Client):
    """An `httpx.Client` whose every request is sent again while the server answers that it
    did nothing (see `NOTHING_DONE`), after the `Retry-After` it asks, for at most
    `try_for` seconds from the first try. Then its last answer is returned as it came. A
    request whose body is a stream that cannot be sent twice is tried once. `codes` narrows
    the refusals tried again (a test of storage refusals wants to see them)."""

    def __init__(
        self,
        *,
        try_for: float,
        codes: frozenset[str] = NOTHING_DONE,
        told: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self._try_for = try_for
        self._codes = codes
        self._told = told
        self._sleep = sleep
        self._clock = clock

    def send(self, request: httpx.Request, **options: Any) -> httpx.Response:
        give_up_at = self._clock() + self._try_for
        # Asked before the first send: sending may leave the request holding its body read.
        once_only = not _sendable_again(request)
        while True:
            response = super().send(request, **options)
            if once_only:
                return response
            wait = wait_before_again(response, self._codes)
            if wait is None:
                return response
            if self._clock() + wait > give_up_at:
                return response
            response.close()
            if self._told is not None:
                self._told(
                    f"{request.method} {request.url.path}: {_detail(response)}; "
                    f"trying again in {wait:g} s"
                )
            self._sleep(wait)


def _sendable_again(request: httpx.Request) -> bool:
    # A body given whole (bytes, JSON, a form) is kept as a ByteStream; a generator is not.
    return isinstance(request.stream, httpx.ByteStream)


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return detail if isinstance(detail, str) else f"HTTP {response.status_code}"
