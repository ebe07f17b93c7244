"""The `.env` contract (product.md "Configuration contract"), validated once at start-up."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from apscheduler.triggers.cron import CronTrigger

from bot import i18n
from bot.chains import registry
from bot.chains.base import CHAINS, KST, LOTTE, MEGABOX, Chain, real_number, whole_number
from bot.seats.prefs import RowRule, SeatPrefs, parse_centre, parse_remind
from bot.watches.watch import (
    Days,
    Mention,
    TimeWindow,
    Watch,
    parse_branch,
    parse_formats,
    parse_movie_no,
    parse_notify,
)

Opts = TypeVar("Opts", bound="HttpOptions")
#: The politeness variables every chain has, as `<CHAIN>_<NAME>`.
_CHAIN_OPTIONS = (
    "base_url",
    "requests_per_second",
    "jitter_seconds",
    "timeout_seconds",
    "max_retries",
    "backoff_seconds",
)

if TYPE_CHECKING:
    # Imported where used: the chains' clients (aiohttp) and the store (aiosqlite) are not
    # needed to read the .env, and the bot reads it before its login (issue 17: start-up).
    from bot.chains.http import HttpOptions
    from bot.chains.lotte.client import LotteOptions
    from bot.chains.megabox.client import ClientOptions

# A small reader of its own rather than pydantic-settings: importing pydantic cost the bot
# ~12 MiB of its memory at rest and a tenth of a second before it could log in (issue 17);
# the contract is ~45 typed variables with bounds, which this table says as clearly.

DEFAULT_DATABASE_URL = "sqlite:///./data/megabox-watch.db"


class ConfigError(Exception):
    """One line naming the variable and what is expected."""


class SecretStr:
    """A value that never shows in a repr or a log line."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretStr('**********')"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class _Bad(ValueError):
    """A value that does not fit its variable; `shown` = quote the value in the message."""

    def __init__(self, message: str, *, shown: bool = True) -> None:
        super().__init__(message)
        self.shown = shown


_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}


def _as_int(value: Any) -> int:
    number = whole_number(value)
    if number is None:
        raise _Bad("must be a whole number")
    return number


def _as_float(value: Any) -> float:
    number = real_number(value)
    if number is None:
        raise _Bad("must be a number")
    return number


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Bad("must be true or false")


def _as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad("must be text")
    return value


def _as_secret(value: Any) -> SecretStr:
    if isinstance(value, SecretStr):
        return value
    return SecretStr(_as_str(value))


def _as_path(value: Any) -> Path:
    return value if isinstance(value, Path) else Path(_as_str(value))


_COERCE: dict[type, Callable[[Any], Any]] = {
    int: _as_int,
    float: _as_float,
    bool: _as_bool,
    str: _as_str,
    SecretStr: _as_secret,
    Path: _as_path,
}


@dataclass(frozen=True, slots=True)
class _Var:
    kind: type
    default: Any
    optional: bool = False
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    check: Callable[[Any], Any] | None = None  # the value → the value kept, or ValueError

    def read(self, raw: Any) -> Any:
        value = _COERCE[self.kind](raw)
        if self.gt is not None and not value > self.gt:
            raise _Bad(f"must be greater than {_num(self.gt)}")
        if self.ge is not None and not value >= self.ge:
            raise _Bad(f"must be at least {_num(self.ge)}")
        if self.lt is not None and not value < self.lt:
            raise _Bad(f"must be less than {_num(self.lt)}")
        if self.le is not None and not value <= self.le:
            raise _Bad(f"must be at most {_num(self.le)}")
        return self.check(value) if self.check is not None else value


def _num(bound: float) -> str:
    return f"{bound:g}" if bound < 1e15 else str(int(bound))


def _snowflake() -> _Var:
    return _Var(int, None, optional=True, gt=0, lt=2**64)


# -- the variables' own rules -------------------------------------------------------------


def _url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with https:// (e.g. https://www.megabox.co.kr)")
    return value.rstrip("/")


def _database(value: str) -> str:
    from bot.store.database import sqlite_path

    sqlite_path(value)  # raises ValueError with the expected form
    return value


def _cron(value: str) -> str:
    try:
        CronTrigger.from_crontab(value, timezone=KST)
    except ValueError as exc:
        raise ValueError(f"not a cron expression ({exc}); e.g. '0 9-23 * * *'") from None
    return value


def _language(value: str) -> str:
    if value.strip().lower() not in ("ko", "en"):
        raise ValueError("must be ko (Korean) or en (English)")
    return value.strip().lower()


def _level(value: str) -> str:
    level = value.strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
    return level


def _codes(value: str) -> str | None:
    """A comma list of codes, checked with the watch's chain once that is known
    (`Settings._check_together`)."""
    codes = [p.strip() for p in value.split(",") if p.strip()]
    return ",".join(dict.fromkeys(codes)) or None


def _chain(value: str) -> str:
    chain = value.strip().lower()
    if chain not in CHAINS:
        raise ValueError(f"must be one of {', '.join(CHAINS)}")
    return chain


def _chains(value: str) -> str:
    chains = [_chain(p) for p in value.split(",") if p.strip()]
    if not chains:
        raise ValueError(f"name at least one of {', '.join(CHAINS)}")
    return ",".join(dict.fromkeys(chains))


def _keep(parse: Callable[[str], Any]) -> Callable[[str], str]:
    """A rule that only checks: the text is kept as written."""

    def check(value: str) -> str:
        parse(value)
        return value

    return check


def _news_mention(value: str) -> str | None:
    if value.strip():
        Mention.parse(value)
        return value
    return None


#: The `.env` contract: variable (lower case) → type, default, bounds and rule.
VARIABLES: dict[str, _Var] = {
    "discord_token": _Var(SecretStr, None, optional=True),
    "alert_channel_id": _snowflake(),
    "status_channel_id": _snowflake(),
    "discord_guild_id": _snowflake(),
    "megabox_base_url": _Var(str, "https://www.megabox.co.kr", check=_url),
    "megabox_requests_per_second": _Var(float, 0.5, gt=0, le=5),
    "megabox_jitter_seconds": _Var(float, 0.3, ge=0, le=10),
    "megabox_timeout_seconds": _Var(float, 15.0, gt=0, le=120),
    "megabox_max_retries": _Var(int, 3, ge=0, le=10),
    "megabox_backoff_seconds": _Var(float, 2.0, ge=0, le=300),
    # The chains the bot speaks to (their catalogues in /watch add, their watches checked).
    "chains": _Var(str, ",".join(CHAINS), check=_chains),
    # Lotte Cinema's politeness, as MEGABOX's above (its own client and request budget).
    "lotte_base_url": _Var(str, "https://www.lottecinema.co.kr", check=_url),
    "lotte_requests_per_second": _Var(float, 1.0, gt=0, le=5),
    "lotte_jitter_seconds": _Var(float, 0.3, ge=0, le=10),
    "lotte_timeout_seconds": _Var(float, 15.0, gt=0, le=120),
    "lotte_max_retries": _Var(int, 3, ge=0, le=10),
    "lotte_backoff_seconds": _Var(float, 2.0, ge=0, le=300),
    "database_url": _Var(str, DEFAULT_DATABASE_URL, check=_database),
    "check_schedule": _Var(str, "0 9-23 * * *", check=_cron),
    "horizon_days": _Var(int, 21, ge=1, le=60),
    "flap_damping_minutes": _Var(int, 30, ge=0, le=24 * 60),
    "failure_alert_threshold": _Var(int, 3, ge=1, le=100),
    # Tries of an alert Discord refuses (400, 403, 404) before it is given up and the status
    # channel says so; 429 and 5xx are retried without limit.
    "alert_max_refusals": _Var(int, 5, ge=1, le=100),
    # One `/check` per member this often (0 = no limit): each one is a full check.
    "check_cooldown_seconds": _Var(int, 60, ge=0, le=24 * 3600),
    #: One `/history` per member this often (0 = no limit): each one paints a chart.
    "history_cooldown_seconds": _Var(int, 30, ge=0, le=24 * 3600),
    # What one member's personal watches may cost together, in MEGABOX requests per check.
    "personal_requests_per_check": _Var(int, 60, ge=1, le=10_000),
    # The .env watch's chain: its codes and formats are that chain's (megabox or lotte).
    "watch_chain": _Var(str, MEGABOX, check=_chain),
    "watch_movie_no": _Var(str, None, optional=True, check=_codes),
    "watch_branches": _Var(str, None, optional=True, check=_codes),
    # Unset: the chain's motion-seat format (MEGABOX's MX4D, Lotte's SUPER4D).
    "watch_formats": _Var(str, None, optional=True, check=_codes),
    "watch_days": _Var(str, "weekend", check=_keep(Days.parse)),
    "watch_times": _Var(str, "", check=_keep(TimeWindow.parse)),
    "watch_min_seats": _Var(int, 3, ge=1, le=10),
    "watch_together": _Var(bool, False),
    "watch_mention": _Var(str, "", check=_keep(Mention.parse)),
    "watch_notify": _Var(str, "both", check=parse_notify),
    "watch_news_channel_id": _snowflake(),
    "watch_news_mention": _Var(str, None, optional=True, check=_news_mention),
    "watch_rows": _Var(str, "", check=_keep(RowRule.parse)),
    "watch_centre": _Var(str, "off", check=parse_centre),
    "watch_remind": _Var(str, "off", check=_keep(parse_remind)),
    # The .env watch is re-polled between scheduled checks (the fast lane); off by default.
    "watch_fast_lane": _Var(bool, False),
    # What the fast lane may spend, in MEGABOX requests per hour, for all its watches; it
    # shares MEGABOX_REQUESTS_PER_SECOND with the scheduled checks and yields to them.
    "fast_lane_requests_per_hour": _Var(int, 240, ge=1, le=18_000),
    #: The language of the CLI, and of channel messages in a server that has not chosen one
    #: with /language (issue 18): ko or en.
    "bot_language": _Var(str, "ko", check=_language),
    "log_level": _Var(str, "INFO", check=_level),
    "heartbeat_file": _Var(Path, Path("./data/heartbeat")),
    "heartbeat_max_age_seconds": _Var(int, 180, ge=10),
    # The whole stop: a running check gets half of it, then it is abandoned (it stores
    # nothing half-way); stored alerts get the rest. Under docker's default 10 s.
    "shutdown_timeout_seconds": _Var(float, 8.0, gt=0, le=120),
    # The gateway may be down this long before the process exits for compose to restart it.
    "reconnect_give_up_minutes": _Var(float, 15.0, gt=0),
}


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=VALUE` lines (compose's env_file and the usual `.env`): blank lines and `#`
    comments skipped, an optional `export `, quotes around a value removed, and for an
    unquoted value a ` #` comment after it."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip().lower()] = value
    return values


class Settings:
    """The validated configuration: every variable of `VARIABLES` as an attribute.

    Read from, highest first: keyword arguments, the environment (any case), the `.env`
    file; an empty value in the environment or the file means "not set"."""

    discord_token: SecretStr | None
    alert_channel_id: int | None
    status_channel_id: int | None
    discord_guild_id: int | None
    megabox_base_url: str
    megabox_requests_per_second: float
    megabox_jitter_seconds: float
    megabox_timeout_seconds: float
    megabox_max_retries: int
    megabox_backoff_seconds: float
    chains: str
    lotte_base_url: str
    lotte_requests_per_second: float
    lotte_jitter_seconds: float
    lotte_timeout_seconds: float
    lotte_max_retries: int
    lotte_backoff_seconds: float
    database_url: str
    check_schedule: str
    horizon_days: int
    flap_damping_minutes: int
    failure_alert_threshold: int
    alert_max_refusals: int
    check_cooldown_seconds: int
    history_cooldown_seconds: int
    personal_requests_per_check: int
    watch_chain: str
    watch_movie_no: str | None
    watch_branches: str | None
    watch_formats: str | None
    watch_days: str
    watch_times: str
    watch_min_seats: int
    watch_together: bool
    watch_mention: str
    watch_notify: str
    watch_news_channel_id: int | None
    watch_news_mention: str | None
    watch_rows: str
    watch_centre: str
    watch_remind: str
    watch_fast_lane: bool
    fast_lane_requests_per_hour: int
    bot_language: str
    log_level: str
    heartbeat_file: Path
    heartbeat_max_age_seconds: int
    shutdown_timeout_seconds: float
    reconnect_give_up_minutes: float

    def __init__(self, _env_file: str | Path | None = ".env", **values: Any) -> None:
        given: dict[str, Any] = {}
        if _env_file is not None and Path(_env_file).is_file():
            given.update(read_env_file(Path(_env_file)))
        given.update((k.lower(), v) for k, v in os.environ.items() if k.lower() in VARIABLES)
        given = {k: v for k, v in given.items() if v != ""}  # `ALERT_CHANNEL_ID=`: not set
        given.update((k.lower(), v) for k, v in values.items())
        for name, var in VARIABLES.items():
            if name not in given:  # a default is not checked again (as pydantic did not)
                setattr(self, name, var.default)
                continue
            raw = given[name]
            try:
                value = None if raw is None and var.optional else var.read(raw)
            except _Bad as exc:
                raise _error(name, str(exc), raw, exc.shown) from None
            except ValueError as exc:
                raise _error(name, str(exc), raw, True) from None
            setattr(self, name, value)
        self._check_together()

    def _check_together(self) -> None:
        chain = self.watch_chain
        if chain not in self.enabled_chains:
            raise ConfigError(
                f"WATCH_CHAIN: {chain} is not in CHAINS ({self.chains}): add it there"
            )
        # Codes and formats are the watch's chain's: read them with it, naming the variable.
        readers: tuple[tuple[str, Callable[[str], str]], ...] = (
            ("watch_movie_no", lambda v: parse_movie_no(v, chain)),
            ("watch_branches", lambda v: ",".join(parse_branch(p, chain) for p in v.split(","))),
            ("watch_formats", lambda v: ",".join(sorted(parse_formats(v, chain)))),
        )
        for name, read in readers:
            raw = getattr(self, name)
            if raw is None:
                continue
            try:
                setattr(self, name, read(raw))
            except ValueError as exc:
                raise _error(name, str(exc), raw, True) from None
        if self.watch_formats is None:
            self.watch_formats = registry.info(chain).motion
        if self.watch_movie_no and not self.watch_branches:
            example = "1351" if chain == MEGABOX else "1016"
            raise ConfigError(
                f"WATCH_BRANCHES: required when WATCH_MOVIE_NO is set (e.g. {example})"
            )

        ceiling = int(self.megabox_requests_per_second * 3600 / 2)
        if self.fast_lane_requests_per_hour > ceiling:
            # The scheduled checks and /check need the other half of the budget.
            raise ConfigError(
                f"FAST_LANE_REQUESTS_PER_HOUR: at most half of MEGABOX_REQUESTS_PER_SECOND "
                f"allows, {ceiling} (got {self.fast_lane_requests_per_hour})"
            )

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in VARIABLES)
        return f"Settings({shown})"

    @property
    def enabled_chains(self) -> tuple[str, ...]:
        return tuple(self.chains.split(","))

    def lotte_options(self) -> LotteOptions:
        from bot.chains.lotte.client import LotteOptions

        return self._chain_options(LotteOptions, "lotte")

    def client_options(self) -> ClientOptions:
        from bot.chains.megabox.client import ClientOptions

        return self._chain_options(ClientOptions, "megabox")

    def chain_clients(
        self, megabox: ClientOptions | None = None, lotte: LotteOptions | None = None
    ) -> list[Chain]:
        """A client per chain in CHAINS (`megabox`/`lotte`: options instead of the
        settings', for tests); each opens its session on its first request, and the caller
        closes them."""
        clients: list[Chain] = []
        if MEGABOX in self.enabled_chains:
            from bot.chains.megabox.client import MegaboxClient

            clients.append(MegaboxClient(megabox or self.client_options()))
        if LOTTE in self.enabled_chains:
            from bot.chains.lotte.client import LotteClient

            clients.append(LotteClient(lotte or self.lotte_options()))
        return clients

    def _chain_options(self, kind: type[Opts], prefix: str) -> Opts:
        """A chain's options from its `<PREFIX>_*` variables (the rest keep their defaults)."""
        return kind(**{name: getattr(self, f"{prefix}_{name}") for name in _CHAIN_OPTIONS})

    def default_watch(self) -> Watch | None:
        """The watch from WATCH_* (the original job), or None when WATCH_MOVIE_NO is unset."""
        if not self.watch_movie_no or not self.watch_branches:
            return None
        return Watch(
            movie_id=self.watch_movie_no,
            branches=tuple(self.watch_branches.split(",")),
            formats=frozenset(self.watch_formats.split(",")) if self.watch_formats else frozenset(),
            days=Days.parse(self.watch_days),
            window=TimeWindow.parse(self.watch_times),
            min_seats=self.watch_min_seats,
            together=self.watch_together,
            channel_id=self.alert_channel_id,
            mention=Mention.parse(self.watch_mention),
            prefs=SeatPrefs(RowRule.parse(self.watch_rows), self.watch_centre),
            remind=parse_remind(self.watch_remind),
            guild_id=self.discord_guild_id,
            name="default",
            notify=self.watch_notify,
            news_channel_id=self.watch_news_channel_id,
            news_mention=Mention.parse(self.watch_news_mention)
            if self.watch_news_mention
            else None,
            fast_lane=self.watch_fast_lane,
        )

    def require_token(self) -> str:
        if self.discord_token is None or not self.discord_token.get_secret_value().strip():
            raise ConfigError(
                "DISCORD_TOKEN: required to run the bot (Developer Portal → Bot → Reset Token)"
            )
        return self.discord_token.get_secret_value().strip()


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and `.env`, or one `ConfigError` line naming the variable."""
    # Configuration errors are the operator's: in English, whatever BOT_LANGUAGE says.
    with i18n.using("en"):
        return Settings(**overrides)


def _error(name: str, message: str, value: Any, shown: bool) -> ConfigError:
    field = name.upper()
    quoted = "" if field == "DISCORD_TOKEN" or not shown else f" (got {value!r})"
    return ConfigError(f"{field}: {message}{quoted}")


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
    )
    # discord.py's own INFO lines are useful; its DEBUG gateway payload dumps are not.
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))
    for noisy in ("aiosqlite", "apscheduler", "yoyo"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
