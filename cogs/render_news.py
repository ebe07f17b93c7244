"""New-screening and "found your film" messages (bot/delivery/notices.py) → Discord embeds.

One message per watch and check, however many screenings opened: grouped by date, then
branch and hall, within Discord's embed limits (25 fields, 1024 characters a field, 6000 in
all); what does not fit is counted in a last line instead of split into more messages,
so each notice stays one message with one nonce (exactly once).
"""

from __future__ import annotations

from typing import Any

import discord

from bot.chains import registry
from bot.chains.base import parse_clock
from bot.delivery.new_screenings import NewScreening, group
from bot.delivery.notices import BoundBody, NewsBody
from bot.i18n import _, chain_name, ngettext
from bot.watches.watch import Mention
from cogs.render import GREEN, allowed_mentions, booking_url, day_text, safe

BLUE = discord.Colour.from_rgb(52, 152, 219)
MAX_FIELDS = 25
FIELD_VALUE = 1024
FIELD_NAME = 256
#: Discord's 6000 for the whole embed, less room for the last "and N more" field.
TOTAL = 6000 - 200


def line(item: NewScreening, movie: tuple[str, str] = ("", "")) -> str:
    """ "✅ [19:40–22:04](booking) · **5** usable of 192": ✅ when it has the watch's seats;
    `movie` (id, title) for a chain that books by film."""
    # MEGABOX writes ends as "22:04", "2204" or past midnight "24:40" (README §13.6).
    hours, minutes = parse_clock(item.end_clock)
    end = f"{hours % 24:02d}:{minutes:02d}"
    if hours >= 24:
        end = _("{time} (+1)").format(time=end)
    when = f"[{item.start_clock}–{end}]({booking_url(item.screening_id, *movie)})"
    if not item.bookable:
        seats = _("not bookable yet")
    elif item.usable is not None:
        seats = _("**{n}** usable of {total}").format(
            n=f"{item.usable}{'' if item.exact else '~'}", total=item.total or "?"
        )
    else:
        seats = _("{n} free").format(n=item.free_seats)
    return f"{'✅ ' if item.matches else ''}{when} · {seats}"


def news_embed(body: NewsBody) -> discord.Embed:
    days = group(body.screenings)
    n = len(body.screenings)
    matching = sum(s.matches for s in body.screenings)
    description = ngettext(
        "{n} new screening on {dates} for watch {watch}.",
        "{n} new screenings on {dates} for watch {watch}.",
        n,
    ).format(
        n=n,
        dates=ngettext("{n} date", "{n} dates", len(days)).format(n=len(days)),
        watch=safe(body.watch_label),
    )
    if matching:
        description += " " + _("✅ {n} with the seats this watch wants.").format(n=matching)
    embed = discord.Embed(
        title=_("🆕 New screenings: {movie}").format(movie=safe(body.movie_name))[:256],
        description=description,
        colour=BLUE,
        url=registry.info(body.movie_id).film_booking(body.movie_id, body.movie_name),
    )
    size = len(embed.title or "") + len(description) + 40
    shown = 0
    for day in days:
        for hall in day.halls:
            name = f"{day_text(day.play_date)} · {chain_name(hall.branch_id)} {safe(hall.branch_name)} · {safe(hall.hall_name)}"
            for value, count in _values(
                [line(s, (body.movie_id, body.movie_name)) for s in hall.screenings]
            ):
                field_name = name[:FIELD_NAME]
                full = len(embed.fields) >= MAX_FIELDS - 1
                if full or size + len(field_name) + len(value) > TOTAL:
                    return _more(embed, n - shown)
                embed.add_field(name=field_name, value=value, inline=False)
                size += len(field_name) + len(value)
                shown += count
                name = _("{name} (cont.)").format(name=name[: FIELD_NAME - 12])
    embed.set_footer(text=_("megabox-watch · new screenings"))
    return embed


def _values(lines: list[str]) -> list[tuple[str, int]]:
    """Lines packed into field values of at most 1024 characters: (value, lines in it)."""
    out: list[tuple[str, int]] = []
    current: list[str] = []
    for text in lines:
        text = text[:FIELD_VALUE]
        if current and len("\n".join([*current, text])) > FIELD_VALUE:
            out.append(("\n".join(current), len(current)))
            current = []
        current.append(text)
    if current:
        out.append(("\n".join(current), len(current)))
    return out


def _more(embed: discord.Embed, left: int) -> discord.Embed:
    embed.add_field(
        name=_("…and more"),
        value=ngettext(
            "{n} more new screening: see the booking page (the title links to it) or `/check`.",
            "{n} more new screenings: see the booking page (the title links to it) or `/check`.",
            left,
        ).format(n=left),
        inline=False,
    )
    embed.set_footer(text=_("megabox-watch · new screenings"))
    return embed


def bound_embed(body: BoundBody) -> discord.Embed:
    embed = discord.Embed(
        title=_("🎬 On sale now: {movie}").format(movie=safe(body.movie_name))[:256],
        description=_(
            "Watch {watch} was waiting for {awaited}: {chain} now sells **{movie}** ({no}). "
            "From now on it watches it like any watch; its first screenings come as new "
            "screenings."
        ).format(
            watch=safe(body.watch_label),
            chain=chain_name(body.movie_id),
            awaited=safe(body.awaited),
            movie=safe(body.movie_name),
            no=body.movie_id,
        ),
        colour=GREEN,
    )
    embed.set_footer(text="megabox-watch")
    return embed


def notice_message(body: NewsBody | BoundBody, mentions: tuple[Mention, ...]) -> dict[str, Any]:
    """The keyword arguments for `send` of one notice."""
    embed = news_embed(body) if isinstance(body, NewsBody) else bound_embed(body)
    view = discord.ui.View(timeout=None)
    entry = registry.info(body.movie_id)
    view.add_item(
        discord.ui.Button(
            label=_("Book on {chain}").format(chain=chain_name(body.movie_id)),
            url=entry.film_booking(body.movie_id, body.movie_name),
            emoji="🎟️",
        )
    )
    if (page := entry.film_page(body.movie_id)) is not None:
        view.add_item(discord.ui.Button(label=_("Movie"), url=page))
    content = " ".join(m.to_text() for m in mentions) or None
    return {
        "content": content,
        "embed": embed,
        "view": view,
        "allowed_mentions": allowed_mentions(mentions),
    }
