"""Waiting watches meet the catalogue: one read of MEGABOX's film list per check, shared by
every watch waiting for a film (bot/watches/titles.py decides which film is whose)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.chains.megabox.client import MegaboxClient
from bot.chains.megabox.errors import MegaboxError
from bot.delivery.notices import BoundBody
from bot.delivery.recipients import PendingAlert
from bot.store.news import NewNotice
from bot.store.repo import Store
from bot.watches.titles import bound_movie_no, find_film
from bot.watches.watch import Watch

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Binding:
    bound: dict[int, Watch]  # watch id → the watch as it is now, bound to its film
    error: MegaboxError | None = None  # the catalogue could not be read: all keep waiting


async def bind_waiting(
    client: MegaboxClient,
    store: Store,
    waiting: Sequence[Watch],
    targets: Callable[[Watch], list[PendingAlert]],
    now: datetime,
) -> Binding:
    """Read the catalogue once (if anyone waits) and bind each watch whose film is on sale;
    `targets(watch)`: where the watch's "found it" message goes."""
    if not waiting:
        return Binding({})
    try:
        movies = await client.all_movies()
    except MegaboxError as exc:
        log.warning("catalogue not read for waiting watches: %s", exc.describe())
        return Binding({}, exc)
    bound: dict[int, Watch] = {}
    for watch in waiting:
        assert watch.awaiting is not None
        film = find_film(watch.awaiting, movies)
        if film is None:
            continue
        movie_no = bound_movie_no(film)
        body = BoundBody(watch.label, movie_no, film.movie_nm, watch.awaiting.describe())
        notice = NewNotice(watch.id, "bound", body, targets(watch))
        now_bound = await store.bind_watch(watch, movie_no, notice=notice, now=now)
        if now_bound is not None:
            log.info("watch %s found its film %s (%s)", watch.id, movie_no, film.movie_nm)
            bound[watch.id] = now_bound
    return Binding(bound)
