"""The movie catalogue reads every page of MEGABOX's lists (bounded), so any film can be picked."""

from __future__ import annotations

import pytest

from bot.chains.base import Film
from bot.chains.catalogue import Catalogue
from bot.chains.megabox.client import MAX_MOVIE_PAGES, MegaboxClient
from tests.conftest import FIXTURE_NOW, fast_options
from tests.fakes.megabox_server import FakeMegabox

FAR_DOWN = "백오십번째 영화"  # "the 150th film"


def fill_catalogue(megabox: FakeMegabox, total: int) -> None:
    """Released films after the fixture's three until the list has `total`; the 150th is
    FAR_DOWN (the list is served in this order, as MEGABOX ranks it by booking share)."""
    template = next(m for m in megabox.movies if m["movieStatCd"] == "MSC01")
    for position in range(len(megabox.movies) + 1, total + 1):
        number = f"269{position:05d}"
        title = FAR_DOWN if position == 150 else f"합성 영화 {position}"
        megabox.add_movie({**template, "movieNo": number, "rpstMovieNo": number, "movieNm": title})


def movie_pages(megabox: FakeMegabox) -> list[tuple[str, str, str]]:
    return [
        (r.body["pageType"], r.body["currentPage"], r.body["recordCountPerPage"])
        for r in megabox.requests
        if r.endpoint == "movies"
    ]


async def test_a_film_past_the_first_page_can_be_picked(megabox: FakeMegabox) -> None:
    fill_catalogue(megabox, 160)
    async with MegaboxClient(fast_options(megabox.base_url)) as client:
        catalogue = Catalogue(client, clock=lambda: FIXTURE_NOW)
        assert await catalogue.refresh()
    found = catalogue.resolve_movie("백오십번째")
    assert isinstance(found, Film), found
    assert (found.movie_id, found.movie_name) == ("megabox:26900150", FAR_DOWN)
    assert [m.movie_id for m in catalogue.search_movies("백오십")] == ["megabox:26900150"]
    assert len(catalogue.movies) == 160
    # Two pages of 100 for the 160 released films (totCnt says so), one for upcoming ones.
    assert movie_pages(megabox) == [
        ("ticketing", "1", "100"),
        ("ticketing", "2", "100"),
        ("rfilmDe", "1", "100"),
    ]


@pytest.mark.parametrize("total", [100, 101])
async def test_pages_follow_the_total(megabox: FakeMegabox, total: int) -> None:
    fill_catalogue(megabox, total)
    async with MegaboxClient(fast_options(megabox.base_url)) as client:
        movies = await client.all_movies()
    assert len({m.movie_id for m in movies}) == total
    # A full last page is not followed by an empty one: totCnt tells where the list ends.
    assert len(movie_pages(megabox)) == (1 if total == 100 else 2)


async def test_a_runaway_list_costs_a_bounded_number_of_requests(megabox: FakeMegabox) -> None:
    fill_catalogue(megabox, 100 * MAX_MOVIE_PAGES + 250)
    async with MegaboxClient(fast_options(megabox.base_url)) as client:
        movies = await client.all_movies()
    assert len(movies) == 100 * MAX_MOVIE_PAGES
    assert len(movie_pages(megabox)) == MAX_MOVIE_PAGES


async def test_a_failed_page_keeps_the_catalogue_it_had(megabox: FakeMegabox) -> None:
    fill_catalogue(megabox, 160)
    async with MegaboxClient(fast_options(megabox.base_url)) as client:
        catalogue = Catalogue(client, clock=lambda: FIXTURE_NOW)
        assert await catalogue.refresh()
        megabox.add_movie({**megabox.movies[-1], "movieNo": "26999999", "movieNm": "새 영화"})
        megabox.fail_always("movies", "rejected", when={"currentPage": "2"})
        assert await catalogue.refresh(force=True)  # what it had is still usable
    # Page 1 alone is not taken for the whole list: the film at 150 is still there.
    assert isinstance(catalogue.resolve_movie("백오십번째"), Film)
    assert "megabox:26999999" not in catalogue.movies
    assert catalogue.last_error is not None and catalogue.last_error.kind == "rejected"
