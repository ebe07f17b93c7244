"""The gateway bot: a `commands.Bot` subclass that logs in first and, once its IDENTIFY is on
its way, opens the store and the MEGABOX session, starts the scheduler and loads the cogs
(`WatchBot._load`), holding what the gateway sends meanwhile (issue 17: start-up)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import math
import signal
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import i18n
from bot.config import Settings
from bot.i18n import _
from bot.memory import release_free_memory, settle_after_start

if TYPE_CHECKING:
    # Imported by `_load`, after IDENTIFY: the checker, the store, MEGABOX's models and the
    # scheduler were most of the bot's own CPU before the login (issue 17).
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.chains.base import Chain
    from bot.chains.catalogue import Catalogue
    from bot.chains.lotte.client import LotteOptions
    from bot.chains.megabox.client import ClientOptions
    from bot.checking.checker import Checker
    from bot.drawing.queue import Drawing
    from bot.store.repo import Store

log = logging.getLogger(__name__)

#: Loaded in this order; one failing is logged and does not stop the others.
EXTENSIONS: tuple[str, ...] = (
    "cogs.watcher",
    "cogs.inspect",
    "cogs.watches",
    "cogs.fast_lane",
    "cogs.history",
    "cogs.language",
)

_SYNC_HASH_KEY = "command_sync_hash"
#: Seconds `_load` waits for IDENTIFY before loading anyway (the gateway is unreachable).
_LOAD_ANYWAY_AFTER = 10.0


class WatchTree(app_commands.CommandTree["WatchBot"]):
    """Every app-command failure becomes a short private message; details go to the log.
    Everything said to the member is in their client's language (issue 18)."""

    async def interaction_check(self, interaction: discord.Interaction[WatchBot], /) -> bool:
        # The same task runs the command, its autocomplete and on_error: set it once here.
        language = i18n.normalise(interaction.locale.value)
        i18n.use(language)
        await interaction.client.note_member_language(interaction.user.id, language)
        return True

    async def on_error(
        self, interaction: discord.Interaction[WatchBot], error: app_commands.AppCommandError
    ) -> None:
        from bot.watches.forms import FormError  # loaded with the cogs by now

        original = getattr(error, "original", None)
        if isinstance(original, FormError):
            text = str(original)  # a user's mistake, explained: nothing to log
        elif isinstance(error, app_commands.MissingPermissions):
            text = _("You need the **Manage Server** permission for this.")
        elif isinstance(error, app_commands.NoPrivateMessage):
            text = _("This command works in a server, not in DMs.")
        elif isinstance(error, app_commands.CommandOnCooldown):  # before CheckFailure: a subclass
            name = interaction.command.qualified_name if interaction.command else "this"
            text = _(
                "You ran `/{name}` a moment ago, and each one is a full check of the cinemas (one "
                "per person every {per} s). Try again {when}."
            ).format(
                name=name,
                per=f"{error.cooldown.per:.0f}",
                when=f"<t:{math.ceil(time.time() + error.retry_after)}:R>",
            )
        elif isinstance(error, app_commands.CheckFailure):
            text = str(error) or _("You can't use this command here.")
        elif isinstance(error, app_commands.TransformerError):
            text = _("That value doesn't work: {value}.").format(value=repr(error.value))
        else:
            name = interaction.command.qualified_name if interaction.command else "?"
            log.error("command /%s failed", name, exc_info=error)
            text = _("Something went wrong on my side. It has been logged; please try again later.")
        # RuntimeError: the HTTP session is already closed when this happens during shutdown.
        with contextlib.suppress(discord.HTTPException, RuntimeError):
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)


class WatchBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        *,
        client_options: ClientOptions | None = None,
        lotte_options: LotteOptions | None = None,
        clock: Callable[[], datetime] | None = None,
        extensions: tuple[str, ...] = EXTENSIONS,
        **options: Any,
    ) -> None:
        # This bot has no voice: skip discord.py's start-up warnings about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        # Only the guilds intent: channels and roles come with GUILD_CREATE; slash commands
        # need no message content, members or presences (no privileged intents).
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=WatchTree,
            help_command=None,
            # Nothing pings unless a message explicitly allows it.
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.settings = settings
        # Opened by `_load` (after IDENTIFY), closed by `close_resources`; nothing that runs
        # before `_load` is done reads them (events and interactions are held until then).
        self.store: Store
        self.chains: list[Chain]
        self.checker: Checker
        #: Pictures and charts: one drawing job at a time, a warm picture worker.
        self.drawing: Drawing
        self.catalogue: Catalogue
        self.scheduler: AsyncIOScheduler
        self._client_options = client_options
        self._lotte_options = lotte_options
        self._clock = clock
        self._resources = contextlib.AsyncExitStack()
        self._background: set[asyncio.Task[Any]] = set()
        self.extension_names = extensions
        self.started_at = time.monotonic()
        self.exit_code = 0
        self._disconnected_since: float | None = None
        self._stopping = False
        self._catalogue_warmed = False
        self._stop_by: float | None = None  # loop time by which the shutdown must be done
        #: Tasks doing work a shutdown lets finish (or abandons): task → nesting depth.
        self._work: dict[asyncio.Task[Any], int] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        #: Each server's chosen language and each member's last seen one (migration 0009).
        self.guild_languages: dict[int, i18n.Language] = {}
        self.member_languages: dict[int, i18n.Language] = {}
        #: Start-up after IDENTIFY (`_load`): until it is done, what to handle after it.
        self._loading: asyncio.Task[None] | None = None
        self._identifying = asyncio.Event()
        self._loaded = asyncio.Event()
        self._held: list[Callable[[], None]] | None = []
        self._load_error: Exception | None = None
        # The only hook into discord.py's gateway parsing: a command must not reach a tree
        # without its cog (it would fail as unknown), nor a button its dynamic item.
        parsers = self._connection.parsers
        self._parse_interaction = parsers["INTERACTION_CREATE"]
        parsers["INTERACTION_CREATE"] = self._hold_interaction

    async def setup_hook(self) -> None:
        # Only the heartbeat before IDENTIFY (it must also run when the gateway is never
        # reached: it gives up and exits); the rest is `_load`, while the handshake runs.
        self.heartbeat.start()
        self._loading = asyncio.get_running_loop().create_task(self._load(), name="start-up")

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        await super().before_identify_hook(shard_id, initial=initial)
        # IDENTIFY is written right after this returns, before `_load` gets the loop.
        self._identifying.set()

    async def _load(self) -> None:
        """Languages, scheduler, cogs and the command sync, once IDENTIFY is on its way (issue
        17: this was ~0.3 s of CPU before the login). Events and interactions that arrive
        meanwhile are held (`dispatch`, `_hold_interaction`) and handled, in order, after."""
        with contextlib.suppress(TimeoutError):
            # Without a gateway (an outage at start) load anyway: checks still run, and the
            # heartbeat gives up after RECONNECT_GIVE_UP_MINUTES as it did before.
            async with asyncio.timeout(_LOAD_ANYWAY_AFTER):
                await self._identifying.wait()
        try:
            await self._open()
            self.guild_languages = await self.store.guild_languages()
            self.member_languages = await self.store.member_languages()
            from cogs.translator import CatalogueTranslator

            await self.tree.set_translator(CatalogueTranslator())
            self.scheduler.start()
            for name in self.extension_names:
                try:
                    await self.load_extension(name)
                except commands.ExtensionError:
                    log.exception("extension %s failed to load", name)
            await self.sync_commands_if_changed()
        except Exception as exc:
            # As when this ran before the login: a start-up that fails ends the process
            # (`start` raises it).
            self._load_error = exc
            self._held = None  # nothing to hand what was held to
            await self.close()
            return
        held, self._held = self._held or [], None
        self._loaded.set()
        for handle in held:
            handle()

    async def _open(self) -> None:
        """The store (migrated), the MEGABOX session, the checker and the .env watch."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        from bot.chains.base import KST
        from bot.chains.catalogue import Catalogue
        from bot.checking.checker import Checker
        from bot.drawing.queue import Drawing
        from bot.env_watch import sync_env_watch
        from bot.store.repo import Store

        settings = self.settings
        self.store = await Store.open(settings.database_url)
        self._resources.push_async_callback(self.store.close)
        self.chains = settings.chain_clients(self._client_options, self._lotte_options)
        for chain in self.chains:
            self._resources.push_async_callback(chain.close)
        self.checker = Checker.from_settings(self.chains, self.store, settings, self._clock)
        await sync_env_watch(self.store, settings, self.checker.clock())
        self.drawing = Drawing()
        self._resources.push_async_callback(self.drawing.close)
        self.catalogue = Catalogue(self.chains, clock=self.checker.clock)
        self.scheduler = AsyncIOScheduler(timezone=KST)

    async def close_resources(self) -> None:
        """Close what `_open` opened, in reverse: drawing, MEGABOX session, store."""
        await self._resources.aclose()

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        await super().start(token, reconnect=reconnect)
        if self._load_error is not None:
            raise self._load_error

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        if self._held is not None:  # still loading: the cogs' listeners are not there yet
            self._held.append(functools.partial(super().dispatch, event_name, *args, **kwargs))
            return
        super().dispatch(event_name, *args, **kwargs)

    def _hold_interaction(self, data: Any) -> None:
        """INTERACTION_CREATE while loading: answered once the commands are there (an
        interaction has 3 s; loading takes a fraction of that)."""
        if self._held is not None:
            self._held.append(functools.partial(self._parse_interaction, data))
            return
        self._parse_interaction(data)

    async def wait_until_ready(self) -> None:
        """Ready means loaded too: cogs' tasks that wait for it find the bot whole."""
        await super().wait_until_ready()
        await self._loaded.wait()

    async def close(self) -> None:
        loading = self._loading
        if loading is not None and loading is not asyncio.current_task() and not loading.done():
            loading.cancel()
            await asyncio.wait([loading])
        await super().close()

    # -- languages (issue 18) ---------------------------------------------------------------

    def guild_language(self, guild_id: int | None) -> i18n.Language:
        """A server's language for its channel messages: its /language, else BOT_LANGUAGE."""
        if guild_id is None:
            guild_id = self.home_guild_id()
        return self.guild_languages.get(guild_id or 0, i18n.normalise(self.settings.bot_language))

    def home_guild_id(self) -> int | None:
        """The server a DM without a server of its own belongs to: DISCORD_GUILD_ID, else
        the alert channel's, else the only one the bot is in."""
        if self.settings.discord_guild_id:
            return self.settings.discord_guild_id
        channel = self.get_channel(self.settings.alert_channel_id or 0)
        if isinstance(channel, discord.abc.GuildChannel):
            return channel.guild.id
        return self.guilds[0].id if len(self.guilds) == 1 else None

    def channel_language(self, channel_id: int) -> i18n.Language:
        channel = self.get_channel(channel_id)
        guild = getattr(channel, "guild", None)
        return self.guild_language(guild.id if guild is not None else None)

    def target_language(self, kind: str, target_id: int) -> i18n.Language:
        """Where a message goes → its language: a DM in the member's last seen language, else
        the server's; a channel in its server's."""
        if kind == "dm":
            return self.member_languages.get(target_id) or self.guild_language(None)
        return self.channel_language(target_id)

    async def set_guild_language(self, guild_id: int, language: i18n.Language) -> None:
        await self.store.set_guild_language(guild_id, language)
        self.guild_languages[guild_id] = language

    async def note_member_language(self, user_id: int, language: i18n.Language) -> None:
        """Remember the member's client language for their DMs; written only when it changes."""
        if self.member_languages.get(user_id) != language:
            self.member_languages[user_id] = language
            await self.store.set_member_language(user_id, language)

    def in_background(self, job: Coroutine[Any, Any, Any]) -> None:
        """Run `job` without awaiting it, keeping a reference so it is not collected."""
        task = asyncio.get_running_loop().create_task(job)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def sync_commands_if_changed(self) -> None:
        """Sync only when the command set changed: restarts must not hit Discord's limits."""
        guild = (
            discord.Object(self.settings.discord_guild_id)
            if self.settings.discord_guild_id
            else None
        )
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        from cogs.translator import CatalogueTranslator

        # Translated, as sync sends it: a changed Korean name is a change too.
        translator = CatalogueTranslator()
        payload = [
            await c.get_translated_payload(self.tree, translator)
            for c in self.tree.get_commands(guild=guild)
        ]
        digest = hashlib.sha256(
            json.dumps([guild.id if guild else None, payload], sort_keys=True).encode()
        ).hexdigest()
        if await self.store.get_value(_SYNC_HASH_KEY) == digest:
            log.info("slash commands unchanged: not syncing")
            return
        try:
            synced = await self.tree.sync(guild=guild)
        except discord.HTTPException as exc:
            # Keep running (alerts need no commands); the next start tries again.
            log.error(
                "slash commands not synced (%s): check DISCORD_GUILD_ID and that the bot was "
                "invited with the applications.commands scope",
                exc,
            )
            return
        await self.store.set_value(_SYNC_HASH_KEY, digest)
        where = f"guild {guild.id}" if guild else "all guilds (may take up to an hour to show)"
        log.info("synced %d slash commands to %s", len(synced), where)

    @contextlib.asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        """Mark work a shutdown waits for, for a while (a check and its reply); after that
        the task is cancelled, which a check survives without storing anything half-way."""
        task = asyncio.current_task()
        assert task is not None
        self._work[task] = self._work.get(task, 0) + 1
        self._idle.clear()
        try:
            yield
        finally:
            self._work[task] -= 1
            if not self._work[task]:
                del self._work[task]
            if not self._work:
                self._idle.set()

    @property
    def stopping(self) -> bool:
        return self._stopping

    def time_to_stop(self) -> float | None:
        """Seconds left of the shutdown's budget; None while not shutting down."""
        if self._stop_by is None:
            return None
        return max(self._stop_by - asyncio.get_running_loop().time(), 0.0)

    # -- health ----------------------------------------------------------------------------

    async def on_ready(self) -> None:
        await self._beat()
        log.info("connected to Discord as %s in %d guild(s)", self.user, len(self.guilds))
        if not self._catalogue_warmed:
            settle_after_start()
            # Warm the movie/branch lists for autocomplete once connected: started before,
            # its requests and parsing competed with the gateway login.
            self._catalogue_warmed = True
            self.in_background(self.catalogue.refresh())

    async def on_resumed(self) -> None:
        await self._beat()

    async def _beat(self) -> None:
        self._disconnected_since = None
        await asyncio.to_thread(_touch, self.settings.heartbeat_file)
        self.dispatch("heartbeat")

    @tasks.loop(seconds=30)
    async def heartbeat(self) -> None:
        """Touch the heartbeat file while connected; give up after a long outage."""
        if self.is_ready() and not self.is_closed() and self.ws is not None and self.ws.open:
            await self._beat()
            release_free_memory()
            return
        now = time.monotonic()
        if self._disconnected_since is None:
            self._disconnected_since = now
        elif now - self._disconnected_since > self.settings.reconnect_give_up_minutes * 60:
            log.error(
                "gateway unreachable for %.0f min: exiting so compose restarts us",
                (now - self._disconnected_since) / 60,
            )
            self.exit_code = 1
            self.in_background(self.shutdown())

    @property
    def uptime(self) -> timedelta:
        return timedelta(seconds=int(time.monotonic() - self.started_at))

    # -- shutdown --------------------------------------------------------------------------

    async def shutdown(self) -> None:
        """Stop within SHUTDOWN_TIMEOUT_SECONDS (docker allows 10 s by default): a running
        check gets half of it, then it is abandoned (MEGABOX may hang; the check stores
        nothing half-way, so nothing is lost); closing the bot lets the watcher deliver what
        is stored in the rest (cogs/watcher.py); then the gateway closes."""
        if self._stopping:
            return
        self._stopping = True
        budget = self.settings.shutdown_timeout_seconds
        self._stop_by = asyncio.get_running_loop().time() + budget
        log.info("shutting down")
        if self.heartbeat.is_running():
            self.heartbeat.cancel()
        scheduler = getattr(self, "scheduler", None)  # None: stopped before `_load` made it
        if scheduler is not None and scheduler.running:
            # Paused, not shut down yet: that would cancel a running scheduled check at once.
            scheduler.pause()
        for task in list(self._background):
            if task is not asyncio.current_task():  # this shutdown runs as one of them
                task.cancel()
        if not self._idle.is_set():
            log.info("waiting up to %.1f s for the running check", budget / 2)
            try:
                async with asyncio.timeout(budget / 2):
                    await self._idle.wait()
            except TimeoutError:
                await self._abandon_work()
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        await self.close()

    async def _abandon_work(self) -> None:
        log.warning(
            "the running check did not finish in time: abandoned (it stored nothing half-way; "
            "the next check covers it)"
        )
        for task in list(self._work):
            task.cancel()
        try:
            async with asyncio.timeout(max((self.time_to_stop() or 0.0) - 1.0, 0.1)):
                await self._idle.wait()
        except TimeoutError:
            log.warning("the abandoned check is still unwinding; closing anyway")


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


@contextlib.asynccontextmanager
async def open_bot(
    settings: Settings,
    *,
    client_options: ClientOptions | None = None,
    lotte_options: LotteOptions | None = None,
    clock: Callable[[], datetime] | None = None,
    **bot_options: Any,
) -> AsyncIterator[WatchBot]:
    """Build the bot; on the way out close it, then what it opened (store, MEGABOX session).

    The store is opened (and migrated) by the bot once it has sent IDENTIFY; wait for
    `wait_until_ready` before using it. Tests hand in faster client options, a clock and
    discord.py options; production none.
    """
    bot = WatchBot(
        settings,
        client_options=client_options,
        lotte_options=lotte_options,
        clock=clock,
        **bot_options,
    )
    try:
        async with bot:
            yield bot
    finally:
        await bot.close_resources()
        with contextlib.suppress(OSError):
            settings.heartbeat_file.unlink()


async def start(settings: Settings, token: str) -> int:
    """Run the bot until SIGTERM/SIGINT or a fatal error; the process's exit code."""
    async with open_bot(settings) as bot:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: bot.in_background(bot.shutdown()))
        try:
            await bot.start(token)
        except discord.LoginFailure:
            log.error("Discord refused the token: check DISCORD_TOKEN")
            return 2
        return bot.exit_code


def run_bot(settings: Settings) -> int:
    token = settings.require_token()
    return asyncio.run(start(settings, token))
