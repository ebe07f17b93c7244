"""MEGABOX's movies and branches, cached, searched for autocomplete and validation."""

from __future__ import annotations

import asyncio
import difflib
import logging
import time
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.chains.megabox.client import MegaboxClient
from bot.chains.megabox.errors import MegaboxError
from bot.chains.megabox.models import KST, Branch, Movie

log = logging.getLogger(__name__)

#: Any branch serves to fetch the list: every selectBokdList answer carries all branches (§4.6).
_PROBE_BRANCH = "1351"


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "")


class Catalogue:
    """Refreshed at most every `ttl_seconds`; searches never wait for MEGABOX."""

    def __init__(
        self,
        client: MegaboxClient,
        *,
        ttl_seconds: float = 6 * 3600,
        clock: Callable[[], datetime] = lambda: datetime.now(KST),
    ) -> None:
        self.client = client
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self.movies: dict[str, Movie] = {}
        self.branches: dict[str, Branch] = {}
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()
        self.last_error: MegaboxError | None = None

    @property
    def loaded(self) -> bool:
        return self._loaded_at is not None

    @property
    def stale(self) -> bool:
        return self._loaded_at is None or time.monotonic() - self._loaded_at > self.ttl_seconds

    async def refresh(self, *, force: bool = False) -> bool:
        """Fetch both lists; on failure keep what we had. True when the data is usable."""
        async with self._lock:
            if not force and not self.stale:
                return True
            try:
                # Every page: a film past the first page must be pickable too.
                released = await self.client.all_movies()
                upcoming = await self.client.all_movies(upcoming=True)
                page = await self.client.booking_page(self.clock().date(), [_PROBE_BRANCH])
            except MegaboxError as exc:
                log.warning("catalogue not refreshed: %s", exc.describe())
                self.last_error = exc
                return self.loaded
            self.movies = {m.movie_no: m for m in [*upcoming, *released]}
            self.branches = {b.brch_no: b for b in page.branches}
            self._loaded_at = time.monotonic()
            self.last_error = None
            log.info("catalogue: %d movies, %d branches", len(self.movies), len(self.branches))
            return True

    # -- search ----------------------------------------------------------------------------

    def search_movies(self, text: str, limit: int = 25) -> list[Movie]:
        query = _norm(text)
        movies = list(self.movies.values())
        if not query:
            return movies[:limit]
        hits = [m for m in movies if query in _norm(m.movie_nm) or m.movie_no.startswith(query)]
        return hits[:limit]

    def search_branches(self, text: str, limit: int = 25) -> list[Branch]:
        query = _norm(text)
        branches = sorted(self.branches.values(), key=lambda b: (b.area_cd, b.brch_nm))
        if not query:
            return branches[:limit]
        hits = [
            b
            for b in branches
            if query in _norm(b.brch_nm)
            or query in _norm(b.brch_eng_nm or "")
            or b.brch_no.startswith(query)
            or query == _norm(b.area_nm)
        ]
        return hits[:limit]

    # -- resolving what a user typed -------------------------------------------------------

    def resolve_movie(self, text: str) -> Movie | list[str]:
        """The movie meant by a number or a (unique) title; else the closest titles."""
        text = text.strip()
        if text in self.movies:
            return self.movies[text]
        hits = self.search_movies(text, limit=2)
        if len(hits) == 1:
            return hits[0]
        exact = [m for m in self.movies.values() if _norm(m.movie_nm) == _norm(text)]
        if len(exact) == 1:
            return exact[0]
        if hits:
            return [describe_movie(m) for m in self.search_movies(text, limit=5)]
        names = {m.movie_nm: m for m in self.movies.values()}
        close = difflib.get_close_matches(text, list(names), n=3, cutoff=0.3)
        return [describe_movie(names[n]) for n in close]

    def resolve_branch(self, text: str) -> Branch | list[str]:
        text = text.strip()
        if text in self.branches:
            return self.branches[text]
        hits = [
            b
            for b in self.branches.values()
            if _norm(text) in (_norm(b.brch_nm), _norm(b.brch_eng_nm or ""))
        ] or self.search_branches(text, limit=2)
        if len(hits) == 1:
            return hits[0]
        if hits:
            return [describe_branch(b) for b in self.search_branches(text, limit=5)]
        names: dict[str, Branch] = {}
        for b in self.branches.values():
            names[b.brch_nm] = b
            if b.brch_eng_nm:
                names[b.brch_eng_nm] = b
        close = difflib.get_close_matches(text, list(names), n=3, cutoff=0.3)
        return list(dict.fromkeys(describe_branch(names[n]) for n in close))

    def branch_names(self, codes: Sequence[str]) -> str:
        return ", ".join(self.branches[c].brch_nm if c in self.branches else c for c in codes)


def describe_movie(movie: Movie) -> str:
    release = f" ({movie.release})" if movie.release else ""
    return f"{movie.movie_nm}{release} · {movie.movie_no}"


def describe_branch(branch: Branch) -> str:
    english = f" {branch.brch_eng_nm}" if branch.brch_eng_nm else ""
    area = f" ({branch.area_nm})" if branch.area_nm else ""
    return f"{branch.brch_nm}{english}{area} · {branch.brch_no}"
