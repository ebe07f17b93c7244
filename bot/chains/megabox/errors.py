"""Typed MEGABOX failures. None of them may ever be read as "no seats"."""

from __future__ import annotations


class MegaboxError(Exception):
    """Base class: MEGABOX did not give a usable answer."""

    kind = "error"
    #: Worth retrying soon (overload, 5xx, timeouts); a rejected request is not.
    transient = True

    def __init__(self, message: str, *, endpoint: str = "") -> None:
        super().__init__(message)
        self.endpoint = endpoint

    def describe(self) -> str:
        where = f" ({self.endpoint})" if self.endpoint else ""
        return f"{self.kind}{where}: {self}"


class Overloaded(MegaboxError):
    """Plain-text "Workload is so high", usually with HTTP 200 (README §13.1)."""

    kind = "overloaded"


class Rejected(MegaboxError):
    """JSON with statCd -1: MEGABOX refused the request's parameters (README §13.2)."""

    kind = "rejected"
    transient = False


class Blocked(MegaboxError):
    """HTTP 403: MEGABOX judged us a bot. Retrying at once only makes it worse."""

    kind = "blocked"
    transient = False


class RateLimited(MegaboxError):
    """HTTP 429."""

    kind = "rate-limited"

    def __init__(self, message: str, *, endpoint: str = "", retry_after: float | None = None):
        super().__init__(message, endpoint=endpoint)
        self.retry_after = retry_after


class ServerError(MegaboxError):
    """HTTP 5xx."""

    kind = "server-error"


class Timeout(MegaboxError):
    """No answer (or a broken connection) within the configured time."""

    kind = "timeout"


class BadShape(MegaboxError):
    """An answer we cannot read: HTML, truncated JSON, missing keys, wrong types."""

    kind = "unexpected-response"
    transient = False


class Unreachable(MegaboxError):
    """The connection failed (DNS, refused, reset) before any answer."""

    kind = "unreachable"
