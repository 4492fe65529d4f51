"""Failed authentication, rate-limited per client address: guessing keys, tokens or signatures
costs the guesser a 429 with ``Retry-After`` after ``TRIAGE_AUTH_FAILURE_LIMIT`` failures in
``TRIAGE_AUTH_FAILURE_WINDOW_SECONDS``.

One limiter per process, shared by API keys, inbound tokens, provider signatures and the
metrics token. A blocked address is refused before any credential is checked (no database
lookup, no signature verification: the refusal is cheap). Successful requests are never
counted. Behind a reverse proxy the client address is the one uvicorn takes from
``X-Forwarded-For`` of the proxies listed in ``TRIAGE_FORWARDED_ALLOW_IPS``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import JSONResponse

TRACKED_ADDRESSES = 100_000
"""Most addresses remembered at once (the oldest are forgotten first): bounded memory."""


class AuthFailureLimiter:
    """Sliding window of failure times per address."""

    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, address: str) -> int | None:
        """Seconds until ``address`` may try again, or None if it is not blocked."""
        with self._lock:
            failures = self._recent(address)
            if failures is None or len(failures) < self.limit:
                return None
            return max(1, math.ceil(failures[0] + self.window - self._clock()))

    def failed(self, address: str) -> None:
        with self._lock:
            failures = self._recent(address)
            if failures is None:
                failures = self._failures[address] = deque(maxlen=self.limit)
                if len(self._failures) > TRACKED_ADDRESSES:
                    self._failures.popitem(last=False)
            failures.append(self._clock())
            self._failures.move_to_end(address)

    def _recent(self, address: str) -> deque[float] | None:
        failures = self._failures.get(address)
        if failures is not None:
            horizon = self._clock() - self.window
            while failures and failures[0] <= horizon:
                failures.popleft()
        return failures


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limiter(request: Request) -> AuthFailureLimiter:
    return request.app.state.auth_limiter


def too_many_failures(seconds: int) -> JSONResponse:
    return JSONResponse(
        {"detail": f"too many failed authentications from this address; retry in {seconds} s"},
        status_code=429,
        headers={"Retry-After": str(seconds)},
    )


class TooManyFailures(Exception):
    """Raised by the auth dependencies; answered by :func:`too_many_failures`."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"retry in {seconds} s")
        self.seconds = seconds


def refuse_if_blocked(request: Request) -> None:
    """:class:`TooManyFailures` when this client address is over its failure budget."""
    seconds = limiter(request).retry_after(client_address(request))
    if seconds is not None:
        raise TooManyFailures(seconds)


def record_failure(request: Request) -> None:
    limiter(request).failed(client_address(request))
