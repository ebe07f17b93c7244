"""bot/watches/titles.py: which film a waiting watch binds to."""

from __future__ import annotations

from typing import Any

import pytest

from bot.chains.base import Film
from bot.chains.megabox.models import read_film
from bot.watches.titles import Awaited, bound_movie_id, find_film


def movie(no: str, name: str, rpst: str | None = None, **extra: Any) -> Film:
    return read_film(
        {"movieNo": no, "rpstMovieNo": rpst or no, "movieNm": name, "bokdAbleAt": "Y", **extra}
    )


def test_title_matches_ignoring_spaces_and_case_in_korean_or_english() -> None:
    film = movie("26120300", "마지막 항해", movieEngNm="The Last Voyage")
    assert Awaited(title="마지막항해").matches(film)
    assert Awaited(title="THE LAST  voyage").matches(film)
    assert not Awaited(title="first voyage").matches(film)


def test_an_event_version_binds_to_its_representative_film() -> None:
    event = movie("26120301", "[무대인사] 마지막 항해", rpst="26120300")
    found = find_film(Awaited(title="마지막 항해"), [event])
    assert found is event and bound_movie_id(event) == "megabox:26120300"
    assert find_film(Awaited(movie_id="26120300"), [event]) is event


def test_not_yet_bookable_films_do_not_bind_and_exact_titles_win() -> None:
    upcoming = movie("1", "마지막 항해", bokdAbleAt="N")
    sequel = movie("2", "마지막 항해 2")
    exact = movie("3", "마지막 항해")
    assert find_film(Awaited(title="마지막 항해"), [upcoming]) is None
    assert find_film(Awaited(title="마지막 항해"), [sequel, exact]) is exact


def test_text_round_trip_and_validation() -> None:
    awaited = Awaited(title="겨울 왕국 3", movie_id="26120200")
    assert Awaited.parse(awaited.to_text()) == awaited
    with pytest.raises(ValueError, match="title or a movie number"):
        Awaited(title="  ")
