"""Waiting watches meet the catalogue: one read of each chain's film list per check, shared
by every watch of that chain waiting for a film (bot/watches/titles.py decides which film is
whose). A chain whose list cannot be read leaves its watches waiting; the others bind."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.chains.base import Chain, ChainError, Film
from bot.delivery.notices import BoundBody
from bot.delivery.recipients import PendingAlert
from bot.store.news import NewNotice
from bot.store.repo import Store
from bot.watches.titles import bound_movie_id, find_film
from bot.watches.watch import Watch

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Binding:
    bound: dict[int, Watch]  # watch id → the watch as it is now, bound to its film
    #: A chain's film list could not be read: its waiting watches keep waiting.
    error: ChainError | None = None


async def bind_waiting(
    chains: Mapping[str, Chain],
    store: Store,
    waiting: Sequence[Watch],
    targets: Callable[[Watch], list[PendingAlert]],
    now: datetime,
) -> Binding:
    """Read each chain's film list once (if any of its watches waits) and bind each watch
    whose film is on sale; `targets(watch)`: where the watch's "found it" message goes."""
    films: dict[str, list[Film]] = {}
    error: ChainError | None = None
    for chain in sorted({w.chain for w in waiting}):
        if chain not in chains:
            continue
        try:
            films[chain] = await chains[chain].films()
        except ChainError as exc:
            log.warning("film list of %s not read for waiting watches: %s", chain, exc.describe())
            error = error or exc
    bound: dict[int, Watch] = {}
    for watch in waiting:
        assert watch.awaiting is not None
        if watch.chain not in films:
            continue
        film = find_film(watch.awaiting, films[watch.chain])
        if film is None:
            continue
        movie_id = bound_movie_id(film)
        body = BoundBody(watch.label, movie_id, film.movie_name, watch.awaiting.describe())
        notice = NewNotice(watch.id, "bound", body, targets(watch))
        now_bound = await store.bind_watch(watch, movie_id, notice=notice, now=now)
        if now_bound is not None:
            log.info("watch %s found its film %s (%s)", watch.id, movie_id, film.movie_name)
            bound[watch.id] = now_bound
    return Binding(bound, error)
