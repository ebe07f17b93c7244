"""The .env contract: defaults, the original job, and one clear line for every bad value."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import ConfigError, load_settings
from bot.watches.watch import Days, Mention, TimeWindow, parse_format


def test_original_job_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "DISCORD_TOKEN": "secret-token",
        "ALERT_CHANNEL_ID": "111111111111111111",
        "WATCH_MOVIE_NO": "25008000",
        "WATCH_BRANCHES": "1351",
        "WATCH_FORMATS": "4DX",
        "WATCH_DAYS": "weekend",
        "WATCH_MIN_SEATS": "3",
        "WATCH_MENTION": "@here",
        "ALERT_CHANNEL_ID_UNUSED": "",
        "STATUS_CHANNEL_ID": "",  # empty means unset
    }.items():
        monkeypatch.setenv(key, value)
    s = load_settings(_env_file=None)
    watch = s.default_watch()
    assert watch is not None
    assert watch.formats == frozenset({"MX4D"})
    assert watch.branches == ("megabox:1351",)
    assert watch.channel_id == 111111111111111111
    assert watch.mention == Mention("here")
    assert s.status_channel_id is None
    assert s.check_schedule == "0 9-23 * * *"
    assert "secret-token" not in repr(s)  # the token never reaches a log line


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WATCH_MIN_SEATS": "0"}, "WATCH_MIN_SEATS"),
        ({"WATCH_MIN_SEATS": "many"}, "WATCH_MIN_SEATS"),
        ({"WATCH_FORMATS": "IMAX"}, "WATCH_FORMATS: unknown format 'IMAX'"),
        ({"WATCH_DAYS": "someday"}, "WATCH_DAYS: not a day"),
        ({"WATCH_BRANCHES": "COEX"}, "WATCH_BRANCHES: 'COEX' is not a branch code of MEGABOX"),
        ({"WATCH_MOVIE_NO": "abc"}, "WATCH_MOVIE_NO: 'abc' is not a film number of MEGABOX"),
        ({"WATCH_MOVIE_NO": "25008000"}, "WATCH_BRANCHES: required when WATCH_MOVIE_NO"),
        ({"WATCH_TIMES": "late"}, "WATCH_TIMES: time window must look like"),
        (
            {"WATCH_TIMES": "18:00-25:30"},
            "WATCH_TIMES: time window '18:00-25:30' goes past midnight",
        ),
        ({"WATCH_MENTION": "@someone"}, "WATCH_MENTION"),
        ({"CHECK_SCHEDULE": "every hour"}, "CHECK_SCHEDULE: not a cron expression"),
        ({"ALERT_CHANNEL_ID": "general"}, "ALERT_CHANNEL_ID"),
        ({"MEGABOX_BASE_URL": "megabox.co.kr"}, "MEGABOX_BASE_URL: must start with https://"),
        ({"MEGABOX_REQUESTS_PER_SECOND": "50"}, "MEGABOX_REQUESTS_PER_SECOND"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"DATABASE_URL": "watch.db"}, "DATABASE_URL"),
        ({"WATCH_FAST_LANE": "sometimes"}, "WATCH_FAST_LANE"),
        ({"FAST_LANE_REQUESTS_PER_HOUR": "0"}, "FAST_LANE_REQUESTS_PER_HOUR"),
        (
            {"FAST_LANE_REQUESTS_PER_HOUR": "1000"},
            "FAST_LANE_REQUESTS_PER_HOUR: at most half of MEGABOX_REQUESTS_PER_SECOND allows, 900",
        ),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    message = str(caught.value)
    assert message.startswith(expected.split(":")[0])
    assert expected in message
    assert "\n" not in message


def test_missing_token_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    with pytest.raises(ConfigError, match=r"^DISCORD_TOKEN: required"):
        load_settings(_env_file=None).require_token()


def test_days_and_windows() -> None:
    assert Days.parse("weekend").wants(date(2026, 12, 5))
    assert not Days.parse("weekend").wants(date(2026, 12, 4))
    assert Days.parse("weekend").wants(date(2026, 12, 25), holiday=True)
    assert not Days.parse("weekdays").wants(date(2026, 12, 25), holiday=True)
    assert Days.parse("fri, 2026-12-09").wants(date(2026, 12, 9))
    assert Days.parse("토,일").wants(date(2026, 12, 6))
    assert Days.parse(Days.parse("weekend, mon, 2026-12-09").to_text()) == Days.parse(
        "weekend,mon,2026-12-09"
    )
    window = TimeWindow.parse("18:00-23:30")
    assert window is not None
    assert window.to_text() == "18:00-23:30"
    # MEGABOX lists after-midnight shows under the next date (00:xx): refused, with why.
    with pytest.raises(ValueError, match="past midnight"):
        TimeWindow.parse("18:00-25:30")
    assert parse_format("4dx") == parse_format("MX4D") == "MX4D"
    assert parse_format("Dolby Cinema") == "DBC"
