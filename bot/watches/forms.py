"""Slash-command options → a validated `Watch`, checked against its chain's own data.

Every problem becomes one `FormError` sentence that says what to do; nothing is stored
until the whole form is valid.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import TypeVar

from bot.chains import registry
from bot.chains.base import KST, MEGABOX, Branch, Film, chain_of
from bot.chains.catalogue import Catalogue
from bot.i18n import _, chain_name
from bot.seats.prefs import ROW_EXAMPLES, RowRule, SeatPrefs, parse_centre, parse_remind
from bot.watches.titles import MAX_TITLE, Awaited, norm_title, on_sale
from bot.watches.watch import Days, Mention, TimeWindow, Watch, parse_formats, parse_notify

T = TypeVar("T")

MAX_GUILD_WATCHES = 25
MAX_USER_WATCHES = 10
MAX_BRANCHES = 10
MAX_NAME = 60


class FormError(ValueError):
    """A user-facing explanation of what is wrong with an option."""


@dataclass(frozen=True, slots=True)
class WatchForm:
    """Raw option values; None = not given (for edits: keep the current value)."""

    movie: str | None = None
    branches: str | None = None
    format: str | None = None
    days: str | None = None
    times: str | None = None
    min_seats: int | None = None
    together: bool | None = None
    channel_id: int | None = None
    mention: str | None = None
    name: str | None = None
    notify: str | None = None
    news_channel_id: int | None = None
    news_mention: str | None = None
    #: Edits: new-screening messages go where the seat alerts go again.
    news_like_alerts: bool = False
    rows: str | None = None
    centre: str | None = None
    remind: str | None = None
    fast_lane: bool | None = None


def build_watch(
    form: WatchForm,
    catalogue: Catalogue,
    *,
    base: Watch | None = None,
    guild_id: int | None = None,
    owner_id: int | None = None,
    scope: str = "guild",
    baseline: bool = True,
) -> Watch:
    """A new watch (no `base`) or `base` with the given options changed."""
    if base is None and (form.movie is None or form.branches is None):
        raise FormError(_("Give at least a movie and one branch."))
    if (form.movie is not None or form.branches is not None) and not catalogue.loaded:
        reason = catalogue.last_error.describe() if catalogue.last_error else _("not loaded yet")
        raise FormError(
            _(
                "I couldn't load the cinemas' movie and branch lists ({reason}). Try again in "
                "a minute."
            ).format(reason=reason)
        )
    # A watch belongs to one chain: its branches say which, and its film is that chain's.
    branches = _branches(form.branches, catalogue) if form.branches is not None else None
    chain = branches[0].chain if branches else base.chain if base is not None else None
    if base is not None and branches and chain != base.chain and form.movie is None:
        raise FormError(
            _("These branches are {chain}'s: give the movie again, as {chain} lists it.").format(
                chain=chain_name(chain or "")
            )
        )
    found = _movie(form.movie, catalogue, chain) if form.movie is not None else None
    movie = found if isinstance(found, Film) else None
    changes: dict[str, object] = {}
    if movie is not None:
        changes["movie_id"] = movie.movie_id
        changes["awaiting"] = None
    elif isinstance(found, Awaited):
        # Not on sale yet: the watch waits for the film (bot/watches/titles.py), then binds.
        changes["movie_id"] = ""
        changes["awaiting"] = found
    if branches is not None:
        changes["branches"] = tuple(b.branch_id for b in branches)
    if form.format is not None:
        changes["formats"] = _formats(form.format, chain)
    elif base is not None and chain is not None and chain != base.chain and base.formats:
        # The formats are the old chain's: say so rather than keep names that mean nothing.
        changes["formats"] = _formats(",".join(sorted(base.formats)), chain)
    if form.days is not None:
        changes["days"] = _parsed("days", Days.parse, form.days)
    if form.times is not None:
        changes["window"] = _parsed("times", TimeWindow.parse, form.times)
    if form.min_seats is not None:
        if not 1 <= form.min_seats <= 10:
            raise FormError(_("min_seats must be between 1 and 10."))
        changes["min_seats"] = form.min_seats
    if form.together is not None:
        changes["together"] = form.together
    if form.channel_id is not None:
        changes["channel_id"] = form.channel_id
    if form.mention is not None:
        changes["mention"] = _parsed("mention", Mention.parse, form.mention)
    if form.name is not None:
        changes["name"] = _name(form.name)
    if form.notify is not None:
        changes["notify"] = _parsed("notify", parse_notify, form.notify)
    if form.news_like_alerts and (form.news_channel_id or form.news_mention is not None):
        raise FormError(_("Give `news_like_alerts` or a news channel or role, not both."))
    if form.news_like_alerts:
        changes["news_channel_id"] = None
        changes["news_mention"] = None
    if form.news_channel_id is not None:
        changes["news_channel_id"] = form.news_channel_id
    if form.news_mention is not None:
        changes["news_mention"] = _parsed("news_mention", Mention.parse, form.news_mention)
    if form.rows is not None or form.centre is not None:
        current = base.prefs if base is not None else SeatPrefs()
        rows = _rows(form.rows) if form.rows is not None else current.rows
        centre = _parsed("centre", parse_centre, form.centre) if form.centre else current.centre
        changes["prefs"] = SeatPrefs(rows, centre)
    if form.remind is not None:
        changes["remind"] = _parsed("remind", parse_remind, form.remind)
    if form.fast_lane is not None:
        changes["fast_lane"] = form.fast_lane

    if base is None:
        assert found is not None and branches is not None
        watch = Watch(
            movie_id=movie.movie_id if movie else "",
            branches=tuple(b.branch_id for b in branches),
            days=Days.parse("weekend"),
            guild_id=guild_id,
            owner_id=owner_id,
            scope=scope,
            baseline_pending=baseline,
        )
        watch = replace(watch, **changes)  # type: ignore[arg-type]
        if "name" not in changes:
            title = movie.movie_name if movie else ""
            if isinstance(found, Awaited):
                title = found.title or found.describe()
            watch = replace(watch, name=default_name(watch, title, branches))
        return watch
    edited = replace(base, **changes)  # type: ignore[arg-type]
    if needs_baseline(base, edited):
        # Other screenings may match now: record what is open instead of alerting it all.
        edited = replace(edited, baseline_pending=True, news_baseline_pending=True)
    return edited


def needs_baseline(old: Watch, new: Watch) -> bool:
    """Whether an edit changes which screenings match, so the next check must record what is
    already open instead of alerting each newly matching screening at once.

    Any change of a matching rule counts, narrowing too: deciding "wider or narrower" per
    field (a window, a format set, seats together) is easy to get wrong, and a baseline
    never loses an alert that is already open (the checker keeps open openings open).
    """
    return (
        old.movie_id != new.movie_id
        or set(old.branches) != set(new.branches)
        or old.formats != new.formats
        or old.days != new.days
        or old.window != new.window
        or old.min_seats != new.min_seats
        or old.together != new.together
        or old.prefs != new.prefs
    )


def _rows(text: str) -> RowRule | None:
    try:
        return RowRule.parse(text)
    except ValueError as exc:
        raise FormError(
            _("rows: {error}. Examples: {examples}, or any.").format(
                error=exc, examples=ROW_EXAMPLES
            )
        ) from None


def default_name(watch: Watch, title: str, branches: list[Branch]) -> str:
    formats = "/".join(sorted(watch.formats))
    where = branches[0].branch_name + (f"+{len(branches) - 1}" if len(branches) > 1 else "")
    return _name(f"{title[:30]} {where} {formats}".strip())


def _name(text: str) -> str:
    name = re.sub(r"\s+", " ", text).strip()[:MAX_NAME]
    if not name:
        raise FormError(_("The name can't be empty."))
    return name


def _movie(text: str, catalogue: Catalogue, chain: str | None) -> Film | Awaited:
    """A film on sale at the watch's chain; or one not on sale yet (picked from the upcoming
    list, or a title no film in the catalogue has yet), which the watch waits for."""
    if (
        chain is not None
        and ":" in text
        and chain_of(text) != chain
        and text.strip() in (catalogue.movies)
    ):
        raise FormError(
            _("That film is {other}'s, and the branches are {chain}'s: a watch is of one chain.")
            .format(other=chain_name(text), chain=chain_name(chain))
        )  # fmt: skip
    found = catalogue.resolve_movie(text, chain=chain)
    if isinstance(found, Film):
        if not on_sale(found):
            return Awaited(title=found.movie_name, movie_id=found.movie_id)
        return found
    title = re.sub(r"\s+", " ", text).strip()
    near = [
        m
        for m in catalogue.movies.values()
        if (chain is None or m.chain == chain)
        and difflib.SequenceMatcher(None, norm_title(m.movie_name), norm_title(title)).ratio()
        >= 0.9
    ]
    searched = catalogue.search_movies(title, limit=2, chain=chain)
    if searched or near or re.fullmatch(r"\d+|[a-z]+:\d+", title):
        # Several films contain this text, it is all but a film's title (a typo, not a film
        # to wait for), or it is a number the chain does not know.
        hint = " " + _("Did you mean: {names}?").format(names="; ".join(found)) if found else ""
        raise FormError(
            _("{chain} has no movie matching {title}.{hint} Pick one from the list.").format(
                chain=chain_name(chain or ""), title=repr(title), hint=hint
            )
        )
    if len(norm_title(title)) < 2 or len(title) > MAX_TITLE:
        raise FormError(
            _("To wait for a film not on sale yet, give its title (2 to {n} characters).").format(
                n=MAX_TITLE
            )
        )
    return Awaited(title=title)


def _branches(text: str, catalogue: Catalogue) -> list[Branch]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise FormError(_("Give at least one branch."))
    found: dict[str, Branch] = {}
    for part in parts:
        branch = catalogue.resolve_branch(part)
        if not isinstance(branch, Branch):
            hint = (
                " " + _("Did you mean: {names}?").format(names="; ".join(branch)) if branch else ""
            )
            missing = [c for c in catalogue.errors if not catalogue.loaded_for(c)]
            if missing:
                # Not "no such branch": that chain's list is not there to say.
                hint += " " + _(
                    "({chain}'s list could not be loaded yet: try again in a minute.)"
                ).format(chain=chain_name(missing[0]))
            raise FormError(
                _("No cinema has a branch matching {branch}.{hint}").format(
                    branch=repr(part), hint=hint
                )
            )
        found[branch.branch_id] = branch
    if len(found) > MAX_BRANCHES:
        raise FormError(_("At most {n} branches per watch.").format(n=MAX_BRANCHES))
    chains = sorted({b.chain for b in found.values()})
    if len(chains) > 1:
        raise FormError(
            _("A watch is of one chain: give branches of {one} or of {other}, not both.").format(
                one=chain_name(chains[0]), other=chain_name(chains[1])
            )
        )
    return list(found.values())


def _formats(text: str, chain: str | None) -> frozenset[str]:
    if text.strip().lower() in ("", "any", "all"):
        return frozenset()
    try:
        return parse_formats(text, chain or MEGABOX)
    except ValueError as exc:
        raise FormError(f"{exc}.") from None


def _parsed(option: str, parse: Callable[[str], T], text: str) -> T:
    try:
        return parse(text)
    except ValueError as exc:
        raise FormError(f"{option}: {exc}.") from None


def format_choices(chain: str | None = None) -> list[tuple[str, str]]:
    """(label, code) pairs for the format option, of one chain or (None) of every chain;
    "4DX" is in each motion-seat format's label so typing it finds them."""
    out = [(_("Any format"), "any")]
    for name in [chain] if chain else registry.known():
        entry = registry.info(name)
        prefix = "" if chain else f"{chain_name(name)} · "
        for code, readable in entry.formats.items():
            label = _("{code} — motion seats (4DX)") if code == entry.motion else "{code} — {name}"
            out.append((prefix + label.format(code=code, name=readable), code))
    return out


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Hours (KST) in which a user's DMs are held; may cross midnight ("23:00-08:00")."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        match = re.fullmatch(r"\s*(\d{1,2}):?(\d{2})\s*[-~]\s*(\d{1,2}):?(\d{2})\s*", text)
        if not match:
            raise FormError(_("Quiet hours look like 23:00-08:00 (KST), or 'off'."))
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if max(h1, h2) > 23 or max(m1, m2) > 59 or (h1, m1) == (h2, m2):
            raise FormError(_("Quiet hours need two different times between 00:00 and 23:59."))
        return cls(time(h1, m1), time(h2, m2))

    def contains(self, moment: datetime) -> bool:
        # Quiet hours are KST clock times, whatever zone the moment was given in.
        now = moment.astimezone(KST).time()
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def to_text(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"
