"""The `.env` contract (product.md "Configuration contract"), validated once at start-up."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any, Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import i18n
from bot.megabox.client import ClientOptions
from bot.megabox.models import KST
from bot.seat_prefs import RowRule, SeatPrefs, parse_centre, parse_remind
from bot.store.database import sqlite_path
from bot.watches import (
    Days,
    Mention,
    TimeWindow,
    Watch,
    parse_branch,
    parse_formats,
    parse_movie_no,
    parse_notify,
)

DEFAULT_DATABASE_URL = "sqlite:///./data/megabox-watch.db"

Snowflake = Annotated[int, Field(gt=0, lt=2**64)]


class ConfigError(Exception):
    """One line naming the variable and what is expected."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # `ALERT_CHANNEL_ID=` in .env means "not set"
        extra="ignore",
        case_sensitive=False,
    )

    discord_token: SecretStr | None = None
    alert_channel_id: Snowflake | None = None
    status_channel_id: Snowflake | None = None
    discord_guild_id: Snowflake | None = None

    megabox_base_url: str = "https://www.megabox.co.kr"
    megabox_requests_per_second: float = Field(0.5, gt=0, le=5)
    megabox_jitter_seconds: float = Field(0.3, ge=0, le=10)
    megabox_timeout_seconds: float = Field(15.0, gt=0, le=120)
    megabox_max_retries: int = Field(3, ge=0, le=10)
    megabox_backoff_seconds: float = Field(2.0, ge=0, le=300)

    database_url: str = DEFAULT_DATABASE_URL
    check_schedule: str = "0 9-23 * * *"
    horizon_days: int = Field(21, ge=1, le=60)
    flap_damping_minutes: int = Field(30, ge=0, le=24 * 60)
    failure_alert_threshold: int = Field(3, ge=1, le=100)
    #: Tries of an alert Discord refuses (400, 403, 404) before it is given up and the status
    #: channel says so; 429 and 5xx are retried without limit.
    alert_max_refusals: int = Field(5, ge=1, le=100)
    #: One `/check` per member this often (0 = no limit): each one checks their watches.
    check_cooldown_seconds: int = Field(60, ge=0, le=24 * 3600)
    #: One `/history` per member this often (0 = no limit): each one paints a chart.
    history_cooldown_seconds: int = Field(30, ge=0, le=24 * 3600)
    #: What one member's personal watches may cost together, in MEGABOX requests per check.
    personal_requests_per_check: int = Field(60, ge=1, le=10_000)

    watch_movie_no: str | None = None
    watch_branches: str | None = None
    watch_formats: str = "MX4D"
    watch_days: str = "weekend"
    watch_times: str = ""
    watch_min_seats: int = Field(3, ge=1, le=10)
    watch_together: bool = False
    watch_mention: str = ""
    watch_notify: str = "both"
    watch_news_channel_id: Snowflake | None = None
    watch_news_mention: str | None = None
    watch_rows: str = ""
    watch_centre: str = "off"
    watch_remind: str = "off"
    #: The .env watch is re-polled between scheduled checks (the fast lane); off by default.
    watch_fast_lane: bool = False
    #: What the fast lane may spend, in MEGABOX requests per hour, for all its watches; it
    #: shares MEGABOX_REQUESTS_PER_SECOND with the scheduled checks and yields to them.
    fast_lane_requests_per_hour: int = Field(240, ge=1, le=18_000)

    #: The language of the CLI, and of channel messages in a server that has not chosen one
    #: with /language (issue 18): ko or en.
    bot_language: Literal["ko", "en"] = "ko"

    log_level: str = "INFO"
    heartbeat_file: Path = Path("./data/heartbeat")
    heartbeat_max_age_seconds: int = Field(180, ge=10)
    #: The whole stop: a running check gets half of it, then it is abandoned (it stores
    #: nothing half-way); stored alerts get the rest. Under docker's default 10 s.
    shutdown_timeout_seconds: float = Field(8.0, gt=0, le=120)
    #: The gateway may be down this long before the process exits for compose to restart it.
    reconnect_give_up_minutes: float = Field(15.0, gt=0)

    @field_validator("megabox_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (e.g. https://www.megabox.co.kr)")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        sqlite_path(value)  # raises ValueError with the expected form
        return value

    @field_validator("check_schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        try:
            CronTrigger.from_crontab(value, timezone=KST)
        except ValueError as exc:
            raise ValueError(f"not a cron expression ({exc}); e.g. '0 9-23 * * *'") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("watch_movie_no")
    @classmethod
    def _movie(cls, value: str | None) -> str | None:
        return parse_movie_no(value) if value else None

    @field_validator("watch_branches")
    @classmethod
    def _branches(cls, value: str | None) -> str | None:
        if value is None:
            return None
        codes = [parse_branch(p) for p in value.split(",") if p.strip()]
        return ",".join(dict.fromkeys(codes)) or None

    @field_validator("watch_formats")
    @classmethod
    def _formats(cls, value: str) -> str:
        return ",".join(sorted(parse_formats(value)))

    @field_validator("watch_days")
    @classmethod
    def _days(cls, value: str) -> str:
        Days.parse(value)
        return value

    @field_validator("watch_times")
    @classmethod
    def _times(cls, value: str) -> str:
        TimeWindow.parse(value)
        return value

    @field_validator("watch_mention")
    @classmethod
    def _mention(cls, value: str) -> str:
        Mention.parse(value)
        return value

    @field_validator("watch_notify")
    @classmethod
    def _notify(cls, value: str) -> str:
        return parse_notify(value)

    @field_validator("watch_news_mention")
    @classmethod
    def _news_mention(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            Mention.parse(value)
            return value
        return None

    @field_validator("watch_rows")
    @classmethod
    def _rows(cls, value: str) -> str:
        RowRule.parse(value)
        return value

    @field_validator("watch_centre")
    @classmethod
    def _centre(cls, value: str) -> str:
        return parse_centre(value)

    @field_validator("watch_remind")
    @classmethod
    def _remind(cls, value: str) -> str:
        parse_remind(value)
        return value

    @model_validator(mode="after")
    def _watch_complete(self) -> Settings:
        if self.watch_movie_no and not self.watch_branches:
            raise ValueError("WATCH_BRANCHES: required when WATCH_MOVIE_NO is set (e.g. 1351)")
        ceiling = int(self.megabox_requests_per_second * 3600 / 2)
        if self.fast_lane_requests_per_hour > ceiling:
            # The scheduled checks and /check need the other half of the budget.
            raise ValueError(
                f"FAST_LANE_REQUESTS_PER_HOUR: at most half of MEGABOX_REQUESTS_PER_SECOND "
                f"allows, {ceiling} (got {self.fast_lane_requests_per_hour})"
            )
        return self

    def client_options(self) -> ClientOptions:
        return ClientOptions(
            base_url=self.megabox_base_url,
            requests_per_second=self.megabox_requests_per_second,
            jitter_seconds=self.megabox_jitter_seconds,
            timeout_seconds=self.megabox_timeout_seconds,
            max_retries=self.megabox_max_retries,
            backoff_seconds=self.megabox_backoff_seconds,
        )

    def default_watch(self) -> Watch | None:
        """The watch from WATCH_* (the original job), or None when WATCH_MOVIE_NO is unset."""
        if not self.watch_movie_no or not self.watch_branches:
            return None
        return Watch(
            movie_no=self.watch_movie_no,
            branches=tuple(self.watch_branches.split(",")),
            formats=parse_formats(self.watch_formats),
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
    try:
        # Configuration errors are the operator's: in English, whatever BOT_LANGUAGE says.
        with i18n.using("en"):
            return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper()
        message = str(first["msg"]).removeprefix("Value error, ")
        if not field and ":" in message:
            field, _, message = message.partition(": ")
        value = first.get("input")
        shown = "" if field == "DISCORD_TOKEN" or isinstance(value, dict) else f" (got {value!r})"
        raise ConfigError(f"{field or 'configuration'}: {message}{shown}") from None


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
