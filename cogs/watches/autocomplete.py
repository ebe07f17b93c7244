"""Autocomplete for the `/watch` options: MEGABOX's own movie and branch lists, formats by
readable name, day words and the next weekend dates."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord.app_commands import Choice

from bot.chains.base import Film
from bot.chains.catalogue import describe_branch, describe_movie
from bot.i18n import N_, _
from bot.seats.prefs import parse_remind, remind_text
from bot.watches.forms import format_choices
from bot.watches.titles import on_sale

if TYPE_CHECKING:
    from bot.app import WatchBot

Interaction = discord.Interaction["WatchBot"]

_DAY_SUGGESTIONS = ("weekend", "weekdays", "all", "sat,sun", "fri,sat,sun", "sat", "sun")


async def _catalogue_ready(bot: WatchBot) -> bool:
    catalogue = bot.catalogue
    if catalogue.stale:
        # Autocomplete must answer within Discord's 3 s: refresh in the background.
        bot.in_background(catalogue.refresh())
    return catalogue.loaded


async def movie_autocomplete(interaction: Interaction, current: str) -> list[Choice[str]]:
    if not await _catalogue_ready(interaction.client):
        return []
    # A film not on sale yet can be watched too: the watch waits for it (bot/watches/titles.py).
    return [
        Choice(name=_movie_label(m)[:100], value=m.movie_id)
        for m in interaction.client.catalogue.search_movies(current)
    ]


def _movie_label(movie: Film) -> str:
    label = describe_movie(movie)
    return label if on_sale(movie) else _("{movie} · upcoming").format(movie=label)


async def branches_autocomplete(interaction: Interaction, current: str) -> list[Choice[str]]:
    """Several branches as a comma list: complete the part after the last comma."""
    if not await _catalogue_ready(interaction.client):
        return []
    head, _, last = current.rpartition(",")
    picked = [p.strip() for p in head.split(",") if p.strip()]
    catalogue = interaction.client.catalogue
    prefix = catalogue.branch_names(picked)
    choices = []
    for branch in catalogue.search_branches(last.strip()):
        if branch.branch_id in picked:
            continue
        value = ",".join([*picked, branch.branch_id])
        name = f"{prefix} + {describe_branch(branch)}" if prefix else describe_branch(branch)
        choices.append(Choice(name=name[:100], value=value[:100]))
    return choices


async def formats_autocomplete(interaction: Interaction, current: str) -> list[Choice[str]]:
    """MEGABOX's formats by readable name ("4DX" finds MX4D); several as a comma list."""
    head, _, last = current.rpartition(",")
    picked = [p.strip().upper() for p in head.split(",") if p.strip()]
    typed = last.strip().casefold()
    choices = []
    for label, code in format_choices():
        if code in picked or (picked and code == "any"):
            continue
        if typed and typed not in f"{label} {code}".casefold():
            continue
        value = ",".join([*picked, code])
        name = " + ".join([*picked, label]) if picked else label
        choices.append(Choice(name=name[:100], value=value[:100]))
    return choices[:25]


async def days_autocomplete(interaction: Interaction, current: str) -> list[Choice[str]]:
    today = interaction.client.checker.clock().date()
    weekends = [today + timedelta(days=n) for n in range(21)]
    dates = [d.isoformat() for d in weekends if d.weekday() >= 5][:4]
    options = [current.strip()] if current.strip() else []
    options += [o for o in (*_DAY_SUGGESTIONS, *dates) if current.lower() in o]
    return [
        Choice(name=(_(o) if o in _DAY_SUGGESTIONS else o)[:100], value=o[:100])
        for o in dict.fromkeys(options)
    ][:25]


#: The day words' labels in the member's language (the values stay what Days.parse reads).
_DAY_LABELS = (N_("weekend"), N_("weekdays"), N_("all"), N_("sat,sun"), N_("fri,sat,sun"),
               N_("sat"), N_("sun"))  # fmt: skip
_ROW_SUGGESTIONS = ("any", "E-J", "D-K", "not A-C", "not A-D", "F-L")
_REMIND_SUGGESTIONS = ("off", "30m", "1h", "2h", "6h")


async def rows_autocomplete(interaction: Interaction, current: str) -> list[Choice[str]]:
    """Row ranges in MEGABOX's letters (A is the screen side)."""
    typed = current.strip()
    options = ([typed] if typed and typed not in _ROW_SUGGESTIONS else []) + list(_ROW_SUGGESTIONS)
    return [Choice(name=o if o != "any" else _("any row"), value=o) for o in options][:25]


async def remind_autocomplete(interaction: Interaction, current: str) -> list[Choice[str]]:
    typed = current.strip()
    options = ([typed] if typed and typed not in _REMIND_SUGGESTIONS else []) + list(
        _REMIND_SUGGESTIONS
    )
    return [Choice(name=_remind_label(o), value=o) for o in options][:25]


def _remind_label(text: str) -> str:
    """ "1h" / "1시간", "off" / "끔"; what was typed, as typed."""
    try:
        delay = parse_remind(text)
    except ValueError:
        return text[:100]
    return remind_text(delay) if delay else _("off")
