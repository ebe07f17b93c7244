"""Values from `bot/` → Discord embeds, buttons and allowed mentions, in one place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import discord
from discord.utils import escape_markdown, escape_mentions

from bot import i18n
from bot.chains import registry
from bot.chains.base import at_clock, qualified
from bot.chains.catalogue import Catalogue
from bot.checking.checker import CheckResult, SeenScreening
from bot.checking.report import shown_count, status_line, when
from bot.checking.schedule import duration_text
from bot.delivery.outbox import AlertView
from bot.i18n import N_, _, chain_name, ngettext
from bot.seats.prefs import remind_text
from bot.store.repo import CheckRun
from bot.watches.watch import NOTIFY, Mention, Watch

GREEN = discord.Colour.from_rgb(46, 204, 113)
GREY = discord.Colour.from_rgb(120, 124, 130)
RED = discord.Colour.from_rgb(231, 76, 60)


def safe(text: str | None) -> str:
    """MEGABOX text is already HTML-unescaped; keep it from formatting or pinging.

    "#" only makes a heading at the start of a line, where we never put such text.
    """
    return escape_mentions(escape_markdown(text or "")).replace("\\#", "#")


def where(target_kind: str, target_id: int) -> str:
    """A delivery target in words: a channel mention, or a user's DMs."""
    if target_kind == "dm":
        return _("<@{user}> by DM").format(user=target_id)
    return f"<#{target_id}>"


def booking_url(screening_id: str, movie_id: str = "", movie_name: str = "") -> str:
    """The chain's booking link for a screening (Lotte's opens the film's booking page)."""
    return registry.info(screening_id).booking(screening_id, movie_id, movie_name)


def links(
    screening_id: str,
    branch_id: str,
    play_date: date,
    *,
    booked: bool = False,
    movie: tuple[str, str] = ("", ""),
) -> discord.ui.View:
    """Booking links, labelled with what they open; `booked`: with the persistent "Booked /
    not for me" button."""
    entry = registry.info(screening_id)
    view = discord.ui.View(timeout=None)
    book = (
        _("Book seats")
        if entry.links_to_screening
        else _("{chain}: book (pick the screening)").format(chain=chain_name(screening_id))
    )
    view.add_item(discord.ui.Button(label=book, url=booking_url(screening_id, *movie), emoji="🎟️"))
    timetable = entry.timetable(branch_id, play_date)
    if timetable is not None:
        view.add_item(discord.ui.Button(label=_("Timetable"), url=timetable))
    if booked:
        view.add_item(BookedButton(screening_id))
    return view


def picture_name(screening_id: str) -> str:
    return f"seats-{screening_id.replace(':', '-')}.png"


class BookedButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    # Buttons posted before there were two chains carry MEGABOX's bare number.
    template=r"mbw:booked:(?P<no>(?:[a-z]+:)?[0-9A-Za-z-]{1,60})",
):
    """ "Booked / not for me": silences this screening for whoever presses it. Its state is
    its custom id, so it works after a restart (registered by the watcher cog)."""

    def __init__(self, screening_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Booked / not for me"),
                style=discord.ButtonStyle.secondary,
                emoji="🔕",
                custom_id=f"mbw:booked:{screening_id}",
            )
        )
        self.screening_id = screening_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any
    ) -> BookedButton:
        return cls(qualified(match["no"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = interaction.client
        # A button is not a slash command: its answer's language is set here.
        i18n.use(interaction.locale.value)
        now = bot.checker.clock()
        await bot.store.silence(interaction.user.id, self.screening_id, now=now)
        title = await bot.store.screening_title(self.screening_id)
        what = (
            _("**{movie}** on {day} at {time}").format(
                movie=safe(title[0]), day=day_text(title[1]), time=title[2]
            )
            if title
            else _("this screening")
        )
        await interaction.response.send_message(
            _(
                "🔕 Done: no more DMs or mentions about {what} for you. Everyone else still "
                "gets theirs."
            ).format(what=what),
            ephemeral=True,
        )


def allowed_mentions(mentions: Sequence[Mention]) -> discord.AllowedMentions:
    """Exactly the configured mentions, nothing else (never text from MEGABOX)."""
    users = [discord.Object(m.target_id) for m in mentions if m.kind == "user" and m.target_id]
    roles = [discord.Object(m.target_id) for m in mentions if m.kind == "role" and m.target_id]
    return discord.AllowedMentions(
        everyone=any(m.kind in ("here", "everyone") for m in mentions),
        users=users or False,
        roles=roles or False,
        replied_user=False,
    )


def span(view: AlertView) -> str:
    """ "22:20–00:44 (+1 day)": end times past 24:00 roll over (README §13.6)."""
    start = at_clock(view.play_date, view.start_clock)
    end = at_clock(view.play_date, view.end_clock)
    later = _(" (+1 day)") if end.date() > view.play_date else ""
    return f"{start:%H:%M}–{end:%H:%M}{later}"


def day_text(play_date: date) -> str:
    return i18n.day_text(play_date)


def kst(moment: datetime) -> str:
    return i18n.kst_clock(moment)


def seats_text(view: AlertView) -> str:
    if view.usable is None:
        return ngettext(
            "{n} free (wheelchair seats included)",
            "{n} free (wheelchair seats included)",
            view.free_seats,
        ).format(n=view.free_seats)
    text = ngettext(
        "**{n}** usable free seat of {total}", "**{n}** usable free seats of {total}", view.usable
    ).format(n=view.usable, total=view.total or "?")
    if view.allowed is not None and view.prefs.restricts:
        text += _(", **{n}** {where}").format(n=view.allowed, where=view.prefs.where())
    if view.from_count:
        text += "\n" + _(
            "from the count: at least this many (the listing's free seats less the hall's "
            "wheelchair and hidden seats); no seat map was read, so there is no seat picture"
        )
    elif not view.exact and view.layout is not None:
        # A map was read and pictured, but the chain's own count disagrees with it (Lotte).
        text += "\n" + _("⚠️ estimate: the seat map disagrees with the listing's free seats")
    elif not view.exact:
        text += "\n" + _("⚠️ estimate: the seat map could not be read, so there is no seat picture")
    return text


def block_text(view: AlertView) -> str:
    # An estimate proves no seats together, even from a map read (one that disagrees).
    if not view.exact or not view.best_block or not view.best_row:
        return _("unknown") if not view.exact or view.from_count else _("none")
    return _("{n} together in row {row}").format(n=view.best_block, row=view.best_row)


#: Why an opening closed (openings.Change) → the words of the edited alert.
_CLOSED_BECAUSE = {
    "started": N_("Screening started"),
    "unwatched": N_("No longer watched"),
    "superseded": N_("Replaced by a newer alert"),  # a duplicate opening (migration 0003)
}
_SOLD_OUT = N_("Sold out again")


def closed_text(view: AlertView) -> tuple[str, str]:
    """(short reason for the title, the description) of a closed alert."""
    reason = _(_CLOSED_BECAUSE.get(view.close_reason or "", _SOLD_OUT))
    since = kst(view.closed_at) if view.closed_at else _("now")
    text = _("{reason} since {since}. (It had opened at {opened}.)").format(
        reason=reason, since=since, opened=kst(view.opened_at)
    )
    if view.close_reason == "unwatched":
        text += " " + _("The watch was changed and no longer covers it; seats may still be free.")
    return reason, text


def branch_text(view: AlertView) -> str:
    """ "메가박스 코엑스 · MX4D관": the chain is named, as two chains may share a city."""
    return f"{chain_name(view.screening_id)} {safe(view.branch_name)} · {safe(view.hall_name)}"


def link_note(view: AlertView) -> str:
    """What a chain's booking link opens when it cannot open the screening itself."""
    return _(
        "The button opens {chain}'s booking page for this film: pick {branch}, {day} {time}, "
        "{hall} there."
    ).format(
        chain=chain_name(view.screening_id),
        branch=safe(view.branch_name),
        day=day_text(view.play_date),
        time=view.start_clock,
        hall=safe(view.hall_name),
    )


def alert_message(
    view: AlertView,
    *,
    test: bool = False,
    picture: str | None = None,
    no_picture: str | None = None,
) -> dict[str, Any]:
    """The keyword arguments for `send`/`edit` of one alert, open or closed; `picture`: the
    file name of its attached seat-map picture, shown in the embed; `no_picture`: why an open
    alert with a stored hall comes without one."""
    movie = safe(view.movie_name)
    if view.open:
        title = _("🎟️ Seats open: {movie}").format(movie=movie)
        colour = GREEN
        description = seats_text(view)
    else:
        reason, description = closed_text(view)
        title = _("~~{movie}~~ — {reason}").format(movie=movie, reason=reason.lower())
        colour = GREY
    if test:
        title = _("[TEST] {title}").format(title=title)
    embed = discord.Embed(title=title[:256], description=description, colour=colour)
    embed.add_field(name=_("Branch"), value=branch_text(view))
    embed.add_field(name=_("Format"), value=safe(view.format or "?"))
    embed.add_field(name=_("Date"), value=day_text(view.play_date))
    embed.add_field(name=_("Time"), value=span(view))
    if view.open:
        if not registry.info(view.screening_id).links_to_screening:
            embed.add_field(name=_("Booking link"), value=link_note(view), inline=False)
        embed.add_field(name=_("Best block"), value=block_text(view))
        if view.prefs.active:
            embed.add_field(name=_("Your seats"), value=view.prefs.describe())
        if picture is not None:
            embed.set_image(url=f"attachment://{picture}")
        elif no_picture is not None:
            embed.add_field(name=_("Seat map"), value=no_picture)
        elif view.exact and view.layout is None:
            embed.add_field(name=_("Seat map"), value=_("no picture (the hall was not stored)"))
    embed.set_footer(
        text="megabox-watch" + (_(" · test alert, not a real opening") if test else "")
    )
    embed.timestamp = view.opened_at
    # A test pings nobody; a closed alert's edit must not ping again.
    mentions = list(view.mentions) if view.open and not test else []
    content = " ".join(m.to_text() for m in mentions) or None
    if test:
        content = _("(test alert: nobody was pinged)")
    return {
        "content": content,
        "embed": embed,
        "view": links(
            view.screening_id,
            view.branch_id,
            view.play_date,
            booked=not test,
            movie=(view.movie_id, view.movie_name),
        ),
        "allowed_mentions": allowed_mentions(mentions),
    }


def reminder_message(view: AlertView, after: str) -> dict[str, Any]:
    """The one reminder of an opening still open after the watch's `remind` delay."""
    embed = discord.Embed(
        title=_("⏰ Still open after {after}: {movie}").format(
            after=after, movie=safe(view.movie_name)
        )[:256],
        description=seats_text(view),
        colour=GREEN,
    )
    embed.add_field(name=_("Branch"), value=branch_text(view))
    embed.add_field(name=_("Date"), value=day_text(view.play_date))
    embed.add_field(name=_("Time"), value=span(view))
    embed.add_field(name=_("Best block"), value=block_text(view))
    embed.set_footer(text=_("megabox-watch · one reminder of the alert above"))
    mentions = list(view.mentions)
    return {
        "content": " ".join(m.to_text() for m in mentions) or None,
        "embed": embed,
        "view": links(
            view.screening_id,
            view.branch_id,
            view.play_date,
            booked=True,
            movie=(view.movie_id, view.movie_name),
        ),
        "allowed_mentions": allowed_mentions(mentions),
    }


def screening_line(s: SeenScreening) -> str:
    scr = s.screening
    count = shown_count(s)
    if s.count is not None and count is not None:
        seats = _("{n} usable").format(n=f"{s.count.usable}{'' if s.count.exact else '~'}")
        if s.count.from_count:
            seats = _("at least {n} usable, from the count").format(n=s.count.usable)
        if count.best_row:
            seats += ", " + _("{n} together in row {row}").format(
                n=count.best_block, row=count.best_row
            )
        if not s.matched_by and s.reasons:
            seats += f" — {'; '.join(s.reasons)}"  # why a preference missed it
    else:
        seats = _("{n} free incl. wheelchair").format(n=scr.free_seats)
    return (
        f"[{when(s)}]({booking_url(scr.screening_id, scr.movie_id, scr.movie_name)}) · "
        f"{safe(scr.branch_name)} "
        f"{safe(scr.hall_name)} · {seats}"
    )


def check_embed(result: CheckResult) -> discord.Embed:
    """The private `/check` answer: matches with links, the nearest misses, errors."""
    colour = RED if result.failed else (GREEN if result.matches else GREY)
    embed = discord.Embed(
        title=_("Check finished"), description=escape_markdown(status_line(result)), colour=colour
    )
    matches = result.matches
    if matches:
        embed.add_field(
            name=_("Matching ({n})").format(n=len(matches)),
            value=_lines(screening_line(s) for s in matches),
            inline=False,
        )
    misses = result.near_misses()
    if misses and not result.failed:
        embed.add_field(
            name=_("Nearest misses"),
            value=_lines(screening_line(s) for s in misses),
            inline=False,
        )
    if result.errors:
        embed.add_field(
            name=_("Not checked"),
            value=_lines(f"{e.scope}: {e.kind} — {safe(e.message)}" for e in result.errors),
            inline=False,
        )
    return embed


def _lines(lines: Any, limit: int = 1024) -> str:
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit - 20:
            out.append("…")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out) or "—"


def run_text(run: CheckRun | None) -> str:
    """When the last check ran, how long it took and how it went. Not its summary: that is
    the status channel's line, which names every watch's matches, of every server."""
    if run is None:
        return _("no check yet")
    if run.ok:
        outcome = _("✅ ok")
    elif run.screenings_seen:
        outcome = _("⚠️ partly failed ({error})").format(error=safe(run.error_kind))
    else:
        outcome = _("❌ failed ({error})").format(error=safe(run.error_kind))
    took = duration_text(run.finished_at - run.started_at)
    return _("{when} · took {took} · {outcome} ({trigger})").format(
        when=f"<t:{int(run.finished_at.timestamp())}:R>",
        took=took,
        outcome=outcome,
        trigger=run.trigger,
    )


def status_embed(
    *,
    uptime: str,
    latency_ms: float | None,
    last_run: CheckRun | None,
    next_run: datetime | None,
    failures: int,
    watches: Sequence[Watch],
    watch_states: Mapping[int, Sequence[Mapping[str, Any]]],
    alerts_sent: int,
    problems: Sequence[str],
    checking: bool,
    overrun: str | None = None,
    fast_lane: str | None = None,
) -> discord.Embed:
    """`/status` for one member: everything about watches is about `watches` (those they may
    see); `overrun` says when a check outlasts the schedule."""
    colour = RED if failures else GREEN
    embed = discord.Embed(title=_("megabox-watch status"), colour=colour)
    embed.add_field(name=_("Uptime"), value=uptime)
    embed.add_field(
        name=_("Gateway latency"),
        value=f"{latency_ms:.0f} ms" if latency_ms is not None else "—",
    )
    embed.add_field(name=_("Alerts sent"), value=str(alerts_sent))
    last = run_text(last_run) + ("\n" + _("⏳ a check is running now") if checking else "")
    if overrun:
        last += f"\n{overrun}"
    embed.add_field(name=_("Last check"), value=last[:1024], inline=False)
    embed.add_field(
        name=_("Next check"),
        value=f"<t:{int(next_run.timestamp())}:f>" if next_run else _("not scheduled"),
    )
    embed.add_field(name=_("Consecutive failures"), value=str(failures))
    if fast_lane:
        embed.add_field(name=_("Fast lane"), value=fast_lane[:1024], inline=False)
    lines = []
    for watch in watches:
        state = watch_states.get(watch.id, [])
        paused = _(" (paused)") if watch.paused else ""
        now_open = ", ".join(
            f"{day_text(r['play_date'])} {r['start_clock']} ({r['usable']})" for r in state[:3]
        ) or _("nothing open")
        lines.append(f"**#{watch.id}**{paused} {safe(watch.describe())}\n→ {now_open}")
    embed.add_field(
        name=_("Watches ({n})").format(n=len(watches)), value=_lines(lines), inline=False
    )
    if problems:
        embed.add_field(name=_("Problems"), value=_lines(problems), inline=False)
    return embed


def watch_embed(
    watch: Watch,
    catalogue: Catalogue,
    *,
    default_channel: int | None,
    open_now: Sequence[Mapping[str, Any]] = (),
    cost: str | None = None,
) -> discord.Embed:
    """One stored watch, in words; `cost`: what it costs MEGABOX per check, in a sentence."""
    movie = catalogue.movies.get(watch.movie_id)
    embed = discord.Embed(
        title=_("Watch {label}").format(label=safe(watch.label)),
        description=cost,
        colour=GREY if watch.paused else GREEN,
    )
    if watch.awaiting is not None:
        film = _("⏳ waiting for the film: {title}").format(title=safe(watch.awaiting.describe()))
    else:
        film = f"{safe(movie.movie_name) if movie else '?'} · {watch.movie_id}"
    embed.add_field(name=_("Movie"), value=film, inline=False)
    embed.add_field(
        name=_("Branches"),
        value=", ".join(
            f"{safe(catalogue.branches[b].branch_name)} ({b})" if b in catalogue.branches else b
            for b in watch.branches
        ),
        inline=False,
    )
    embed.add_field(name=_("Format"), value="/".join(sorted(watch.formats)) or _("any"))
    embed.add_field(name=_("Days"), value=watch.days.describe())
    embed.add_field(
        name=_("Start times"), value=watch.window.to_text() if watch.window else _("any")
    )
    seats = (
        _("{n} together, wheelchair seats excluded")
        if watch.together
        else _("{n}, wheelchair seats excluded")
    ).format(n=watch.min_seats)
    embed.add_field(name=_("Seats"), value=seats)
    embed.add_field(name=_("Seat preference"), value=watch.prefs.describe())
    embed.add_field(
        name=_("Reminder"),
        value=_("after {delay} if still open").format(delay=remind_text(watch.remind))
        if watch.remind
        else _("off"),
    )
    if watch.personal:
        embed.add_field(name=_("Delivery"), value=_("DM to its owner (personal watch)"))
    else:
        channel = watch.channel_id or default_channel
        embed.add_field(name=_("Channel"), value=f"<#{channel}>" if channel else _("none set"))
        embed.add_field(name=_("Mention"), value=watch.mention.to_text() or _("nobody"))
    embed.add_field(name=_("Tells"), value=_(NOTIFY[watch.notify]))
    if watch.tells_news and (watch.news_channel_id or watch.news_mention):
        news = watch.as_news()
        where = f"<#{news.channel_id}>" if news.channel_id else _("the alert channel")
        embed.add_field(
            name=_("New screenings to"),
            value=f"{where} · {news.mention.to_text() or _('nobody')}",
        )
    state = _("paused") if watch.paused else _("active")
    if watch.awaiting is not None:
        state += " · " + _(
            "waiting for the film ({title}): one look at {chain}'s film list per check; when "
            "it is on sale the watch says so and its first screenings come as new screenings"
        ).format(title=safe(watch.awaiting.describe()), chain=chain_name(watch.chain))
    if watch.fast_lane:
        state += " · " + _("fast lane: re-checked between scheduled checks")
    if watch.baseline_pending and watch.awaiting is None:
        state += " · " + _(
            "its first check records what is already open and alerts only new openings"
        )
    embed.add_field(name=_("Status"), value=state, inline=False)
    if open_now:
        embed.add_field(
            name=_("Open now"),
            value=_lines(
                f"{day_text(r['play_date'])} {r['start_clock']} · {safe(r['branch_name'])} · "
                + ngettext("{n} seat", "{n} seats", r["usable"]).format(n=r["usable"])
                for r in open_now
            ),
            inline=False,
        )
    return embed
