"""What the cinema fakes (megabox_server.py, lotte_server.py) share: the server's lifecycle,
the request log and the failure queue, and the failure-mode answers both sites give alike.

Each fake keeps its own routes, scenario and formats. Requests are keyed by one string per
fake (MEGABOX: the endpoint, "bokd"; Lotte: the MethodName, "GetSeats"): ``hold``, ``count``,
``fail`` and friends take that key.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar, cast

import msgspec
from aiohttp import web


class Recorded(Protocol):
    failure: str | None


R = TypeVar("R", bound=Recorded)
T_JSON = TypeVar("T_JSON")


@dataclass
class Failure:
    target: str | None  # the request key it is aimed at; None = any
    mode: str
    remaining: int  # -1 = until recover()
    when: dict[str, str] = field(default_factory=dict)  # only requests whose body has these


@dataclass
class Reply:
    status: int = 200
    payload: Any = None  # JSON-able; None with text set = non-JSON body
    text: str | None = None
    content_type: str = "application/json"  # each fake narrows it to its site's
    headers: dict[str, str] = field(default_factory=dict)


def as_str(value: Any) -> str:
    """A request field as the string a test's `when` compares against."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def http_failure(mode: str, error_page: str, html_type: str, json_type: str) -> Reply | None:
    """The failure modes both sites answer the same way (status pages, a 200 HTML page, an
    empty body); None for a mode the fake answers in its own format."""
    if mode in ("403", "429", "500", "502", "503"):
        headers = {"Retry-After": "1"} if mode == "429" else {}
        page = error_page.format(f"HTTP {mode}")
        return Reply(int(mode), text=page, content_type=html_type, headers=headers)
    if mode == "html":
        page = error_page.format("잠시 후 다시 이용해 주세요.")
        return Reply(text=page, content_type=html_type)
    if mode == "empty":
        return Reply(text="", content_type=json_type)
    return None


def render(reply: Reply, mode: str | None, *, bom: bool = False) -> web.Response:
    """`reply` on the wire; "bad-json" cuts the JSON in half (after any change to the payload)."""
    if reply.text is not None:
        data = reply.text.encode()
    else:
        # msgspec: the same JSON (UTF-8, no ASCII escapes), several times faster to write.
        text = _ENCODE(reply.payload).decode()
        if mode == "bad-json":
            text = text[: max(1, len(text) // 2)]
        if bom:
            text = "\ufeff" + text
        data = text.encode()
    headers = {"Content-Type": reply.content_type, **reply.headers}
    return web.Response(status=reply.status, body=data, headers=headers)


class FakeServer(Generic[R]):
    """One aiohttp server on `host` (port 0 = the OS picks) that logs every request, can hold
    requests on cue, and answers from a queue of injected failures before the fake's own reply.

    A subclass names the field of its RecordedRequest that is the key (KEY, also the word its
    errors use), sets TARGETS (the keys `fail` accepts), FAIL_MODES and ERROR_PAGE, and
    implements `_handle`, calling `_arrive` first.
    """

    KEY: ClassVar[str]
    TARGETS: ClassVar[frozenset[str]]
    FAIL_MODES: ClassVar[frozenset[str]]
    ERROR_PAGE: ClassVar[str]

    def __init__(self, *, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.latency: float = 0.0
        self.requests: list[R] = []
        self._arrived = asyncio.Condition()
        self._gates: dict[str, asyncio.Event] = {}
        self._failures: list[Failure] = []
        self._shutdown = asyncio.Event()
        self._runner: web.AppRunner | None = None

    def _key_of(self, rec: R) -> str:
        return str(getattr(rec, self.KEY))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError

    # ------------------------------------------------------------------ server lifecycle

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> str:
        # Bind first so a taken port fails before anything needs cleaning up; port 0 = OS pick.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._shutdown = asyncio.Event()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        return self.base_url

    async def close(self) -> None:
        self._shutdown.set()  # releases "timeout" handlers so shutdown cannot hang
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def serve_until_signalled(self) -> None:
        """Serve, print the address for a parent process to read, stop on SIGINT/SIGTERM."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        async with self:
            print(f"listening on {self.base_url}", flush=True)
            await stop.wait()

    # ------------------------------------------------------------------ request log

    def hold(self, key: str) -> None:
        """Keep requests for `key` waiting (a slow site, on cue) until release()."""
        self._gates[key] = asyncio.Event()

    def release(self, key: str) -> None:
        gate = self._gates.pop(key, None)
        if gate is not None:
            gate.set()

    async def wait_for_request(self, key: str, count: int = 1, within: float = 5.0) -> None:
        """Wait, without polling, until `count` requests for `key` have arrived."""
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: self.count(key) >= count)

    def count(self, key: str | None = None) -> int:
        return sum(1 for r in self.requests if key is None or self._key_of(r) == key)

    def last(self, key: str | None = None) -> R:
        return [r for r in self.requests if key is None or self._key_of(r) == key][-1]

    def reset_log(self) -> None:
        self.requests.clear()

    async def _arrive(self, rec: R) -> None:
        """Log `rec`, wake waiters, then wait out a hold() and the added latency."""
        self.requests.append(rec)
        async with self._arrived:
            self._arrived.notify_all()
        gate = self._gates.get(self._key_of(rec))
        if gate is not None:
            await gate.wait()  # held by the test until release()
        if self.latency > 0:
            await asyncio.sleep(self.latency)

    def _status_page(self, status: int) -> web.Response:
        text = self.ERROR_PAGE.format(status)
        return web.Response(status=status, text=text, content_type="text/html")

    async def _hang(self) -> web.Response:
        """The "timeout" mode: no answer until the fake closes; the client gives up first."""
        await self._shutdown.wait()
        return web.Response(status=503)

    # ------------------------------------------------------------------ failure injection

    def fail(
        self,
        key: str | None,
        mode: str,
        times: int = 1,
        *,
        when: Mapping[str, str] | None = None,
    ) -> None:
        """Queue a failure for `key` (None: any). First match per request, in queue order.

        `when` limits it to requests whose body has these values (as strings), e.g.
        {"playDe": "20261205"} (one part of a check fails) or {"playSequence": "3"}.
        """
        if key is not None and key not in self.TARGETS:
            raise ValueError(f"unknown {self.KEY} {key!r}; use one of {sorted(self.TARGETS)}")
        if mode not in self.FAIL_MODES:
            modes = sorted(self.FAIL_MODES)
            raise ValueError(f"unknown failure mode {mode!r}; use one of {modes}")
        if times == 0 or times < -1:
            raise ValueError("times must be >= 1, or -1 for 'until recover()'")
        self._failures.append(Failure(key, mode, times, dict(when or {})))

    def fail_always(
        self, key: str | None, mode: str, *, when: Mapping[str, str] | None = None
    ) -> None:
        self.fail(key, mode, times=-1, when=when)

    def recover(self, key: str | None = None) -> None:
        """Drop queued failures (all, or those aimed at `key`)."""
        self._failures = [f for f in self._failures if key is not None and f.target != key]

    def _take_failure(self, key: str, body: Mapping[str, str]) -> str | None:
        for f in self._failures:
            wanted = all(body.get(k) == v for k, v in f.when.items())
            if (f.target is None or f.target == key) and wanted:
                if f.remaining > 0:
                    f.remaining -= 1
                    if f.remaining == 0:
                        self._failures.remove(f)
                return f.mode
        return None


# ---------------------------------------------------------------------- standalone process


def base_parser(description: str, port: int) -> argparse.ArgumentParser:
    """The options every fake's `python -m` takes; a fake adds its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument(
        "--live",
        action="store_true",
        help="move the scenario to the week ahead of today (KST), for a bot on the real clock",
    )
    return parser


def json_copy(value: T_JSON) -> T_JSON:
    """A deep copy of JSON-shaped data (dicts, lists, strings, numbers): msgspec's round trip
    is ~20x faster than `copy.deepcopy`, which was a tenth of the model-based test."""
    return cast(T_JSON, _DECODE(_ENCODE(value)))


_ENCODE = msgspec.json.Encoder().encode
_DECODE = msgspec.json.Decoder().decode
