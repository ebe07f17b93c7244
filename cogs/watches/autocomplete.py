"""Autocomplete for the `/watch` options: the chains' own movie and branch lists (both
chains' branches in one list, films of the chosen branches' chain), formats by readable
name, day words and the next weekend dates."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord.app_commands import Choice

from bot.chains.base import Branch, Film, chain_of
from bot.chains.catalogue import describe_branch, describe_movie
from bot.i18n import N_, _, chain_name
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


def _chosen_chain(interaction: Interaction) -> str | None:
    """The chain of the branches already given in this command (None: none given yet)."""
    branches = getattr(interaction.namespace, "branches", None)
    first = str(branches).split(",")[0].strip() if branches else ""
    if not first:
        return None
    found = interaction.client.catalogue.resolve_branch(first)
    return found.chain if isinstance(found, Branch) else chain_of(first) if ":" in first else None


async def movie_autocomplete(interaction: Interaction, current: str) -> list[Choice[str]]:
    if not await _catalogue_ready(interaction.client):
        return []
    chain = _chosen_chain(interaction)
    # A film not on sale yet can be watched too: the watch waits for it (bot/watches/titles.py).
    return [
        Choice(
            name=_movie_label(m, chain is None and _two_chains(interaction))[:100], value=m.movie_id
        )
        for m in interaction.client.catalogue.search_movies(current, chain=chain)
    ]


def _movie_label(movie: Film, with_chain: bool = False) -> str:
    label = describe_movie(movie)
    if with_chain:
        label = f"{chain_name(movie.movie_id)} · {label}"
    return label if on_sale(movie) else _("{movie} · upcoming").format(movie=label)


def _two_chains(interaction: Interaction) -> bool:
    """Both chains are offered: labels name the chain of each branch and film."""
    return len(interaction.client.catalogue.chains) > 1


def branch_label(branch: Branch, with_chain: bool = True) -> str:
    """ "메가박스 코엑스 COEX (서울) · 1351", "롯데시네마 월드타워 (서울) · 1016"."""
    label = describe_branch(branch)
    return f"{chain_name(branch.branch_id)} {label}" if with_chain else label


async def branches_autocomplete(interaction: Interaction, current: str) -> list[Choice[str]]:
    """Several branches as a comma list: complete the part after the last comma."""
    if not await _catalogue_ready(interaction.client):
        return []
    head, _, last = current.rpartition(",")
    picked = [p.strip() for p in head.split(",") if p.strip()]
    catalogue = interaction.client.catalogue
    prefix = catalogue.branch_names(picked)
    # A watch is of one chain: once a branch is picked, only its chain's are offered.
    first = catalogue.resolve_branch(picked[0]) if picked else None
    chain = first.chain if isinstance(first, Branch) else None
    choices = []
    for branch in catalogue.search_branches(last.strip(), chain=chain):
        if branch.branch_id in picked:
            continue
        value = ",".join([*picked, branch.branch_id])
        label = branch_label(branch, _two_chains(interaction))
        name = f"{prefix} + {label}" if prefix else label
        choices.append(Choice(name=name[:100], value=value[:100]))
    return choices


async def formats_autocomplete(interaction: Interaction, current: str) -> list[Choice[str]]:
    """The chosen branches' chain's formats by readable name ("4DX" finds MX4D at MEGABOX,
    SUPER4D at Lotte); both chains' while no branch is given; several as a comma list."""
    head, _, last = current.rpartition(",")
    picked = [p.strip().upper() for p in head.split(",") if p.strip()]
    typed = last.strip().casefold()
    choices = []
    for label, code in format_choices(_chosen_chain(interaction)):
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
