"""What a watch wants: movie, branches, formats, days, start-time window, seats (product.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from bot.chains import registry
from bot.chains.base import LOTTE, MEGABOX, Screening, chain_of, native, qualified, qualify
from bot.i18n import N_, _, chain_name, ngettext
from bot.seats.prefs import SeatPrefs, remind_text
from bot.watches.titles import Awaited

_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_KO = ("월", "화", "수", "목", "금", "토", "일")


def parse_format(text: str, chain: str = MEGABOX) -> str:
    """ "4dx" → "MX4D" at MEGABOX, "SUPER4D" at Lotte; raises ValueError naming the formats
    the chain has."""
    entry = registry.info(chain)
    code = entry.find_format(text)
    if code is None:
        raise ValueError(
            _("unknown format {value} (known: {known}; 4DX means {motion})").format(
                value=repr(text.strip()), known=", ".join(entry.formats), motion=entry.motion
            )
        )
    return code


def parse_formats(text: str, chain: str = MEGABOX) -> frozenset[str]:
    return frozenset(parse_format(part, chain) for part in text.split(",") if part.strip())


#: What a watch is told about (product.md "new screening" versus "opening").
NOTIFY = {
    "both": N_("seat openings and new screenings"),
    "seats": N_("seat openings only"),
    "new": N_("new screenings only"),
}


def parse_notify(text: str) -> str:
    key = text.strip().lower().replace("_", " ")
    key = {"new screenings": "new", "news": "new", "openings": "seats", "all": "both"}.get(key, key)
    if key not in NOTIFY:
        raise ValueError(
            _("notify must be seats, new or both, got {value}").format(value=repr(text.strip()))
        )
    return key


#: How each chain writes its branch codes and film numbers (the `.env` watch names them).
_BRANCH_CODES = {MEGABOX: r"\d{4}", LOTTE: r"\d{3,5}"}
_MOVIE_CODES = {MEGABOX: r"\d{8}", LOTTE: r"\d{4,8}"}


def parse_branch(text: str, chain: str = MEGABOX) -> str:
    """A chain's branch code as typed → its qualified identity ("megabox:1372")."""
    return _code(
        text,
        chain,
        _BRANCH_CODES,
        N_("{value} is not a branch code of {chain} (digits only, e.g. {example})"),
        "1372" if chain == MEGABOX else "1016",
    )


def parse_movie_no(text: str, chain: str = MEGABOX) -> str:
    """A chain's film number as typed → its qualified identity ("lotte:24128")."""
    return _code(
        text,
        chain,
        _MOVIE_CODES,
        N_("{value} is not a film number of {chain} (digits only, e.g. {example})"),
        "25012300" if chain == MEGABOX else "24128",
    )


def _code(text: str, chain: str, pattern: dict[str, str], message: str, example: str) -> str:
    code = text.strip()
    if not re.fullmatch(pattern[chain], code):
        raise ValueError(
            _(message).format(
                value=repr(code), chain=registry.info(chain).display("en"), example=example
            )
        )
    return qualify(chain, code)


@dataclass(frozen=True, slots=True)
class Place:
    """What a screening is and where and when: facts that never change for one screening,
    so any path may judge a watch's wanting from them as stored."""

    branch_id: str
    play_date: date
    movies: tuple[str, str]  # its number and the representative one
    format: str | None  # None: unknown (no hall fields in its row)
    start: datetime

    @classmethod
    def of(cls, screening: Screening) -> Place:
        return cls(
            screening.branch_id,
            screening.play_date,
            (screening.movie_id, screening.movie_group or screening.movie_id),
            screening.format_code,
            screening.start,
        )

    @property
    def listing(self) -> tuple[str, date]:
        return (self.branch_id, self.play_date)


@dataclass(frozen=True, slots=True)
class Days:
    """Which play dates a watch wants. Holidays marked by MEGABOX count as weekend days."""

    weekend: bool = False
    weekdays: bool = False
    days_of_week: frozenset[int] = frozenset()  # 0 = Monday … 6 = Sunday
    dates: frozenset[date] = frozenset()

    @classmethod
    def parse(cls, text: str) -> Days:
        """ "weekend", "weekdays", "all", or a comma list of dates and weekday names."""
        weekend = weekdays = False
        dows: set[int] = set()
        dates: set[date] = set()
        for raw in text.split(","):
            part = raw.strip().lower()
            if not part:
                continue
            if part in ("weekend", "weekends", "주말"):
                weekend = True
            elif part in ("weekdays", "weekday", "평일"):
                weekdays = True
            elif part in ("all", "any", "every day", "everyday", "매일"):
                weekend = weekdays = True
            elif part[:3] in _WEEKDAY_NAMES and part.isalpha():
                dows.add(_WEEKDAY_NAMES.index(part[:3]))
            elif part in _WEEKDAY_KO:
                dows.add(_WEEKDAY_KO.index(part))
            else:
                dates.add(_parse_date(part))
        if not (weekend or weekdays or dows or dates):
            raise ValueError(_("no days given (use weekend, weekdays, all, sat,sun or YYYY-MM-DD)"))
        return cls(weekend, weekdays, frozenset(dows), frozenset(dates))

    def wants(self, day: date, holiday: bool = False) -> bool:
        if day in self.dates or day.weekday() in self.days_of_week:
            return True
        weekendish = day.weekday() >= 5 or holiday
        return (self.weekend and weekendish) or (self.weekdays and not weekendish)

    def decides(self, day: date, holiday: bool | None) -> bool | None:
        """`wants` when MEGABOX's holiday flag for `day` may be unknown (None): None when
        the answer depends on that flag, so no path guesses it."""
        if holiday is not None:
            return self.wants(day, holiday)
        plain, as_holiday = self.wants(day, False), self.wants(day, True)
        return plain if plain == as_holiday else None

    @property
    def wants_holidays(self) -> bool:
        """Whether a MEGABOX holiday flag can add a date beyond the weekday rules."""
        return self.weekend and not self.weekdays

    def candidate_dates(self, today: date, horizon_days: int) -> list[date]:
        """Dates this watch could want from today on, before holidays are known."""
        span = [today + timedelta(days=n) for n in range(horizon_days)]
        return [d for d in span if self.wants(d)]

    def describe(self) -> str:
        parts: list[str] = []
        if self.weekend and self.weekdays:
            parts.append(_("every day"))
        elif self.weekend:
            parts.append(_("weekends and holidays"))
        elif self.weekdays:
            parts.append(_("weekdays"))
        parts += [_(_WEEKDAY_NAMES[d].capitalize()) for d in sorted(self.days_of_week)]
        parts += [d.isoformat() for d in sorted(self.dates)]
        return ", ".join(parts)

    def to_text(self) -> str:
        """The inverse of `parse`, for storage."""
        parts: list[str] = []
        if self.weekend and self.weekdays:
            parts.append("all")
        elif self.weekend:
            parts.append("weekend")
        elif self.weekdays:
            parts.append("weekdays")
        parts += [_WEEKDAY_NAMES[d] for d in sorted(self.days_of_week)]
        parts += [d.isoformat() for d in sorted(self.dates)]
        return ",".join(parts)


def _parse_date(text: str) -> date:
    digits = text.replace("-", "").replace(".", "").replace("/", "")
    try:
        if len(digits) != 8 or not digits.isdigit():
            raise ValueError
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise ValueError(
            _("not a day: {value} (use weekend, weekdays, all, mon…sun or YYYY-MM-DD)").format(
                value=repr(text)
            )
        ) from None


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Start times from `start` to `end` inclusive, both within the play date (KST)."""

    start: time
    end_minutes: int  # minutes after midnight of the play date, up to 23:59

    @classmethod
    def parse(cls, text: str) -> TimeWindow | None:
        text = text.strip()
        if text.lower() in ("", "any"):
            return None
        match = re.fullmatch(r"(\d{1,2}):?(\d{2})\s*[-~]\s*(\d{1,2}):?(\d{2})", text)
        if not match:
            raise ValueError(
                _("time window must look like 18:00-23:30, got {value}").format(value=repr(text))
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h2 * 60 + m2 >= 24 * 60 and h1 <= 23 and m1 <= 59 and m2 <= 59:
            # MEGABOX lists a show after midnight under the next date as 00:xx (README
            # §4.3), so "18:00-25:30" could never match past 23:59. Say so instead.
            raise ValueError(
                _(
                    "time window {value} goes past midnight: cinemas list shows after "
                    "midnight under the next day (00:00-01:30), so use a window up to 23:59 and "
                    "add a second watch for the next day's early shows"
                ).format(value=repr(text))
            )
        if h1 > 23 or m1 > 59 or h2 > 23 or m2 > 59 or h2 * 60 + m2 < h1 * 60 + m1:
            raise ValueError(
                _("time window {value} is not a valid range (00:00-23:59)").format(value=repr(text))
            )
        return cls(time(h1, m1), h2 * 60 + m2)

    def contains(self, start: datetime, play_date: date) -> bool:
        offset = (start.date() - play_date).days * 1440 + start.hour * 60 + start.minute
        return self.start.hour * 60 + self.start.minute <= offset <= self.end_minutes

    def to_text(self) -> str:
        hours, minutes = divmod(self.end_minutes, 60)
        return f"{self.start:%H:%M}-{hours:02d}:{minutes:02d}"


@dataclass(frozen=True, slots=True)
class Mention:
    """Who an alert pings. Only this may ever ping: MEGABOX's text never does."""

    kind: str = "none"  # none | here | everyone | role | user
    target_id: int | None = None

    @classmethod
    def parse(cls, text: str) -> Mention:
        text = text.strip()
        if not text or text.lower() in ("none", "nobody", "off"):
            return cls()
        if text.lower() in ("@here", "here"):
            return cls("here")
        if text.lower() in ("@everyone", "everyone"):
            return cls("everyone")
        if match := re.fullmatch(r"<@&(\d{15,21})>|(\d{15,21})", text):
            return cls("role", int(match.group(1) or match.group(2)))
        if match := re.fullmatch(r"<@!?(\d{15,21})>", text):
            return cls("user", int(match.group(1)))
        raise ValueError(
            _(
                "mention must be @here, @everyone, a role id, <@&role>, <@user> or empty, got "
                "{value}"
            ).format(value=repr(text))
        )

    def to_text(self) -> str:
        return {
            "none": "",
            "here": "@here",
            "everyone": "@everyone",
            "role": f"<@&{self.target_id}>",
            "user": f"<@{self.target_id}>",
        }[self.kind]


@dataclass(frozen=True, slots=True)
class Watch:
    """One thing to watch for. `id` is the storage id (0 before it is stored)."""

    movie_id: str
    branches: tuple[str, ...]
    days: Days
    min_seats: int = 3
    together: bool = False
    formats: frozenset[str] = frozenset()  # empty = any format
    window: TimeWindow | None = None
    id: int = 0
    name: str = ""
    guild_id: int | None = None
    owner_id: int | None = None
    channel_id: int | None = None
    mention: Mention = field(default_factory=Mention)
    paused: bool = False
    #: A new watch records what is open now on its first check instead of alerting it all.
    baseline_pending: bool = False
    source: str = "command"  # "env" for the WATCH_* watch
    scope: str = "guild"  # "user": a personal watch, delivered to its owner by DM
    #: Bumped by every stored change: a check that read an older revision must not end the
    #: new definition's baseline or record openings for it.
    revision: int = 0
    notify: str = "both"  # seats | new | both (NOTIFY)
    #: Where new-screening messages go and whom they ping; None: as the seat alerts.
    news_channel_id: int | None = None
    news_mention: Mention | None = None
    #: Like `baseline_pending`, for new screenings: what exists now is not "new".
    news_baseline_pending: bool = True
    #: A film not on sale yet: `movie_id` is "" until it appears (bot/watches/titles.py).
    awaiting: Awaited | None = None
    #: Which seats count (rows, the middle of the hall): part of matching.
    prefs: SeatPrefs = field(default_factory=SeatPrefs)
    #: One reminder when an opening is still open this long after its alert (None: off).
    remind: timedelta | None = None
    #: Re-polled between scheduled checks by the fast lane (bot/checking/fast_lane.py); opt-in.
    fast_lane: bool = False

    def __post_init__(self) -> None:
        # Identities carry their chain; a bare code (a watch stored or typed before there
        # were two chains) is MEGABOX's.
        if self.movie_id and ":" not in self.movie_id:
            object.__setattr__(self, "movie_id", qualified(self.movie_id))
        if any(":" not in b for b in self.branches):
            object.__setattr__(self, "branches", tuple(qualified(b) for b in self.branches))

    @property
    def personal(self) -> bool:
        return self.scope == "user"

    @property
    def chain(self) -> str:
        """A watch belongs to one chain: the one of its branches."""
        return chain_of(self.branches[0] if self.branches else self.movie_id)

    @property
    def waiting(self) -> bool:
        """Waiting for its film: no listing to read yet, only the catalogue."""
        return self.awaiting is not None

    @property
    def tells_seats(self) -> bool:
        return self.notify in ("seats", "both")

    @property
    def tells_news(self) -> bool:
        return self.notify in ("new", "both")

    def as_news(self) -> Watch:
        """The watch as its new-screening messages see it: their own channel and mention
        where set."""
        return replace(
            self,
            channel_id=self.news_channel_id or self.channel_id,
            mention=self.news_mention or self.mention,
        )

    @property
    def label(self) -> str:
        """How people refer to a watch: "#3 coex-4dx"."""
        return f"#{self.id} {self.name}" if self.name else f"#{self.id}"

    def wants(self, screening: Screening, holiday: bool = False) -> bool:
        """Everything but the seats: movie, branch, format, day and start time."""
        return bool(self.wants_place(Place.of(screening), holiday))

    def wants_place(self, place: Place, holiday: bool | None) -> bool | None:
        """`wants` for a screening's place, with the holiday flag maybe unknown: None when
        only that flag could decide."""
        if not (
            self.movie_id in place.movies
            and place.branch_id in self.branches
            and (not self.formats or place.format in self.formats)
            and (self.window is None or self.window.contains(place.start, place.play_date))
        ):
            return False
        return self.days.decides(place.play_date, holiday)

    def describe(self) -> str:
        formats = "/".join(sorted(self.formats)) or _("any format")
        seats = (
            _("{n} together").format(n=self.min_seats)
            if self.together
            else ngettext("{n} seat", "{n} seats", self.min_seats).format(n=self.min_seats)
        )
        window = f" {self.window.to_text()}" if self.window else ""
        movie = (
            _("waiting for {title}").format(title=self.awaiting.describe())
            if self.awaiting
            else native(self.movie_id)
        )
        notify = f" · {_(NOTIFY[self.notify])}" if self.notify != "both" else ""
        if self.prefs.active:
            seats += f" ({self.prefs.describe()})"
        remind = (
            " · " + _("remind after {delay}").format(delay=remind_text(self.remind))
            if self.remind
            else ""
        )
        return (
            f"{chain_name(self.chain)} {movie} @ {','.join(native(b) for b in self.branches)}"
            f" · {formats} · {self.days.describe()}"
            f"{window} · {seats}{notify}{remind}"
        )
