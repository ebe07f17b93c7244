"""HTTP plumbing every chain client shares: one polite session (an even request budget,
jitter, capped backoff honouring Retry-After), a request count that includes retries, and
transport failures turned into the typed errors of bot/chains/base.py. What a body means is
the chain's business: it passes a `decode` that raises those same errors."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

import aiohttp
from aiolimiter import AsyncLimiter

from bot.chains.base import (
    BadShape,
    Blocked,
    ChainError,
    RateLimited,
    ServerError,
    Timeout,
    Unreachable,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

#: A current desktop Chrome: the chains' own pages are what we look like.
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"
)


@dataclass(frozen=True)
class HttpOptions:
    """Where a chain is and the politeness and patience its client keeps; the same meaning
    for every chain (each chain's options set its own defaults). Not slotted: subclasses
    change defaults."""

    base_url: str = ""
    requests_per_second: float = 1.0
    jitter_seconds: float = 0.3
    timeout_seconds: float = 15.0
    max_retries: int = 3
    backoff_seconds: float = 2.0
    backoff_max_seconds: float = 60.0


class Backoff:
    """Capped exponential backoff with jitter (initial x 2^(n-1) + up to `initial` more,
    at most `maximum`), but never shorter than a 429's Retry-After."""

    def __init__(self, initial: float, maximum: float) -> None:
        self._initial = initial
        self._maximum = maximum

    def __call__(self, attempt: int, exc: BaseException) -> float:
        backoff = self._initial * 2.0 ** (attempt - 1) + random.uniform(0, self._initial)
        wait = max(min(backoff, self._maximum), 0.0)
        if isinstance(exc, RateLimited) and exc.retry_after:
            wait = max(wait, min(exc.retry_after, self._maximum))
        return wait


def retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is not used by the chains seen)."""
    try:
        return float(value) if value else None
    except ValueError:
        return None


def status_error(
    chain: str, endpoint: str, status: int, headers: Mapping[str, str]
) -> ChainError | None:
    """The typed error an HTTP status is, or None for 200."""
    if status == 200:
        return None
    if status == 403:
        return Blocked("HTTP 403: refused (bot protection?)", endpoint=endpoint, chain=chain)
    if status == 429:
        return RateLimited(
            "HTTP 429: too many requests",
            endpoint=endpoint,
            chain=chain,
            retry_after=retry_after(headers.get("Retry-After")),
        )
    if status >= 500:
        return ServerError(f"HTTP {status}", endpoint=endpoint, chain=chain)
    return BadShape(f"HTTP {status}", endpoint=endpoint, chain=chain)


class PoliteSession:
    """One aiohttp session shared by a chain's requests: a leaky bucket of one request (evenly
    spaced, never a burst), jitter, retries of transient errors only.

    `requests_made` counts HTTP requests actually sent, retries included: budgets use it.
    """

    def __init__(
        self, chain: str, options: HttpOptions, session: aiohttp.ClientSession | None = None
    ) -> None:
        self.chain = chain
        self.options = options
        self._own_session = session is None
        self._session = session
        period = 1.0 / options.requests_per_second if options.requests_per_second > 0 else 0.0
        self._limiter = AsyncLimiter(1, period) if period > 0 else None
        self._wait = Backoff(options.backoff_seconds, options.backoff_max_seconds)
        self.requests_made = 0

    async def __aenter__(self) -> Self:
        self.open()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def open(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.options.timeout_seconds),
                raise_for_status=False,
            )

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def post(
        self,
        url: str,
        endpoint: str,
        *,
        data: Callable[[], Any],
        headers: Mapping[str, str],
        decode: Callable[[bytes, str], T],
        screen: Callable[[bytes], None] | None = None,
    ) -> T:
        """POST `data()` (made anew per attempt: a multipart form is read once) and return
        `decode(body, content_type)` of a 200 answer; transient errors are retried.
        `screen(body)` runs first, whatever the status: a chain's own error page may come with
        any status (MEGABOX's "Workload is so high")."""
        # A plain loop, not tenacity: its per-call machinery was a tenth of a check's CPU.
        attempt = 1
        while True:
            try:
                return await self._post_once(url, endpoint, data(), headers, decode, screen)
            except ChainError as exc:
                exc.chain = exc.chain or self.chain
                if attempt > self.options.max_retries or not exc.transient:
                    raise
                wait = self._wait(attempt, exc)
                log.warning("%s; retry %d in %.1f s", exc.describe(), attempt, wait)
                await asyncio.sleep(wait)
                attempt += 1

    async def _post_once(
        self,
        url: str,
        endpoint: str,
        data: Any,
        headers: Mapping[str, str],
        decode: Callable[[bytes, str], T],
        screen: Callable[[bytes], None] | None,
    ) -> T:
        if self._session is None:
            self.open()
        assert self._session is not None
        if self._limiter is not None:
            await self._limiter.acquire()
        if self.options.jitter_seconds > 0:
            await asyncio.sleep(random.uniform(0, self.options.jitter_seconds))
        self.requests_made += 1
        try:
            async with self._session.post(
                url,
                data=data,
                headers=dict(headers),
                timeout=aiohttp.ClientTimeout(total=self.options.timeout_seconds),
            ) as response:
                raw = await response.read()
                if screen is not None:
                    screen(raw)
                error = status_error(self.chain, endpoint, response.status, response.headers)
                if error is not None:
                    raise error
                return decode(raw, response.content_type)
        except TimeoutError:
            raise Timeout(
                f"no answer within {self.options.timeout_seconds:g} s",
                endpoint=endpoint,
                chain=self.chain,
            ) from None
        except aiohttp.ClientError as exc:
            raise Unreachable(
                f"connection failed: {exc.__class__.__name__}", endpoint=endpoint, chain=self.chain
            ) from None


class PoliteClient:
    """What every chain client shares around its `PoliteSession`: the request count and
    the session's life (`async with`)."""

    _http: PoliteSession

    @property
    def requests_made(self) -> int:
        return self._http.requests_made

    async def __aenter__(self) -> Self:
        self._http.open()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.close()
