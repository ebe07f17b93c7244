"""Every chain's films and branches, cached, searched for autocomplete and validation.

One catalogue over all chains: identities are qualified ("lotte:1016"), so a search can
offer both chains' branches in one list, and a film is looked up in its own chain.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import time
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from bot.chains.base import KST, Branch, Chain, ChainError, Film, chain_of, native

log = logging.getLogger(__name__)

E = TypeVar("E", Film, Branch)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "")


class Catalogue:
    """Refreshed at most every `ttl_seconds`; searches never wait for a chain. A chain that
    fails keeps what it had, and the others are refreshed all the same."""

    def __init__(
        self,
        chains: Chain | Sequence[Chain],
        *,
        ttl_seconds: float = 6 * 3600,
        clock: Callable[[], datetime] = lambda: datetime.now(KST),
    ) -> None:
        self.chains = tuple(chains) if isinstance(chains, Sequence) else (chains,)
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self.movies: dict[str, Film] = {}
        self.branches: dict[str, Branch] = {}
        self._loaded_at: dict[str, float] = {}
        self._lock = asyncio.Lock()
        self.errors: dict[str, ChainError] = {}

    @property
    def loaded(self) -> bool:
        return bool(self._loaded_at)

    def loaded_for(self, chain: str) -> bool:
        return chain in self._loaded_at

    @property
    def last_error(self) -> ChainError | None:
        return next(iter(self.errors.values()), None)

    @property
    def stale(self) -> bool:
        now = time.monotonic()
        return any(
            c.name not in self._loaded_at or now - self._loaded_at[c.name] > self.ttl_seconds
            for c in self.chains
        )

    async def refresh(self, *, force: bool = False) -> bool:
        """Fetch each chain's lists; on failure keep what it had. True when any is usable."""
        async with self._lock:
            for chain in self.chains:
                loaded_at = self._loaded_at.get(chain.name)
                fresh = loaded_at is not None and time.monotonic() - loaded_at <= self.ttl_seconds
                if fresh and not force:
                    continue
                await self._refresh(chain)
            return self.loaded

    async def _refresh(self, chain: Chain) -> None:
        try:
            # Every page: a film past the first page must be pickable too.
            released = await chain.films()
            upcoming = await chain.films(upcoming=True)
            branches = await chain.branches(self.clock().date())
        except ChainError as exc:
            log.warning("catalogue of %s not refreshed: %s", chain.name, exc.describe())
            self.errors[chain.name] = exc
            return
        self.movies = {k: m for k, m in self.movies.items() if chain_of(k) != chain.name}
        self.movies.update((m.movie_id, m) for m in [*upcoming, *released])
        self.branches = {k: b for k, b in self.branches.items() if chain_of(k) != chain.name}
        self.branches.update((b.branch_id, b) for b in branches)
        self._loaded_at[chain.name] = time.monotonic()
        self.errors.pop(chain.name, None)
        log.info(
            "catalogue of %s: %d movies, %d branches", chain.name, len(released), len(branches)
        )

    # -- search ----------------------------------------------------------------------------

    def search_movies(self, text: str, limit: int = 25, *, chain: str | None = None) -> list[Film]:
        query = _norm(text)
        movies = [m for m in self.movies.values() if chain is None or m.chain == chain]
        if not query:
            return movies[:limit]
        hits = [
            m
            for m in movies
            if query in _norm(m.movie_name) or native(m.movie_id).startswith(query)
        ]
        return hits[:limit]

    def search_branches(
        self, text: str, limit: int = 25, *, chain: str | None = None
    ) -> list[Branch]:
        query = _norm(text)
        branches = sorted(
            (b for b in self.branches.values() if chain is None or b.chain == chain),
            key=lambda b: (b.chain, b.region, b.branch_name),
        )
        if not query:
            return branches[:limit]
        hits = [
            b
            for b in branches
            if query in _norm(b.branch_name)
            or query in _norm(b.branch_name_en or "")
            or native(b.branch_id).startswith(query)
            or query == _norm(b.region_name)
        ]
        return hits[:limit]

    # -- resolving what a user typed -------------------------------------------------------

    def resolve_movie(self, text: str, *, chain: str | None = None) -> Film | list[str]:
        """The movie meant by an id, a number or a (unique) title; else the closest titles."""
        text = text.strip()
        found = self._by_code(self.movies, text, chain)
        if found is not None:
            return found
        hits = self.search_movies(text, limit=2, chain=chain)
        if len(hits) == 1:
            return hits[0]
        mine = [m for m in self.movies.values() if chain is None or m.chain == chain]
        exact = [m for m in mine if _norm(m.movie_name) == _norm(text)]
        if len(exact) == 1:
            return exact[0]
        if hits:
            return [describe_movie(m) for m in self.search_movies(text, limit=5, chain=chain)]
        names = {m.movie_name: m for m in mine}
        close = difflib.get_close_matches(text, list(names), n=3, cutoff=0.3)
        return [describe_movie(names[n]) for n in close]

    def resolve_branch(self, text: str, *, chain: str | None = None) -> Branch | list[str]:
        text = text.strip()
        found = self._by_code(self.branches, text, chain)
        if found is not None:
            return found
        mine = [b for b in self.branches.values() if chain is None or b.chain == chain]
        hits = [
            b for b in mine if _norm(text) in (_norm(b.branch_name), _norm(b.branch_name_en or ""))
        ] or self.search_branches(text, limit=2, chain=chain)
        if len(hits) == 1:
            return hits[0]
        if hits:
            return [describe_branch(b) for b in self.search_branches(text, limit=5, chain=chain)]
        names: dict[str, Branch] = {}
        for b in mine:
            names[b.branch_name] = b
            if b.branch_name_en:
                names[b.branch_name_en] = b
        close = difflib.get_close_matches(text, list(names), n=3, cutoff=0.3)
        return list(dict.fromkeys(describe_branch(names[n]) for n in close))

    @staticmethod
    def _by_code(entries: dict[str, E], text: str, chain: str | None) -> E | None:
        """A qualified id, or a chain's own code when one chain (or `chain`) has it."""
        if text in entries:
            return entries[text]
        owners = [
            e for k, e in entries.items() if native(k) == text and chain in (None, chain_of(k))
        ]
        return owners[0] if len(owners) == 1 else None

    def branch_names(self, codes: Sequence[str]) -> str:
        return ", ".join(
            self.branches[c].branch_name if c in self.branches else native(c) for c in codes
        )


def describe_movie(movie: Film) -> str:
    release = f" ({movie.release})" if movie.release else ""
    return f"{movie.movie_name}{release} · {native(movie.movie_id)}"


def describe_branch(branch: Branch) -> str:
    english = f" {branch.branch_name_en}" if branch.branch_name_en else ""
    area = f" ({branch.region_name})" if branch.region_name else ""
    return f"{branch.branch_name}{english}{area} · {native(branch.branch_id)}"
