"""A protocol-level fake Discord (REST v10 + gateway) for driving an unmodified discord.py client.

The fake listens on 127.0.0.1 with an OS-assigned port. The client is pointed at it by patching
``discord.http.Route.BASE`` and ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``
(:meth:`FakeDiscord.patch_client`) or, for a bot in a subprocess, through :meth:`FakeDiscord.env`.

Everything the client sends is recorded as plain JSON dicts, so tests assert on the wire format
(e.g. ``allowed_mentions``) rather than on discord.py objects. Tests wait with
:meth:`FakeDiscord.wait_for` (an ``asyncio.Condition`` notified after every request and gateway
event) instead of sleeping.

As Discord does with ``enforce_nonce`` (discord.py sends it with every nonce), a message create
whose nonce the bot used in the last few minutes answers with that earlier message and posts
nothing (:attr:`FakeDiscord.nonce_replays`). Failures can be injected (:meth:`FakeDiscord.fail_next`,
also "stored, but the reply was lost"), and requests held like a slow Discord
(:meth:`FakeDiscord.hold`).

Usage::

    async with FakeDiscord(guilds=[guild]) as fake, fake.patch_client():
        bot = commands.Bot(command_prefix="!", intents=discord.Intents.default(),
                           guild_ready_timeout=0.05)
        async with bot:
            task = asyncio.create_task(bot.start(fake.token))
            await bot.wait_until_ready()
            ...
            await bot.close()   # close the client before the fake, or it starts reconnecting
"""

# The wait helpers take ``timeout=`` on purpose: tests read better than with asyncio.timeout.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import fnmatch
import json
import re
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import discord.gateway
import discord.http
import yarl
from aiohttp import WSMsgType, web

__all__ = [
    "DEFAULT_APPLICATION_ID",
    "DEFAULT_BOT_USER_ID",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "DEFAULT_OWNER_ID",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeRole",
    "InteractionResponses",
    "JSONDict",
    "RecordedEdit",
    "RecordedMessage",
    "RecordedRequest",
]

JSONDict = dict[str, Any]

DEFAULT_BOT_USER_ID = 1300000000000000001
DEFAULT_APPLICATION_ID = DEFAULT_BOT_USER_ID  # Discord gives a bot the id of its application
DEFAULT_OWNER_ID = 1300000000000000002
DISCORD_EPOCH_MS = 1420070400000
EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = discord.Permissions.all().value
# Roughly what @everyone gets in a freshly created guild.
DEFAULT_EVERYONE_PERMISSIONS = discord.Permissions(
    create_instant_invite=True,
    add_reactions=True,
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    use_external_emojis=True,
    connect=True,
    speak=True,
    change_nickname=True,
    use_application_commands=True,
    create_public_threads=True,
    send_messages_in_threads=True,
).value
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
HEARTBEAT_INTERVAL_MS = 41250
_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")


# --------------------------------------------------------------------------- world model


@dataclass
class FakeChannel:
    id: int
    name: str
    type: int = 0  # 0 text, 2 voice, 4 category, 5 announcement, 15 forum
    parent_id: int | None = None
    topic: str | None = None


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int | None = None  # None: its index in FakeGuild.roles


@dataclass
class FakeMember:
    user_id: int
    username: str
    roles: list[int] = field(default_factory=list)
    # Resolved permission bitfield sent in interactions; None computes it from the roles.
    permissions: int | None = None
    global_name: str | None = None
    nick: str | None = None
    bot: bool = False


@dataclass
class FakeGuild:
    id: int
    name: str
    channels: list[FakeChannel] = field(default_factory=list)
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    # The owner has every permission; None: the application owner (usually not a member).
    owner_id: int | None = None
    bot_roles: list[int] = field(default_factory=list)  # roles of the bot's own member

    def __post_init__(self) -> None:
        # Discord always has an @everyone role whose id is the guild id.
        if not any(role.id == self.id for role in self.roles):
            everyone = FakeRole(self.id, "@everyone", DEFAULT_EVERYONE_PERMISSIONS, position=0)
            self.roles.insert(0, everyone)

    @property
    def everyone(self) -> FakeRole:
        return next(role for role in self.roles if role.id == self.id)

    def channel(self, channel_id: int) -> FakeChannel | None:
        return next((c for c in self.channels if c.id == channel_id), None)

    def member(self, user_id: int) -> FakeMember | None:
        return next((m for m in self.members if m.user_id == user_id), None)

    def role(self, role_id: int) -> FakeRole | None:
        return next((r for r in self.roles if r.id == role_id), None)


# --------------------------------------------------------------------------- recordings


@dataclass
class RecordedRequest:
    method: str
    path: str  # relative to /api/v10, without the query string
    query: dict[str, str]
    body: Any
    status: int = 0


@dataclass
class RecordedMessage:
    channel_id: int
    id: int
    payload: JSONDict  # the JSON body the client POSTed
    edits: list[JSONDict] = field(default_factory=list)  # PATCH bodies, in order
    data: JSONDict = field(default_factory=dict)  # the message object as the fake serves it now
    deleted: bool = False

    @property
    def content(self) -> str:
        return str(self.data.get("content", ""))

    @property
    def embeds(self) -> list[JSONDict]:
        return list(self.data.get("embeds", []))


@dataclass
class RecordedEdit:
    channel_id: int
    message_id: int
    payload: JSONDict


@dataclass
class FakeInteraction:
    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user_id: int
    payload: JSONDict  # the INTERACTION_CREATE data as dispatched


@dataclass
class InteractionResponses:
    callbacks: list[JSONDict]
    followups: list[JSONDict]
    original_edits: list[JSONDict]
    followup_edits: list[JSONDict]


@dataclass
class _Failure:
    method: str
    path: str  # fnmatch pattern
    status: int
    times: int
    retry_after: float
    body: JSONDict | None
    is_global: bool
    after_store: bool = False  # handle the request, then answer with the failure anyway


@dataclass
class _Hold:
    method: str
    path: str  # fnmatch pattern
    gate: asyncio.Event


@dataclass
class _InteractionState:
    interaction: FakeInteraction
    created: float
    response_type: int | None = None
    original: JSONDict | None = None
    original_record: RecordedMessage | None = None  # the channel message a component sits on
    followups: dict[int, JSONDict] = field(default_factory=dict)


@dataclass
class _GatewayConn:
    ws: web.WebSocketResponse
    ready: bool = False  # identified or resumed: dispatches may go to it


@dataclass
class _Call:
    request: web.Request
    method: str
    path: str
    params: dict[str, str]
    body: Any
    files: list[tuple[str, bytes]]

    def obj(self) -> JSONDict:
        return self.body if isinstance(self.body, dict) else {}


_Handler = Callable[[_Call], Awaitable[web.StreamResponse]]


# --------------------------------------------------------------------------- helpers


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    # discord.py only decodes JSON when Content-Type is exactly "application/json";
    # aiohttp's json_response appends "; charset=utf-8", so build the response by hand.
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        content_type="application/json",
        headers=headers,
    )


def _error(status: int, message: str, code: int = 0) -> web.Response:
    return _json({"message": message, "code": code}, status=status)


_Problem = tuple[tuple[str | int, ...], str, str]


def _form_error(problems: list[_Problem]) -> web.Response:
    """Discord's nested 50035 body; discord.py flattens it to 'In a.b: message'."""
    errors: JSONDict = {}
    for path, code, message in problems:
        node = errors
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return _json({"message": "Invalid Form Body", "code": 50035, "errors": errors}, status=400)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _max_len(value: Any, limit: int, path: tuple[str | int, ...]) -> list[_Problem]:
    if isinstance(value, str) and len(value) > limit:
        return [(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")]
    return []


def _validate_embeds(embeds: list[Any]) -> list[_Problem]:
    problems: list[_Problem] = []
    if len(embeds) > 10:
        problems.append((("embeds",), "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."))
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        at: tuple[str | int, ...] = ("embeds", i)
        problems += _max_len(embed.get("title"), 256, (*at, "title"))
        problems += _max_len(embed.get("description"), 4096, (*at, "description"))
        footer = embed.get("footer") or {}
        author = embed.get("author") or {}
        problems += _max_len(footer.get("text"), 2048, (*at, "footer", "text"))
        problems += _max_len(author.get("name"), 256, (*at, "author", "name"))
        fields = embed.get("fields") or []
        if len(fields) > 25:
            problems.append(((*at, "fields"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer."))
        for j, fld in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                value = fld.get(key)
                if not value:
                    problems.append(
                        ((*at, "fields", j, key), "BASE_TYPE_REQUIRED", "This field is required")
                    )
                problems += _max_len(value, limit, (*at, "fields", j, key))
                total += len(value or "")
        for text in (embed.get("title"), embed.get("description"), footer.get("text")):
            total += len(text or "")
        total += len(author.get("name") or "")
    if total > 6000:
        problems.append((("embeds",), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size"))
    return problems


def _validate_components(components: list[Any], flags: int) -> list[_Problem]:
    if flags & IS_COMPONENTS_V2:
        return []  # layout components have their own rules; not modelled
    problems: list[_Problem] = []
    if len(components) > 5:
        problems.append((("components",), "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length."))
    for i, row in enumerate(components):
        children = row.get("components") or []
        if row.get("type") != 1:
            problems.append((("components", i, "type"), "BASE_TYPE_CHOICES", "Not an action row."))
        if len(children) > 5:
            problems.append(
                (("components", i, "components"), "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer.")
            )
        for j, child in enumerate(children):
            at: tuple[str | int, ...] = ("components", i, "components", j)
            problems += _max_len(child.get("label"), 80, (*at, "label"))
            problems += _max_len(child.get("custom_id"), 100, (*at, "custom_id"))
            if child.get("type") != 2:
                continue
            if child.get("style") == 5:  # link button: url, never custom_id
                url = str(child.get("url") or "")
                if not url.startswith(("http://", "https://", "discord://")):
                    problems.append(
                        ((*at, "url"), "URL_TYPE_INVALID_URL", "Not a well formed URL.")
                    )
                if child.get("custom_id"):
                    problems.append(
                        (
                            (*at, "custom_id"),
                            "BUTTON_COMPONENT_URL_AND_CUSTOM_ID",
                            "Link buttons cannot have a custom_id.",
                        )
                    )
            elif child.get("style") != 6 and not child.get("custom_id"):
                problems.append(
                    ((*at, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
                )
    return problems


def _validate_message(payload: JSONDict, *, n_files: int, creating: bool) -> web.Response | None:
    """What Discord rejects and a bot could plausibly get wrong."""
    has_body = bool(
        payload.get("content")
        or payload.get("embeds")
        or payload.get("components")
        or payload.get("sticker_ids")
        or payload.get("poll")
        or n_files
    )
    if creating and not has_body:
        return _error(400, "Cannot send an empty message", 50006)
    flags = int(payload.get("flags") or 0)
    problems = _max_len(payload.get("content"), 2000, ("content",))
    problems += _validate_embeds(list(payload.get("embeds") or []))
    problems += _validate_components(list(payload.get("components") or []), flags)
    return _form_error(problems) if problems else None


def _validate_commands(commands: list[Any]) -> web.Response | None:
    problems: list[_Problem] = []
    seen: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        ctype = int(cmd.get("type", 1))
        name = str(cmd.get("name", ""))
        if (ctype, name) in seen:
            problems.append(((i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate name"))
        seen.add((ctype, name))
        if ctype == 1:
            problems += _validate_option_list(cmd, (i,))
        elif not 1 <= len(name) <= 32:
            problems.append(((i, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32."))
    if sum(1 for c in commands if int(c.get("type", 1)) == 1) > 100:
        problems.append(((), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer chat input commands."))
    return _form_error(problems) if problems else None


def _validate_option_list(node: JSONDict, at: tuple[str | int, ...]) -> list[_Problem]:
    """Name/description rules shared by chat-input commands and their options."""
    problems: list[_Problem] = []
    name = str(node.get("name", ""))
    if not _NAME_RE.match(name) or name != name.lower():
        problems.append(
            ((*at, "name"), "APPLICATION_COMMAND_INVALID_NAME", f"Invalid name {name!r}")
        )
    description = str(node.get("description", ""))
    if not 1 <= len(description) <= 100:
        problems.append(
            ((*at, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        )
    options = list(node.get("options") or [])
    if len(options) > 25:
        problems.append(((*at, "options"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer."))
    if len(node.get("choices") or []) > 25:
        problems.append(((*at, "choices"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer."))
    seen_optional = False
    names: set[str] = set()
    for j, opt in enumerate(options):
        sub = (*at, "options", j)
        if opt.get("name") in names:
            problems.append(((*sub, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate"))
        names.add(opt.get("name"))
        if opt.get("type") not in (1, 2):
            if opt.get("required"):
                if seen_optional:
                    problems.append(
                        (
                            (*sub, "required"),
                            "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                            "Required options must be placed before non-required options",
                        )
                    )
            else:
                seen_optional = True
        problems += _validate_option_list(opt, sub)
    return problems


# --------------------------------------------------------------------------- client patching


class ClientPatch:
    """Redirects discord.py to the fake; applied on creation.

    Use as ``with fake.patch_client(): ...``, ``async with ...``, or
    ``undo = fake.patch_client(); ...; undo()``.
    """

    def __init__(self, api_base: str, gateway_url: str) -> None:
        self._old_base = discord.http.Route.BASE
        self._old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        self._undone = False
        discord.http.Route.BASE = api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

    def undo(self) -> None:
        if not self._undone:
            discord.http.Route.BASE = self._old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._old_gateway
            self._undone = True

    __call__ = undo

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.undo()

    # Also async, so it can share one ``async with`` statement with FakeDiscord.
    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.undo()


# --------------------------------------------------------------------------- the fake


class FakeDiscord:
    """Fake Discord REST API (``/api/v10``) and gateway (``/gateway``) on 127.0.0.1."""

    def __init__(
        self,
        *,
        token: str = "test-token",
        guilds: Iterable[FakeGuild] = (),
        bot_user_id: int = DEFAULT_BOT_USER_ID,
        application_id: int | None = None,
        bot_username: str = "megabox-watch",
        owner_id: int = DEFAULT_OWNER_ID,
        echo_message_create: bool = False,
        interaction_ack_deadline: float | None = None,
    ) -> None:
        """
        ``echo_message_create``: also dispatch MESSAGE_CREATE for the bot's own messages, as
        Discord does. ``interaction_ack_deadline``: seconds after which an initial interaction
        callback fails with 10062 Unknown interaction (Discord allows 3); None disables it.
        """
        self.token = token
        self.guilds: list[FakeGuild] = list(guilds)
        self.bot_user_id = bot_user_id
        self.application_id = application_id if application_id is not None else bot_user_id
        self.bot_username = bot_username
        self.owner_id = owner_id
        self.echo_message_create = echo_message_create
        self.interaction_ack_deadline = interaction_ack_deadline

        # recordings
        self.requests: list[tuple[str, str]] = []
        self.request_log: list[RecordedRequest] = []
        self.unhandled: list[tuple[str, str]] = []
        self.messages: list[RecordedMessage] = []
        #: Attachment id → the uploaded bytes (to check what a file really is).
        self.uploads: dict[str, bytes] = {}
        self.message_edits: list[RecordedEdit] = []
        self.message_deletes: list[tuple[int, int]] = []
        self.command_syncs: list[tuple[int | None, list[JSONDict]]] = []
        self.interaction_callbacks: dict[int, list[JSONDict]] = {}
        self.followups: list[tuple[str, JSONDict]] = []
        self.original_edits: list[tuple[str, JSONDict]] = []
        self.followup_edits: list[tuple[str, int, JSONDict]] = []
        self.webhook_deletes: list[tuple[str, str]] = []
        self.dm_channels: dict[int, int] = {}  # recipient user id -> DM channel id
        self.injected_failures: list[tuple[str, str, int]] = []
        self.dispatched: list[tuple[str, JSONDict]] = []
        self.presence_updates: list[JSONDict] = []
        self.member_requests: list[JSONDict] = []
        self.identify_count = 0
        self.resume_count = 0
        self.heartbeat_count = 0
        self.gateway_connections = 0
        self.last_identify: JSONDict | None = None

        # state
        self._commands: dict[int | None, list[JSONDict]] = {}
        self._command_ids: dict[tuple[int | None, int, str], int] = {}
        self._messages_by_id: dict[int, RecordedMessage] = {}
        self._response_messages: dict[int, JSONDict] = {}  # interaction replies by message id
        self._dm_recipients: dict[int, int] = {}  # DM channel id -> recipient
        self._closed_dms: set[int] = set()
        self._forbidden_channels: set[int] = set()
        self._failures: list[_Failure] = []
        self._holds: list[_Hold] = []
        #: (author id, nonce) -> (monotonic time, message): Discord's enforce_nonce memory.
        self._nonces: dict[tuple[int, str], tuple[float, RecordedMessage]] = {}
        #: How long Discord remembers a nonce ("the past few minutes").
        self.nonce_window_seconds = 300.0
        #: Message creates answered with an earlier message because of a repeated nonce.
        self.nonce_replays: list[RecordedMessage] = []
        self._interactions: dict[int, _InteractionState] = {}
        self._tokens: dict[str, int] = {}
        self._conns: list[_GatewayConn] = []
        self._session_id: str | None = None
        self._seq = 0
        self._last_id = 0
        self._routes: list[tuple[str, re.Pattern[str], _Handler, bool]] = []
        self._add_routes()

        self._cond = asyncio.Condition()
        self._send_lock = asyncio.Lock()
        self._live = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        # Bind the socket ourselves so the OS-assigned port is known without private attributes.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        for hold in self._holds:  # a held request must not keep the server from stopping
            hold.gate.set()
        self._holds.clear()
        for conn in list(self._conns):
            conn.ready = False
            await conn.ws.close(code=1001, message=b"fake server shutting down")
        self._live.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def patch_client(self) -> ClientPatch:
        """Point discord.py at this fake now; undo with ``with`` or by calling the result."""
        return ClientPatch(self.api_base, self.gateway_url)

    def env(self) -> dict[str, str]:
        """Variables for a bot subprocess whose test-only override module reads them."""
        return {"DISCORD_API_BASE": self.api_base, "DISCORD_GATEWAY_URL": self.gateway_url}

    # ------------------------------------------------------------------ world helpers

    def guild(self, guild_id: int) -> FakeGuild:
        for guild in self.guilds:
            if guild.id == guild_id:
                return guild
        raise AssertionError(f"fake has no guild {guild_id}")

    def _find_guild(self, guild_id: int) -> FakeGuild | None:
        return next((g for g in self.guilds if g.id == guild_id), None)

    def _channel_guild(self, channel_id: int) -> FakeGuild | None:
        return next((g for g in self.guilds if g.channel(channel_id) is not None), None)

    def _owner_of(self, guild: FakeGuild) -> int:
        return guild.owner_id if guild.owner_id is not None else self.owner_id

    def member_permissions(self, guild: FakeGuild, member: FakeMember) -> int:
        if member.permissions is not None:
            return member.permissions
        return self._role_permissions(guild, member.user_id, member.roles)

    def _role_permissions(self, guild: FakeGuild, user_id: int, role_ids: Iterable[int]) -> int:
        if user_id == self._owner_of(guild):
            return ALL_PERMISSIONS
        perms = guild.everyone.permissions
        for rid in role_ids:
            role = guild.role(rid)
            if role is not None:
                perms |= role.permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def _next_id(self) -> int:
        # Time-based and strictly increasing, so created_at looks right and ids sort.
        now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_id = max(self._last_id + 1, now)
        return self._last_id

    def _bot_user(self) -> JSONDict:
        return {
            "id": str(self.bot_user_id),
            "username": self.bot_username,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "public_flags": 0,
        }

    def _known_member(self, user_id: int) -> FakeMember | None:
        for guild in self.guilds:
            member = guild.member(user_id)
            if member is not None:
                return member
        return None

    def _user(self, user_id: int) -> JSONDict:
        if user_id == self.bot_user_id:
            return self._bot_user()
        member = self._known_member(user_id)
        return {
            "id": str(user_id),
            "username": member.username if member else f"user{user_id}",
            "discriminator": "0",
            "global_name": member.global_name if member else None,
            "avatar": None,
            "bot": member.bot if member else False,
            "public_flags": 0,
        }

    def _member_obj(
        self, guild: FakeGuild, member: FakeMember, *, with_user: bool = True
    ) -> JSONDict:
        data: JSONDict = {
            "roles": [str(r) for r in member.roles],
            "nick": member.nick,
            "avatar": None,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self._user(member.user_id)
        return data

    def _bot_member(self, guild: FakeGuild) -> FakeMember:
        return FakeMember(self.bot_user_id, self.bot_username, list(guild.bot_roles), bot=True)

    def _role_obj(self, guild: FakeGuild, role: FakeRole) -> JSONDict:
        position = role.position if role.position is not None else guild.roles.index(role)
        return {
            "id": str(role.id),
            "name": role.name,
            "color": 0,
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(role.permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }

    def _channel_obj(self, guild: FakeGuild, channel: FakeChannel) -> JSONDict:
        return {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(guild.id),
            "name": channel.name,
            "position": guild.channels.index(channel),
            "permission_overwrites": [],
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "topic": channel.topic,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def _dm_obj(self, channel_id: int, recipient: int) -> JSONDict:
        return {
            "id": str(channel_id),
            "type": 1,
            "last_message_id": None,
            "flags": 0,
            "recipients": [self._user(recipient)],
        }

    def _guild_obj(self, guild: FakeGuild) -> JSONDict:
        members = [self._member_obj(guild, m) for m in guild.members]
        if guild.member(self.bot_user_id) is None:
            members.append(self._member_obj(guild, self._bot_member(guild)))
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self._owner_of(guild)),
            "region": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "premium_progress_bar_enabled": False,
            "features": [],
            "roles": [self._role_obj(guild, r) for r in guild.roles],
            "emojis": [],
            "stickers": [],
            # GUILD_CREATE-only fields
            "joined_at": "2024-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "members": members,
            "channels": [self._channel_obj(guild, c) for c in guild.channels],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    # ------------------------------------------------------------------ waiting

    async def _notify(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    async def wait_for(
        self, predicate: Callable[[], object], timeout: float = 5.0, *, what: str = ""
    ) -> None:
        """Wait until ``predicate()`` is truthy; re-checked after every request/gateway event."""
        async with self._cond:
            try:
                await asyncio.wait_for(self._cond.wait_for(predicate), timeout)
            except TimeoutError:
                label = what or getattr(predicate, "__name__", repr(predicate))
                raise AssertionError(
                    f"fake Discord: timed out after {timeout}s waiting for {label}\n"
                    + self.summary()
                ) from None

    async def wait_for_messages(
        self, channel_id: int, count: int = 1, timeout: float = 5.0
    ) -> list[RecordedMessage]:
        await self.wait_for(
            lambda: len(self.messages_in(channel_id)) >= count,
            timeout,
            what=f"{count} message(s) in channel {channel_id}",
        )
        return self.messages_in(channel_id)

    async def wait_for_callback(
        self, interaction: FakeInteraction | int, timeout: float = 5.0
    ) -> JSONDict:
        """The first callback body (``{"type": ..., "data": ...}``) for the interaction."""
        iid = interaction.id if isinstance(interaction, FakeInteraction) else interaction
        await self.wait_for(
            lambda: bool(self.interaction_callbacks.get(iid)),
            timeout,
            what=f"a callback for interaction {iid}",
        )
        return self.interaction_callbacks[iid][0]

    async def wait_for_followup(
        self, token: FakeInteraction | str, index: int = 0, timeout: float = 5.0
    ) -> JSONDict:
        """The ``index``-th follow-up payload sent with the interaction's token."""
        tok = token.token if isinstance(token, FakeInteraction) else token
        await self.wait_for(
            lambda: len(self._followups_for(tok)) > index,
            timeout,
            what=f"follow-up #{index} for token {tok[:16]}...",
        )
        return self._followups_for(tok)[index]

    async def wait_until_connected(self, timeout: float = 5.0) -> None:
        """Until a gateway session is identified or resumed."""
        try:
            await asyncio.wait_for(self._live.wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"fake Discord: no live gateway session after {timeout}s\n" + self.summary()
            ) from None

    @property
    def connected(self) -> bool:
        return self._live.is_set()

    def messages_in(self, channel_id: int) -> list[RecordedMessage]:
        return [m for m in self.messages if m.channel_id == channel_id]

    def dms_to(self, user_id: int) -> list[RecordedMessage]:
        channel_id = self.dm_channels.get(user_id)
        return [] if channel_id is None else self.messages_in(channel_id)

    def _followups_for(self, token: str) -> list[JSONDict]:
        return [p for t, p in self.followups if t == token]

    def reply_message(self, interaction: FakeInteraction) -> JSONDict:
        """The message an interaction's first reply created (to click its buttons)."""
        state = self._interactions[interaction.id]
        assert state.original is not None, f"interaction {interaction.id} has no reply yet"
        return state.original

    def responses_for(self, interaction: FakeInteraction) -> InteractionResponses:
        tok = interaction.token
        return InteractionResponses(
            callbacks=list(self.interaction_callbacks.get(interaction.id, [])),
            followups=self._followups_for(tok),
            original_edits=[p for t, p in self.original_edits if t == tok],
            followup_edits=[p for t, _, p in self.followup_edits if t == tok],
        )

    def summary(self) -> str:
        lines = [
            f"  gateway: connected={self.connected} identifies={self.identify_count} "
            f"resumes={self.resume_count}",
            f"  requests ({len(self.requests)}, last 25):",
            *(f"    {r.status} {r.method} {r.path}" for r in self.request_log[-25:]),
            f"  messages ({len(self.messages)}):",
            *(
                f"    #{m.channel_id} {m.content[:60]!r} embeds={len(m.embeds)}"
                for m in self.messages[-10:]
            ),
            f"  interaction callbacks: {self.interaction_callbacks}",
            f"  followups: {[p for _, p in self.followups]}",
            f"  command syncs: {[(g, [c.get('name') for c in p]) for g, p in self.command_syncs]}",
            f"  unhandled: {self.unhandled}",
        ]
        return "\n".join(lines)

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: float = 0.05,
        body: JSONDict | None = None,
        is_global: bool = False,
        after_store: bool = False,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status``.

        ``path`` is relative to /api/v10 and may use fnmatch wildcards (``/webhooks/*``).
        429s carry the headers discord.py needs to wait ``retry_after`` and retry by itself.
        Note discord.py retries 500/502/504/524 (not 503) up to 5 times, sleeping 1, 3, 5, 7 s.
        ``after_store``: Discord did the work (e.g. stored the message) but the reply that
        says so is lost: the client sees ``status``.
        """
        self._failures.append(
            _Failure(method.upper(), path, status, times, retry_after, body, is_global, after_store)
        )

    def clear_failures(self) -> None:
        """Drop every failure still queued by :meth:`fail_next`."""
        self._failures.clear()

    def hold(self, method: str, path: str) -> None:
        """Keep matching requests waiting (a slow Discord) until :meth:`release`.

        ``path`` is relative to /api/v10 and may use fnmatch wildcards. The request is
        recorded (and waiters notified) when it arrives, before it waits.
        """
        self._holds.append(_Hold(method.upper(), path, asyncio.Event()))

    def release(self, method: str, path: str) -> None:
        for hold in [h for h in self._holds if (h.method, h.path) == (method.upper(), path)]:
            hold.gate.set()
            self._holds.remove(hold)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """Recorded requests matching ``method`` and the fnmatch pattern ``path``."""
        return [
            r
            for r in self.request_log
            if r.method == method.upper() and fnmatch.fnmatchcase(r.path, path)
        ]

    def set_channel_forbidden(self, channel_id: int, forbidden: bool = True) -> None:
        """Posting/reading there answers 403 Missing Permissions (50013)."""
        if forbidden:
            self._forbidden_channels.add(channel_id)
        else:
            self._forbidden_channels.discard(channel_id)

    def close_dms(self, user_id: int) -> None:
        """The DM channel can be opened but posting answers 403 50007."""
        self._closed_dms.add(user_id)

    def open_dms(self, user_id: int) -> None:
        self._closed_dms.discard(user_id)

    def _take_failure(self, method: str, path: str) -> _Failure | None:
        for failure in self._failures:
            if failure.method == method and fnmatch.fnmatchcase(path, failure.path):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                self.injected_failures.append((method, path, failure.status))
                return failure
        return None

    @staticmethod
    def _failure_response(failure: _Failure) -> web.Response:
        if failure.status == 429:
            body = failure.body or {
                "message": "You are being rate limited.",
                "retry_after": failure.retry_after,
                "global": failure.is_global,
                "code": 0,
            }
            # Without Via discord.py takes a 429 for a Cloudflare ban and raises at once.
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(max(1, round(failure.retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + failure.retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{failure.retry_after:.3f}",
                "X-RateLimit-Bucket": "fakebucket" + secrets.token_hex(4),
                "X-RateLimit-Scope": "shared" if not failure.is_global else "global",
            }
            if failure.is_global:
                headers["X-RateLimit-Global"] = "true"
            return _json(body, status=429, headers=headers)
        body = failure.body or {"message": f"{failure.status}: injected failure", "code": 0}
        return _json(body, status=failure.status)

    # ------------------------------------------------------------------ REST plumbing

    def _add_routes(self) -> None:
        table: list[tuple[str, str, _Handler, bool]] = [
            ("GET", "/gateway", self._get_gateway, False),
            ("GET", "/gateway/bot", self._get_gateway_bot, True),
            ("GET", "/users/@me", self._get_me, True),
            ("GET", "/users/@me/guilds", self._get_my_guilds, True),
            ("DELETE", "/users/@me/guilds/{guild_id}", self._leave_guild, True),
            ("POST", "/users/@me/channels", self._create_dm, True),
            ("GET", "/users/{user_id}", self._get_user, True),
            ("GET", "/oauth2/applications/@me", self._get_application, True),
            ("GET", "/applications/{app}/commands", self._get_commands, True),
            ("PUT", "/applications/{app}/commands", self._put_commands, True),
            ("POST", "/applications/{app}/commands", self._post_command, True),
            ("GET", "/applications/{app}/guilds/{guild_id}/commands", self._get_commands, True),
            ("PUT", "/applications/{app}/guilds/{guild_id}/commands", self._put_commands, True),
            ("POST", "/applications/{app}/guilds/{guild_id}/commands", self._post_command, True),
            ("POST", "/interactions/{iid}/{token}/callback", self._callback, False),
            ("POST", "/webhooks/{app}/{token}", self._post_followup, False),
            ("GET", "/webhooks/{app}/{token}/messages/{mid}", self._get_webhook_msg, False),
            ("PATCH", "/webhooks/{app}/{token}/messages/{mid}", self._edit_webhook_msg, False),
            ("DELETE", "/webhooks/{app}/{token}/messages/{mid}", self._delete_webhook_msg, False),
            ("GET", "/channels/{channel_id}", self._get_channel, True),
            ("GET", "/channels/{channel_id}/messages", self._get_history, True),
            ("POST", "/channels/{channel_id}/messages", self._post_message, True),
            ("GET", "/channels/{channel_id}/messages/{mid}", self._get_message, True),
            ("PATCH", "/channels/{channel_id}/messages/{mid}", self._edit_message, True),
            ("DELETE", "/channels/{channel_id}/messages/{mid}", self._delete_message, True),
            ("POST", "/channels/{channel_id}/typing", self._typing, True),
            ("GET", "/guilds/{guild_id}", self._get_guild, True),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels, True),
            ("GET", "/guilds/{guild_id}/roles", self._get_guild_roles, True),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member, True),
        ]
        for method, template, handler, auth in table:
            regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
            self._routes.append((method, re.compile(f"^{regex}$"), handler, auth))

    async def _not_api(self, request: web.Request) -> web.StreamResponse:
        self.unhandled.append((request.method, request.path))
        await self._notify()
        return _error(404, "404: Not Found")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.method
        path = "/" + request.match_info["tail"]
        try:
            body, files = await self._read_body(request)
        except ValueError:  # 50109: "The request body contains invalid JSON"
            return _error(400, "400: Bad Request", 50109)
        record = RecordedRequest(method, path, dict(request.query), body)
        self.requests.append((method, path))
        self.request_log.append(record)
        try:
            for hold in [h for h in self._holds if h.method == method]:
                if fnmatch.fnmatchcase(path, hold.path):
                    await self._notify()  # arrived: a test may wait for this
                    await hold.gate.wait()
            failure = self._take_failure(method, path)
            if failure is None or failure.after_store:
                response = await self._route(request, method, path, body, files)
            if failure is not None:
                response = self._failure_response(failure)
            record.status = response.status
            return response
        finally:
            await self._notify()

    async def _route(
        self,
        request: web.Request,
        method: str,
        path: str,
        body: Any,
        files: list[tuple[str, bytes]],
    ) -> web.StreamResponse:
        for route_method, regex, handler, needs_auth in self._routes:
            match = regex.match(path)
            if match is None or route_method != method:
                continue
            if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                return _error(401, "401: Unauthorized")
            return await handler(_Call(request, method, path, match.groupdict(), body, files))
        self.unhandled.append((method, path))
        return _error(404, "404: Not Found")

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
        if request.content_type == "multipart/form-data":
            # discord.py sends files as multipart with the JSON in a payload_json field.
            form = await request.post()
            files: list[tuple[str, bytes]] = []
            body: Any = {}
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files.append((value.filename, value.file.read()))
                elif key == "payload_json":
                    body = json.loads(str(value))
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), []

    # ------------------------------------------------------------------ REST: users, app

    async def _get_gateway(self, call: _Call) -> web.StreamResponse:
        return _json({"url": self.gateway_url})

    async def _get_gateway_bot(self, call: _Call) -> web.StreamResponse:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _get_me(self, call: _Call) -> web.StreamResponse:
        me = self._bot_user() | {"verified": True, "mfa_enabled": False, "flags": 0}
        return _json(me | {"email": None, "locale": "en-US", "premium_type": 0})

    async def _get_my_guilds(self, call: _Call) -> web.StreamResponse:
        return _json(
            [
                {
                    "id": str(g.id),
                    "name": g.name,
                    "icon": None,
                    "owner": False,
                    "permissions": str(self._bot_permissions(g)),
                    "features": [],
                }
                for g in self.guilds
            ]
        )

    async def _leave_guild(self, call: _Call) -> web.StreamResponse:
        guild = self._find_guild(int(call.params["guild_id"]))
        if guild is None:
            return _error(404, "Unknown Guild", 10004)
        self.guilds.remove(guild)
        if self.connected:
            await self.dispatch("GUILD_DELETE", {"id": str(guild.id)})
        return web.Response(status=204)

    async def _get_user(self, call: _Call) -> web.StreamResponse:
        user_id = int(call.params["user_id"])
        known = user_id in (self.bot_user_id, self.owner_id) or self._known_member(user_id)
        if not known:
            return _error(404, "Unknown User", 10013)
        return _json(self._user(user_id))

    async def _create_dm(self, call: _Call) -> web.StreamResponse:
        recipient = int(call.obj().get("recipient_id", 0))
        if not recipient:
            return _form_error([(("recipient_id",), "BASE_TYPE_REQUIRED", "Required")])
        channel_id = self.dm_channels.get(recipient)
        if channel_id is None:  # Discord returns the same DM channel every time
            channel_id = self._next_id()
            self.dm_channels[recipient] = channel_id
            self._dm_recipients[channel_id] = recipient
        return _json(self._dm_obj(channel_id, recipient))

    async def _get_application(self, call: _Call) -> web.StreamResponse:
        return _json(
            {
                "id": str(self.application_id),
                "name": self.bot_username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": self._user(self.owner_id),
                "team": None,
                "flags": 0,
                "rpc_origins": [],
                "redirect_uris": [],
                # Must stay null: otherwise discord.py warns that interactions go to a URL.
                "interactions_endpoint_url": None,
                "approximate_guild_count": len(self.guilds),
                "bot": self._bot_user(),
            }
        )

    def _bot_permissions(self, guild: FakeGuild) -> int:
        return self._role_permissions(guild, self.bot_user_id, guild.bot_roles)

    # ------------------------------------------------------------------ REST: app commands

    def _command_scope(self, call: _Call) -> tuple[int | None, web.Response | None]:
        if int(call.params["app"]) != self.application_id:
            return None, _error(404, "Unknown Application", 10002)
        if "guild_id" not in call.params:
            return None, None
        guild_id = int(call.params["guild_id"])
        if self._find_guild(guild_id) is None:
            return guild_id, _error(403, "Missing Access", 50001)
        return guild_id, None

    def _echo_command(self, guild_id: int | None, cmd: JSONDict) -> JSONDict:
        ctype = int(cmd.get("type", 1))
        key = (guild_id, ctype, str(cmd.get("name")))
        # Discord keeps a command's id across syncs while its name and type stay the same.
        command_id = self._command_ids.setdefault(key, self._next_id())
        echoed: JSONDict = {
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "options": [],
            "contexts": None,
            "integration_types": [0],
            **cmd,
            "id": str(command_id),
            "application_id": str(self.application_id),
            "version": str(self._next_id()),
            "type": ctype,
        }
        if guild_id is not None:
            echoed["guild_id"] = str(guild_id)
        return echoed

    async def _get_commands(self, call: _Call) -> web.StreamResponse:
        guild_id, error = self._command_scope(call)
        return error or _json(self._commands.get(guild_id, []))

    async def _put_commands(self, call: _Call) -> web.StreamResponse:
        guild_id, error = self._command_scope(call)
        if error is not None:
            return error
        commands = call.body if isinstance(call.body, list) else []
        self.command_syncs.append((guild_id, commands))
        invalid = _validate_commands(commands)
        if invalid is not None:
            return invalid
        self._commands[guild_id] = [self._echo_command(guild_id, c) for c in commands]
        return _json(self._commands[guild_id])

    async def _post_command(self, call: _Call) -> web.StreamResponse:
        guild_id, error = self._command_scope(call)
        if error is not None:
            return error
        cmd = call.obj()
        invalid = _validate_commands([cmd])
        if invalid is not None:
            return invalid
        echoed = self._echo_command(guild_id, cmd)
        existing = [
            c
            for c in self._commands.get(guild_id, [])
            if (c["name"], c["type"]) != (echoed["name"], echoed["type"])
        ]
        self._commands[guild_id] = [*existing, echoed]
        return _json(echoed, status=201)

    def synced_commands(self, guild_id: int | None = None) -> list[JSONDict]:
        """What the fake currently holds for the guild (None: global), as echoed to the client."""
        return list(self._commands.get(guild_id, []))

    # ------------------------------------------------------------------ REST: messages

    def _channel_access(self, channel_id: int, *, posting: bool) -> web.Response | None:
        if channel_id in self._forbidden_channels:
            if posting:
                return _error(403, "Missing Permissions", 50013)
            return _error(403, "Missing Access", 50001)
        recipient = self._dm_recipients.get(channel_id)
        if recipient is not None:
            if posting and recipient in self._closed_dms:
                return _error(403, "Cannot send messages to this user", 50007)
            return None
        if self._channel_guild(channel_id) is None:
            return _error(404, "Unknown Channel", 10003)
        return None

    def _attachments(self, files: list[tuple[str, bytes]]) -> list[JSONDict]:
        out = []
        for filename, content in files:
            aid = self._next_id()
            self.uploads[str(aid)] = content
            url = f"{self.base_url}/attachments/{aid}/{filename}"
            out.append(
                {
                    "id": str(aid),
                    "filename": filename,
                    "size": len(content),
                    "url": url,
                    "proxy_url": url,
                }
            )
        return out

    def _make_message(
        self,
        channel_id: int,
        payload: JSONDict,
        files: list[tuple[str, bytes]],
        *,
        webhook: bool = False,
        flags: int | None = None,
    ) -> JSONDict:
        guild = self._channel_guild(channel_id)
        msg: JSONDict = {
            "id": str(self._next_id()),
            "type": 0,
            "content": payload.get("content") or "",
            "channel_id": str(channel_id),
            "author": self._bot_user(),
            "embeds": list(payload.get("embeds") or []),
            "components": list(payload.get("components") or []),
            "attachments": self._attachments(files),
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": bool(payload.get("tts", False)),
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "flags": int(payload.get("flags") or 0) if flags is None else flags,
        }
        if guild is not None:
            msg["guild_id"] = str(guild.id)
        if payload.get("nonce") is not None:
            msg["nonce"] = payload["nonce"]
        if payload.get("message_reference"):
            msg["type"] = 19  # reply
            msg["message_reference"] = payload["message_reference"]
        if webhook:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
        return msg

    def _apply_edit(self, msg: JSONDict, payload: JSONDict, files: list[tuple[str, bytes]]) -> None:
        for key in ("content", "embeds", "components"):
            if key in payload:
                msg[key] = (
                    payload[key] if payload[key] is not None else ([] if key != "content" else "")
                )
        if "flags" in payload and payload["flags"] is not None:
            # The ephemeral bit cannot be changed by an edit.
            msg["flags"] = (int(payload["flags"]) & ~EPHEMERAL) | (int(msg["flags"]) & EPHEMERAL)
        if "attachments" in payload or files:
            keep = {str(a.get("id")) for a in payload.get("attachments") or []}
            kept = [a for a in msg["attachments"] if a["id"] in keep]
            msg["attachments"] = kept + self._attachments(files)
        msg["edited_timestamp"] = _now_iso()

    async def _post_message(self, call: _Call) -> web.StreamResponse:
        channel_id = int(call.params["channel_id"])
        denied = self._channel_access(channel_id, posting=True)
        if denied is not None:
            return denied
        payload = call.obj()
        invalid = _validate_message(payload, n_files=len(call.files), creating=True)
        if invalid is not None:
            return invalid
        # enforce_nonce (discord.py sends it with every nonce): a nonce this author used in
        # the last few minutes returns that earlier message, and nothing new is posted.
        nonce = payload.get("nonce")
        key = (self.bot_user_id, str(nonce))
        enforced = nonce is not None and bool(payload.get("enforce_nonce"))
        if enforced and key in self._nonces:
            used_at, earlier = self._nonces[key]
            if time.monotonic() - used_at < self.nonce_window_seconds:
                self.nonce_replays.append(earlier)
                return _json(earlier.data)
        msg = self._make_message(channel_id, payload, call.files)
        record = RecordedMessage(channel_id, int(msg["id"]), payload, data=msg)
        self.messages.append(record)
        self._messages_by_id[record.id] = record
        if enforced:
            self._nonces[key] = (time.monotonic(), record)
        if self.echo_message_create and self.connected:
            await self.dispatch("MESSAGE_CREATE", msg)
        return _json(msg)

    def _find_message(self, call: _Call) -> RecordedMessage | web.Response:
        channel_id = int(call.params["channel_id"])
        denied = self._channel_access(channel_id, posting=False)
        if denied is not None:
            return denied
        record = self._messages_by_id.get(int(call.params["mid"]))
        if record is None or record.deleted or record.channel_id != channel_id:
            return _error(404, "Unknown Message", 10008)
        return record

    async def _get_message(self, call: _Call) -> web.StreamResponse:
        found = self._find_message(call)
        return found if isinstance(found, web.Response) else _json(found.data)

    async def _get_history(self, call: _Call) -> web.StreamResponse:
        channel_id = int(call.params["channel_id"])
        denied = self._channel_access(channel_id, posting=False)
        if denied is not None:
            return denied
        limit = int(call.request.query.get("limit", "50"))
        live = [m.data for m in self.messages_in(channel_id) if not m.deleted]
        return _json(list(reversed(live))[:limit])

    async def _edit_message(self, call: _Call) -> web.StreamResponse:
        found = self._find_message(call)
        if isinstance(found, web.Response):
            return found
        payload = call.obj()
        invalid = _validate_message(payload, n_files=len(call.files), creating=False)
        if invalid is not None:
            return invalid
        found.edits.append(payload)
        self.message_edits.append(RecordedEdit(found.channel_id, found.id, payload))
        self._apply_edit(found.data, payload, call.files)
        return _json(found.data)

    async def _delete_message(self, call: _Call) -> web.StreamResponse:
        found = self._find_message(call)
        if isinstance(found, web.Response):
            return found
        found.deleted = True
        self.message_deletes.append((found.channel_id, found.id))
        return web.Response(status=204)

    async def _typing(self, call: _Call) -> web.StreamResponse:
        denied = self._channel_access(int(call.params["channel_id"]), posting=True)
        return denied or web.Response(status=204)

    async def _get_channel(self, call: _Call) -> web.StreamResponse:
        channel_id = int(call.params["channel_id"])
        denied = self._channel_access(channel_id, posting=False)
        if denied is not None:
            return denied
        recipient = self._dm_recipients.get(channel_id)
        if recipient is not None:
            return _json(self._dm_obj(channel_id, recipient))
        guild = self._channel_guild(channel_id)
        assert guild is not None
        channel = guild.channel(channel_id)
        assert channel is not None
        return _json(self._channel_obj(guild, channel))

    # ------------------------------------------------------------------ REST: guilds

    def _guild_or_404(self, call: _Call) -> FakeGuild | web.Response:
        guild = self._find_guild(int(call.params["guild_id"]))
        return guild if guild is not None else _error(404, "Unknown Guild", 10004)

    async def _get_guild(self, call: _Call) -> web.StreamResponse:
        guild = self._guild_or_404(call)
        if isinstance(guild, web.Response):
            return guild
        data = self._guild_obj(guild)
        for key in ("members", "channels", "threads", "voice_states", "presences", "large"):
            data.pop(key, None)
        return _json(data)

    async def _get_guild_channels(self, call: _Call) -> web.StreamResponse:
        guild = self._guild_or_404(call)
        if isinstance(guild, web.Response):
            return guild
        return _json([self._channel_obj(guild, c) for c in guild.channels])

    async def _get_guild_roles(self, call: _Call) -> web.StreamResponse:
        guild = self._guild_or_404(call)
        if isinstance(guild, web.Response):
            return guild
        return _json([self._role_obj(guild, r) for r in guild.roles])

    async def _get_member(self, call: _Call) -> web.StreamResponse:
        guild = self._guild_or_404(call)
        if isinstance(guild, web.Response):
            return guild
        user_id = int(call.params["user_id"])
        member = guild.member(user_id)
        if member is None and user_id == self.bot_user_id:
            member = self._bot_member(guild)
        if member is None:
            return _error(404, "Unknown Member", 10007)
        return _json(self._member_obj(guild, member))

    # ------------------------------------------------------------------ REST: interactions

    async def _callback(self, call: _Call) -> web.StreamResponse:
        iid = int(call.params["iid"])
        state = self._interactions.get(iid)
        if state is None or state.interaction.token != call.params["token"]:
            return _error(404, "Unknown interaction", 10062)
        body = call.obj()
        self.interaction_callbacks.setdefault(iid, []).append(body)
        if state.response_type is not None:
            return _error(400, "Interaction has already been acknowledged.", 40060)
        deadline = self.interaction_ack_deadline
        if deadline is not None and time.monotonic() - state.created > deadline:
            return _error(404, "Unknown interaction", 10062)
        rtype = int(body.get("type", 0))
        data = body.get("data") or {}
        if rtype == 4:
            invalid = _validate_message(data, n_files=len(call.files), creating=True)
            if invalid is not None:
                return invalid
        if rtype == 8 and len(data.get("choices") or []) > 25:
            return _form_error([(("data", "choices"), "BASE_TYPE_MAX_LENGTH", "Max 25.")])
        state.response_type = rtype
        inter = state.interaction
        ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
        message: JSONDict | None = None
        if rtype == 4:
            message = self._make_message(inter.channel_id, data, call.files, webhook=True)
            state.original = message
        elif rtype == 5:
            flags = LOADING | (EPHEMERAL if ephemeral else 0)
            message = self._make_message(inter.channel_id, {}, [], webhook=True, flags=flags)
            state.original = message
        elif rtype == 7 and state.original is not None:  # update the component's message
            self._apply_edit(state.original, data, call.files)
            if state.original_record is not None:
                state.original_record.edits.append(data)
            message = state.original
        if message is not None:
            self._response_messages[int(message["id"])] = message
        interaction_info: JSONDict = {
            "id": str(iid),
            "type": inter.type,
            "activity_instance_id": None,
            "response_message_id": message["id"] if message else None,
            "response_message_loading": rtype == 5,
            "response_message_ephemeral": ephemeral,
        }
        # discord.py reads "resource" next to "interaction", not inside it.
        response: JSONDict = {"interaction": interaction_info, "resource": {"type": rtype}}
        if message is not None:
            response["resource"]["message"] = message
        return _json(response)

    def _webhook_state(self, call: _Call) -> _InteractionState | web.Response:
        iid = self._tokens.get(call.params["token"])
        if int(call.params["app"]) != self.application_id or iid is None:
            return _error(404, "Unknown Webhook", 10015)
        state = self._interactions[iid]
        if state.response_type is None:
            # Follow-ups only exist after the interaction has been acknowledged.
            return _error(404, "Unknown Webhook", 10015)
        return state

    async def _post_followup(self, call: _Call) -> web.StreamResponse:
        state = self._webhook_state(call)
        if isinstance(state, web.Response):
            return state
        payload = call.obj()
        self.followups.append((call.params["token"], payload))
        invalid = _validate_message(payload, n_files=len(call.files), creating=True)
        if invalid is not None:
            return invalid
        msg = self._make_message(state.interaction.channel_id, payload, call.files, webhook=True)
        state.followups[int(msg["id"])] = msg
        if call.request.query.get("wait") in ("1", "true", "True"):
            return _json(msg)
        return web.Response(status=204)

    def _webhook_message(self, state: _InteractionState, mid: str) -> JSONDict | None:
        if mid == "@original":
            return state.original
        return state.followups.get(int(mid)) if mid.isdigit() else None

    async def _get_webhook_msg(self, call: _Call) -> web.StreamResponse:
        state = self._webhook_state(call)
        if isinstance(state, web.Response):
            return state
        msg = self._webhook_message(state, call.params["mid"])
        return _json(msg) if msg is not None else _error(404, "Unknown Message", 10008)

    async def _edit_webhook_msg(self, call: _Call) -> web.StreamResponse:
        state = self._webhook_state(call)
        if isinstance(state, web.Response):
            return state
        token, mid, payload = call.params["token"], call.params["mid"], call.obj()
        if mid == "@original":
            self.original_edits.append((token, payload))
        elif mid.isdigit():
            self.followup_edits.append((token, int(mid), payload))
        msg = self._webhook_message(state, mid)
        if msg is None:
            return _error(404, "Unknown Message", 10008)
        invalid = _validate_message(payload, n_files=len(call.files), creating=False)
        if invalid is not None:
            return invalid
        self._apply_edit(msg, payload, call.files)
        msg["flags"] = int(msg["flags"]) & ~LOADING  # editing a deferred reply ends "thinking"
        if mid == "@original" and state.original_record is not None:
            state.original_record.edits.append(payload)
        return _json(msg)

    async def _delete_webhook_msg(self, call: _Call) -> web.StreamResponse:
        state = self._webhook_state(call)
        if isinstance(state, web.Response):
            return state
        mid = call.params["mid"]
        self.webhook_deletes.append((call.params["token"], mid))
        if self._webhook_message(state, mid) is None:
            return _error(404, "Unknown Message", 10008)
        if mid == "@original":
            state.original = None
        else:
            state.followups.pop(int(mid), None)
        return web.Response(status=204)

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = _GatewayConn(ws)
        self._conns.append(conn)
        self.gateway_connections += 1
        try:
            # compress=zlib-stream is ignored: discord.py only inflates BINARY frames.
            await self._send(conn, {"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_gateway_message(conn, json.loads(msg.data))
                    await self._notify()
        finally:
            conn.ready = False
            self._conns.remove(conn)
            if not any(c.ready for c in self._conns):
                self._live.clear()
            await self._notify()
        return ws

    async def _send(self, conn: _GatewayConn, payload: JSONDict) -> None:
        async with self._send_lock:
            await conn.ws.send_str(json.dumps(payload))

    async def _send_dispatch(self, conn: _GatewayConn, event: str, data: JSONDict) -> None:
        # Sequence numbers are assigned under the lock so they reach the client in order.
        async with self._send_lock:
            self._seq += 1
            await conn.ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))
        self.dispatched.append((event, data))

    async def _on_gateway_message(self, conn: _GatewayConn, msg: JSONDict) -> None:
        op, data = msg.get("op"), msg.get("d")
        if op == 1:
            self.heartbeat_count += 1
            await self._send(conn, {"op": 11})
        elif op == 2:
            await self._identify(conn, data or {})
        elif op == 6:
            await self._resume(conn, data or {})
        elif op == 8:
            await self._request_members(conn, data or {})
        elif op == 3:
            self.presence_updates.append(data or {})

    async def _identify(self, conn: _GatewayConn, data: JSONDict) -> None:
        self.identify_count += 1
        self.last_identify = data
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        self._session_id = secrets.token_hex(16)
        self._seq = 0
        ready: JSONDict = {
            "v": 10,
            "user": self._bot_user() | {"verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds],
            "session_id": self._session_id,
            "session_type": "normal",
            # discord.py reconnects (RESUME) to this URL, so it must be the fake too.
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": [],
            "auth": {},
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self._send_dispatch(conn, "READY", ready)
        for guild in self.guilds:
            await self._send_dispatch(conn, "GUILD_CREATE", self._guild_obj(guild))
        conn.ready = True
        self._live.set()

    @property
    def intents(self) -> int | None:
        """The intents bitfield of the last IDENTIFY."""
        return None if self.last_identify is None else self.last_identify.get("intents")

    async def _resume(self, conn: _GatewayConn, data: JSONDict) -> None:
        if data.get("token") != self.token or data.get("session_id") != self._session_id:
            await self._send(conn, {"op": 9, "d": False})  # not resumable: client re-IDENTIFYs
            return
        self.resume_count += 1
        await self._send_dispatch(conn, "RESUMED", {})
        conn.ready = True
        self._live.set()

    async def _request_members(self, conn: _GatewayConn, data: JSONDict) -> None:
        self.member_requests.append(data)
        guild = self._find_guild(int(data.get("guild_id", 0)))
        members: list[FakeMember] = []
        if guild is not None:
            members = list(guild.members)
            if guild.member(self.bot_user_id) is None:
                members.append(self._bot_member(guild))
        wanted = {int(u) for u in data.get("user_ids") or []}
        if wanted:
            members = [m for m in members if m.user_id in wanted]
        query = data.get("query")
        if query:
            members = [m for m in members if m.username.lower().startswith(str(query).lower())]
        if data.get("limit"):
            members = members[: int(data["limit"])]
        chunk: JSONDict = {
            "guild_id": str(data.get("guild_id")),
            "members": [self._member_obj(guild, m) for m in members] if guild else [],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in wanted - {m.user_id for m in members}],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._send_dispatch(conn, "GUILD_MEMBERS_CHUNK", chunk)

    async def dispatch(self, event: str, data: JSONDict, *, timeout: float = 5.0) -> None:
        """Send a DISPATCH (op 0) to the live session(s); waits for one to be live first."""
        await self.wait_until_connected(timeout)
        for conn in [c for c in self._conns if c.ready]:
            await self._send_dispatch(conn, event, data)
        await self._notify()

    async def drop_connections(self, code: int = 4000) -> None:
        """Close the gateway socket(s) from the server; discord.py then RESUMEs.

        Any code but 1000 from us and 4004/4010-4014 makes discord.py reconnect with RESUME
        (a server-side 1000 too, as an "improper close").
        """
        conns = list(self._conns)
        for conn in conns:
            conn.ready = False
        self._live.clear()
        for conn in conns:
            await conn.ws.close(code=code, message=b"fake: connection dropped")
        await self._notify()

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client closes and RESUMEs."""
        conns = [c for c in self._conns if c.ready]
        self._live.clear()
        for conn in conns:
            conn.ready = False
            await self._send(conn, {"op": 7, "d": None})

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9; with resumable=False the client re-IDENTIFYs with a new session.

        discord.py sleeps 5 s before every IDENTIFY but the first (Client.before_identify_hook).
        """
        conns = [c for c in self._conns if c.ready]
        self._live.clear()
        if not resumable:
            self._session_id = None
        for conn in conns:
            conn.ready = False
            await self._send(conn, {"op": 9, "d": resumable})

    async def add_guild(self, guild: FakeGuild) -> None:
        """Join a guild at runtime (GUILD_CREATE if a session is live)."""
        self.guilds.append(guild)
        if self.connected:
            data = self._guild_obj(guild)
            # discord.py: "unavailable": false means back from an outage (guild_available);
            # a join (guild_join) has no "unavailable" key.
            del data["unavailable"]
            await self.dispatch("GUILD_CREATE", data)

    async def remove_guild(self, guild_id: int) -> None:
        """Leave/kick (GUILD_DELETE without ``unavailable``) if a session is live."""
        self.guilds.remove(self.guild(guild_id))
        if self.connected:
            await self.dispatch("GUILD_DELETE", {"id": str(guild_id)})

    # ------------------------------------------------------------------ interactions

    def _find_command(
        self, name: str, guild_id: int, ctype: int = 1
    ) -> tuple[JSONDict, bool] | None:
        for scope in (guild_id, None):
            for cmd in self._commands.get(scope, []):
                if cmd["name"] == name and cmd["type"] == ctype:
                    return cmd, scope is not None
        return None

    def _option_value(
        self,
        guild: FakeGuild,
        otype: int,
        value: Any,
        resolved: JSONDict,
    ) -> Any:
        if otype == 3:
            return str(value)
        if otype == 4:
            return int(value)
        if otype == 5:
            return bool(value)
        if otype == 10:
            return float(value)
        if otype in (6, 7, 8, 9):
            # Entity options carry a snowflake plus its object under data.resolved.
            sid = int(getattr(value, "id", value))
            member = guild.member(sid)
            channel = guild.channel(sid)
            role = guild.role(sid)
            if otype in (6, 9) and (member is not None or otype == 6):
                resolved.setdefault("users", {})[str(sid)] = self._user(sid)
                if member is not None:
                    mdata = self._member_obj(guild, member, with_user=False)
                    mdata["permissions"] = str(self.member_permissions(guild, member))
                    resolved.setdefault("members", {})[str(sid)] = mdata
            elif otype == 7 and channel is not None:
                cdata = self._channel_obj(guild, channel)
                cdata["permissions"] = str(ALL_PERMISSIONS)
                resolved.setdefault("channels", {})[str(sid)] = cdata
            elif otype in (8, 9) and role is not None:
                resolved.setdefault("roles", {})[str(sid)] = self._role_obj(guild, role)
            return str(sid)
        return value

    @staticmethod
    def _infer_type(value: Any) -> int:
        if isinstance(value, bool):
            return 5
        if isinstance(value, int):
            return 4
        if isinstance(value, float):
            return 10
        if isinstance(value, str):
            return 3
        raise TypeError(f"cannot infer an option type for {value!r}; pass a raw option dict")

    def _build_options(
        self,
        guild: FakeGuild,
        schema: list[JSONDict] | None,
        subcommand: str | None,
        options: Mapping[str, Any] | Sequence[JSONDict] | None,
        resolved: JSONDict,
        focused: str | None = None,
    ) -> list[JSONDict]:
        path = subcommand.split() if subcommand else []
        for part in path:
            if schema is None:
                break
            node = next((o for o in schema if o.get("name") == part), None)
            if node is None:
                raise AssertionError(f"synced command has no subcommand {part!r}")
            schema = list(node.get("options") or [])
        known = {o["name"]: o for o in schema or [] if o.get("type") not in (1, 2)}

        leaf: list[JSONDict] = []
        items: Iterable[tuple[str, Any]]
        if options is None:
            items = []
        elif isinstance(options, Mapping):
            items = options.items()
        else:
            items = [(str(o["name"]), o) for o in options]
        for name, value in items:
            if isinstance(value, Mapping) and "type" in value:
                option = {"name": name, **value}  # raw option dict, sent as-is
            else:
                if schema is not None and name not in known:
                    raise AssertionError(f"synced command has no option {name!r}")
                otype = int(known[name]["type"]) if name in known else self._infer_type(value)
                if name == focused:  # autocomplete sends the partial input as typed
                    option = {"name": name, "type": otype, "value": str(value)}
                else:
                    option = {
                        "name": name,
                        "type": otype,
                        "value": self._option_value(guild, otype, value, resolved),
                    }
            if name == focused:
                option["focused"] = True
            leaf.append(option)
        if schema is not None and focused is None:
            given = {o["name"] for o in leaf}
            missing = [n for n, o in known.items() if o.get("required") and n not in given]
            if missing:
                raise AssertionError(f"Discord would not send the command without {missing}")

        for depth in range(len(path) - 1, -1, -1):
            kind = 1 if depth == len(path) - 1 else 2  # subcommand inside a group
            leaf = [{"name": path[depth], "type": kind, "options": leaf}]
        return leaf

    def _command_data(
        self,
        guild: FakeGuild,
        name: str,
        options: Mapping[str, Any] | Sequence[JSONDict] | None,
        subcommand: str | None,
        guild_command: bool | None,
        focused: str | None = None,
    ) -> JSONDict:
        found = self._find_command(name, guild.id)
        if found is None and guild_command is None:
            raise AssertionError(
                f"/{name} was never synced to guild {guild.id} or globally, so Discord could "
                f"not deliver it; sync first or pass guild_command=True/False\n{self.summary()}"
            )
        schema = list(found[0].get("options") or []) if found else None
        is_guild = guild_command if guild_command is not None else bool(found and found[1])
        resolved: JSONDict = {}
        data: JSONDict = {
            "id": found[0]["id"] if found else str(self._next_id()),
            "name": name,
            "type": 1,
            "options": self._build_options(guild, schema, subcommand, options, resolved, focused),
        }
        if resolved:
            data["resolved"] = resolved
        if is_guild:
            # discord.py only finds guild-registered commands when data.guild_id is set.
            data["guild_id"] = str(guild.id)
        return data

    async def _dispatch_interaction(
        self,
        itype: int,
        guild_id: int,
        channel_id: int,
        user_id: int,
        data: JSONDict,
        *,
        permissions: int | None,
        locale: str,
        message: JSONDict | None = None,
    ) -> FakeInteraction:
        guild = self.guild(guild_id)
        channel = guild.channel(channel_id)
        if channel is None:
            raise AssertionError(f"guild {guild_id} has no channel {channel_id}")
        member = guild.member(user_id) or FakeMember(user_id, f"user{user_id}")
        perms = permissions if permissions is not None else self.member_permissions(guild, member)
        member_data = self._member_obj(guild, member) | {"permissions": str(perms)}
        channel_data = self._channel_obj(guild, channel)
        app_perms = str(self._bot_permissions(guild))
        channel_data["permissions"] = app_perms
        iid = self._next_id()
        token = "fake-itoken-" + secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")
        payload: JSONDict = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "guild_id": str(guild.id),
            "channel": channel_data,
            "channel_id": str(channel_id),
            "member": member_data,
            "token": token,
            "version": 1,
            "app_permissions": app_perms,
            "locale": locale,
            "guild_locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if message is not None:
            payload["message"] = message
        interaction = FakeInteraction(iid, token, itype, guild_id, channel_id, user_id, payload)
        state = _InteractionState(interaction, time.monotonic())
        if message is not None:
            state.original = message
            state.original_record = self._messages_by_id.get(int(message["id"]))
        self._interactions[iid] = state
        self._tokens[token] = iid
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    async def send_command(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        name: str,
        options: Mapping[str, Any] | Sequence[JSONDict] | None = None,
        *,
        subcommand: str | None = None,
        permissions: int | None = None,
        guild_command: bool | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Dispatch a slash command (INTERACTION_CREATE type 2) as ``user_id`` typed it.

        ``options``: ``{"name": value}`` (typed from the synced schema, else str→3, int→4,
        bool→5, float→10; users/channels/roles by id get ``resolved`` data) or raw option dicts.
        ``subcommand``: ``"sub"`` or ``"group sub"``. ``permissions``: the member's resolved
        bitfield (default: from roles). ``guild_command``: whether ``data.guild_id`` is set;
        default: from where the command was synced (unsynced commands are an error).
        """
        data = self._command_data(self.guild(guild_id), name, options, subcommand, guild_command)
        return await self._dispatch_interaction(
            2, guild_id, channel_id, user_id, data, permissions=permissions, locale=locale
        )

    async def send_autocomplete(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        name: str,
        options: Mapping[str, Any] | Sequence[JSONDict] | None,
        *,
        focused: str,
        subcommand: str | None = None,
        permissions: int | None = None,
        guild_command: bool | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Dispatch an autocomplete request (type 4); ``focused`` names the option being typed."""
        guild = self.guild(guild_id)
        data = self._command_data(guild, name, options, subcommand, guild_command, focused)
        return await self._dispatch_interaction(
            4, guild_id, channel_id, user_id, data, permissions=permissions, locale=locale
        )

    async def send_component(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        custom_id: str,
        *,
        message_id: int | None = None,
        component_type: int = 2,
        values: list[str] | None = None,
        permissions: int | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Dispatch a component click/select (type 3) on ``message_id`` (a recorded message)."""
        record = self._messages_by_id.get(message_id) if message_id is not None else None
        response = self._response_messages.get(message_id) if message_id is not None else None
        if record is not None:
            message = record.data
        elif response is not None:
            message = response  # an interaction's (possibly ephemeral) reply
        else:
            message = self._make_message(channel_id, {"content": ""}, [])
            if message_id is not None:
                message["id"] = str(message_id)
        data: JSONDict = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        return await self._dispatch_interaction(
            3,
            guild_id,
            channel_id,
            user_id,
            data,
            permissions=permissions,
            locale=locale,
            message=message,
        )
