"""Lotte's answers read into the neutral values of bot/chains/base.py: plain, typed readers
(numbers may come as strings and strings as numbers), no HTTP. The reference is
/work/shared/lotte/README.md; facts it marks M or L live in one named constant each."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import msgspec

from bot.chains.base import (
    LOTTE,
    BadShape,
    Branch,
    Film,
    OpenDay,
    Rejected,
    Screening,
    Seat,
    SeatMap,
    SkippedRow,
    parse_clock,
    qualify,
    real_number,
    shared_seat,
    whole_number,
)
from bot.chains.lotte.formats import format_of, screening_zone

#: The index of the first "Y" in `SeatBlockSet` (commas removed) that marks a wheelchair
#: seat: 3 장애인석, 8 장애인 발받침 (reference "Wheelchair seats", M: not yet checked on a
#: live hall with known wheelchair seats).
WHEELCHAIR_BLOCK_INDEXES = frozenset({3, 8})
#: Two seats of one row, floor and `SeatColumGroupNo` sit together when their x coordinates
#: differ by at most this many `SeatXLength` (reference decision "Adjacency": neighbours
#: ≤ 1.4, aisles ≥ 2.3, paired recliners' side tables 1.6).
NEIGHBOUR_WIDTHS = 1.4
#: `SeatStatusCode` of a seat that can be bought; every other code is not free.
FREE_STATUS = 0
#: `IsBookingYN` of a row on sale (N closed, E sold out, J listed not yet on sale: M).
ON_SALE = "Y"
#: `DivisionCode` of a cinema itself; 2 repeats cinemas under their special halls.
CINEMA_DIVISION = 1
#: GetMoviesToBe's `SpecialScreenDivisionCode` value for the motion-seat hall (fixture field, L).
MOTION_ZONE = "930"

_JSON = msgspec.json.Decoder()
_SCREENING_ID = re.compile(r"(\d+)-(\d+)-(\d{4}-\d{2}-\d{2})-(\d+)")


class BadField(ValueError):
    """One field of one entry cannot be read."""


# -- plain readers ------------------------------------------------------------------------


def read_int(row: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = row.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is not None:
            return default
        raise BadField(f"{key} is missing")
    number = whole_number(value)
    if number is None:
        raise BadField(f"{key}: {value!r}")
    return number


def read_float(row: Mapping[str, Any], key: str) -> float:
    value = row.get(key)
    number = real_number(value)
    if number is None:
        raise BadField(f"{key}: {value!r}" if value is not None else f"{key} is missing")
    return number


def read_str(row: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = row.get(key)
    if isinstance(value, bool):
        raise BadField(f"{key}: {value!r}")
    if isinstance(value, str):
        value = value.strip()
        if value:
            return value
    elif isinstance(value, int):
        return str(value)
    elif isinstance(value, float) and value.is_integer():
        return str(int(value))
    elif value is not None:
        raise BadField(f"{key}: {value!r}")
    if default is not None:
        return default
    raise BadField(f"{key} is missing")


def items(data: Mapping[str, Any], endpoint: str, *path: str) -> list[Any]:
    """`data[path...]["Items"]` as a list; missing anywhere is a changed API."""
    node: Any = data
    for key in (*path, "Items"):
        if not isinstance(node, Mapping) or key not in node:
            raise BadShape(f"'{'.'.join(path)}' is missing", endpoint=endpoint, chain=LOTTE)
        node = node[key]
    if not isinstance(node, list):
        raise BadShape(f"'{'.'.join(path)}' is not a list", endpoint=endpoint, chain=LOTTE)
    return node


# -- envelope -----------------------------------------------------------------------------


def decode_envelope(endpoint: str, raw: bytes, content_type: str = "") -> dict[str, Any]:
    """One HTTP 200 body as JSON, or the typed error it really is. `IsOK` comes as the
    string "true"/"false" or as a boolean; false is an error, never an empty answer."""
    head = raw[:400].decode("utf-8-sig", errors="replace").lstrip("\ufeff").strip()
    if not head:
        raise BadShape("empty body", endpoint=endpoint, chain=LOTTE)
    if head.startswith("<"):
        raise BadShape(
            f"an HTML page instead of JSON ({content_type or 'no type'})",
            endpoint=endpoint,
            chain=LOTTE,
        )
    try:
        data = _JSON.decode(raw.removeprefix(codecs.BOM_UTF8))
    except (msgspec.DecodeError, ValueError) as exc:
        raise BadShape(f"unreadable JSON: {exc}", endpoint=endpoint, chain=LOTTE) from None
    if not isinstance(data, dict):
        raise BadShape("JSON is not an object", endpoint=endpoint, chain=LOTTE)
    ok = data.get("IsOK")
    flag = ok if isinstance(ok, bool) else str(ok).strip().lower() if ok is not None else None
    if flag is True or flag == "true":
        return data
    if flag is False or flag == "false":
        message = str(data.get("ResultMessage") or "no reason given")
        raise Rejected(f"Lotte refused the request: {message}", endpoint=endpoint, chain=LOTTE)
    raise BadShape("no IsOK in the answer", endpoint=endpoint, chain=LOTTE)


# -- the ticketing page -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cinema:
    cinema_id: str  # Lotte's own: "1016"
    name: str
    name_en: str | None
    region: str  # DetailDivisionCode: "0001"
    region_name: str

    def branch(self) -> Branch:
        return Branch(
            branch_id=qualify(LOTTE, self.cinema_id),
            branch_name=self.name,
            branch_name_en=self.name_en,
            region=self.region,
            region_name=self.region_name,
        )


@dataclass(frozen=True, slots=True)
class TicketingPage:
    """What GetTicketingPageTOBE gives: the calendar, the cinemas (with the region a
    GetPlaySequence request needs) and the films on sale."""

    calendar: tuple[OpenDay, ...]
    cinemas: Mapping[str, Cinema]
    films: tuple[Film, ...]

    def is_play_date(self, day: date) -> bool:
        return any(d.play_date == day and d.open for d in self.calendar)


def parse_ticketing_page(data: Mapping[str, Any]) -> TicketingPage:
    endpoint = "GetTicketingPageTOBE"
    days: list[OpenDay] = []
    for raw in items(data, endpoint, "MoviePlayDates", "Items"):
        try:
            day = date.fromisoformat(read_str(raw, "PlayDate")[:10])
        except (BadField, ValueError, AttributeError):
            continue  # one unreadable date costs that date only
        days.append(OpenDay(day, open=read_str(raw, "IsPlayDate", "N").upper() == "Y"))
    regions: dict[str, str] = {}
    try:
        areas = items(data, endpoint, "CinemaDivison", "AreaDivisions")  # sic
    except BadShape:
        areas = []  # names only: a request needs the codes, which the cinemas carry
    for raw in areas:
        if isinstance(raw, Mapping):
            try:
                regions[read_str(raw, "DetailDivisionCode")] = read_str(raw, "GroupNameKR", "")
            except BadField:
                continue
    cinemas: dict[str, Cinema] = {}
    for raw in items(data, endpoint, "Cinemas", "Cinemas"):
        try:
            if not isinstance(raw, Mapping) or read_int(raw, "DivisionCode") != CINEMA_DIVISION:
                continue
            region = read_str(raw, "DetailDivisionCode")
            cid = read_str(raw, "CinemaID")
            cinemas.setdefault(
                cid,
                Cinema(
                    cinema_id=cid,
                    name=read_str(raw, "CinemaNameKR", cid),
                    name_en=read_str(raw, "CinemaNameUS", "") or None,
                    region=region,
                    region_name=regions.get(region, ""),
                ),
            )
        except BadField:
            continue
    if not cinemas:
        # Lotte has ~140 cinemas: none is a broken answer, not a closed chain.
        raise BadShape("the ticketing page lists no cinema", endpoint=endpoint, chain=LOTTE)
    try:
        film_rows = items(data, endpoint, "Movies", "Movies")
    except BadShape:
        film_rows = []
    return TicketingPage(tuple(days), cinemas, tuple(parse_films(film_rows, on_sale=True)))


def parse_films(rows: Iterable[Any], *, on_sale: bool | None = None) -> list[Film]:
    """Films of the ticketing page or GetMoviesToBe; an unreadable one is left out."""
    films: dict[str, Film] = {}
    for raw in rows:
        if not isinstance(raw, Mapping):
            continue
        try:
            code = read_str(raw, "RepresentationMovieCode")
            booking = read_str(raw, "BookingYN", "")
            special = raw.get("SpecialScreenDivisionCode")
            motion = (
                True
                if isinstance(special, list) and MOTION_ZONE in {str(s).strip() for s in special}
                else None
            )
            minutes = read_int(raw, "PlayTime", 0) or None
            films.setdefault(
                code,
                Film(
                    movie_id=qualify(LOTTE, code),
                    movie_name=read_str(raw, "MovieNameKR", code),
                    movie_name_en=read_str(raw, "MovieNameUS", "") or None,
                    release=read_str(raw, "ReleaseDate", "") or None,
                    minutes=minutes,
                    rating=read_str(raw, "ViewGradeNameKR", "")
                    or read_str(raw, "ViewGradeCode", "")
                    or None,
                    on_sale=on_sale if on_sale is not None else booking.upper() == "Y",
                    motion_seats=motion,
                ),
            )
        except BadField:
            continue
    return list(films.values())


# -- screenings ---------------------------------------------------------------------------


def screening_key(cinema: str, screen: str, play_dt: str, seq: int | str) -> str:
    """The native screening id: `1016-1204-2026-12-13-3`."""
    return f"{cinema}-{screen}-{play_dt}-{seq}"


def split_screening_id(native_id: str) -> tuple[int, int, str, int]:
    """(CinemaID, ScreenID, PlayDt, PlaySequence) of a native screening id."""
    m = _SCREENING_ID.fullmatch(native_id)
    if m is None:
        raise ValueError(f"not a Lotte screening id: {native_id!r}")
    return int(m.group(1)), int(m.group(2)), m.group(3), int(m.group(4))


@dataclass(slots=True)
class _Group:
    first: Mapping[str, Any]
    zones: list[int] = field(default_factory=list)
    total: int = 0
    free: int = 0
    bookable: bool = False


@dataclass(frozen=True, slots=True)
class PlaySequence:
    """GetPlaySequence read for one cinema: its screenings, the rows skipped, whether any
    row of that cinema came back at all, and each screening's zone codes."""

    screenings: tuple[Screening, ...]
    skipped: tuple[SkippedRow, ...]
    rows_of_cinema: int
    zones: Mapping[str, tuple[int, ...]]  # qualified screening id -> its ScreenDivisionCodes
    zone_names: Mapping[int, str]  # ScreenDivisionCode -> ScreenDivisionNameKR


def parse_play_sequence(
    rows: Sequence[Any], cinema_id: str, day: date, movies: Iterable[str] = ()
) -> PlaySequence:
    """Rows of `cinema_id` only (others can appear), of `movies` (native representation
    codes; empty: all), grouped into screenings with their zone counts summed."""
    wanted = set(movies)
    branch_id = qualify(LOTTE, cinema_id)
    groups: dict[str, _Group] = {}
    skipped: list[SkippedRow] = []
    zone_names: dict[int, str] = {}
    mine = 0
    for raw in rows:
        if not isinstance(raw, Mapping):
            skipped.append(SkippedRow(kind="screening", reason="row is not an object"))
            continue
        try:
            if read_str(raw, "CinemaID") != cinema_id:
                continue
        except BadField as exc:
            skipped.append(SkippedRow(kind="screening", reason=str(exc), play_date=day))
            continue
        mine += 1
        movie: str | None = None
        try:
            movie = read_str(raw, "RepresentationMovieCode")
            if wanted and movie not in wanted:
                continue
            key = screening_key(
                cinema_id,
                read_str(raw, "ScreenID"),
                date.fromisoformat(read_str(raw, "PlayDt")[:10]).isoformat(),
                read_int(raw, "PlaySequence"),
            )
            for clock in ("StartTime", "EndTime"):
                parse_clock(read_str(raw, clock))
            zone = read_int(raw, "ScreenDivisionCode")
            total = read_int(raw, "TotalSeatCount")
            free = read_int(raw, "BookingSeatCount")  # seats still free (reference, H)
            if free < 0 or total < 0:
                raise BadField(f"negative seat count {free}/{total}")
        except (BadField, ValueError) as exc:
            skipped.append(
                SkippedRow(
                    kind="screening",
                    reason=str(exc),
                    branch_id=branch_id,
                    play_date=day,
                    movie_id=qualify(LOTTE, movie) if movie else None,
                )
            )
            continue
        group = groups.setdefault(key, _Group(raw))
        group.zones.append(zone)
        group.total += total
        group.free += free
        group.bookable |= read_str(raw, "IsBookingYN", "").upper() == ON_SALE
        zone_names.setdefault(zone, read_str(raw, "ScreenDivisionNameKR", ""))
    screenings: list[Screening] = []
    zones: dict[str, tuple[int, ...]] = {}
    for key, g in groups.items():
        r = g.first
        sid = qualify(LOTTE, key)
        zones[sid] = tuple(g.zones)
        screenings.append(
            Screening(
                screening_id=sid,
                play_date=date.fromisoformat(read_str(r, "PlayDt")[:10]),
                start_clock=_clock(read_str(r, "StartTime")),
                end_clock=_clock(read_str(r, "EndTime")),
                branch_id=branch_id,
                branch_name=read_str(r, "CinemaNameKR", ""),
                hall_id=read_str(r, "ScreenID"),
                hall_name=read_str(r, "ScreenNameKR", ""),
                format_code=format_of(screening_zone(g.zones)),
                total_seats=g.total,
                free_seats=g.free,
                movie_id=qualify(LOTTE, read_str(r, "RepresentationMovieCode")),
                movie_name=read_str(r, "MovieNameKR", ""),
                bookable=g.bookable,
            )
        )
    screenings.sort(key=lambda s: (s.start_clock.zfill(5), s.hall_id))
    return PlaySequence(tuple(screenings), tuple(skipped), mine, zones, zone_names)


def _clock(text: str) -> str:
    hours, minutes = parse_clock(text)
    return f"{hours:02d}:{minutes:02d}"


# -- seats --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _RawSeat:
    no: str
    row: str  # SeatRow: identity
    show_row: str
    show_col: str
    group: str
    x: float
    y: float
    x_len: float
    y_len: float
    floor: int
    free: bool
    wheelchair: bool
    related: tuple[str, ...]
    related_count: int


def _raw_seat(raw: Any) -> _RawSeat:
    if not isinstance(raw, Mapping):
        raise BadField("seat is not an object")
    row = read_str(raw, "SeatRow", "") or read_str(raw, "ShowSeatRow")
    flags = read_str(raw, "SeatBlockSet", "").replace(",", "")
    return _RawSeat(
        no=read_str(raw, "SeatNo", ""),
        row=row,
        show_row=read_str(raw, "ShowSeatRow", row),
        show_col=read_str(raw, "ShowSeatColumn", "") or read_str(raw, "SeatColumn", ""),
        group=read_str(raw, "SeatColumGroupNo", "1"),  # sic
        x=read_float(raw, "SeatXCoordinate"),
        y=read_float(raw, "SeatYCoordinate"),
        x_len=read_float(raw, "SeatXLength"),
        y_len=read_float(raw, "SeatYLength"),
        floor=read_int(raw, "SeatFloor", 1),
        free=read_int(raw, "SeatStatusCode") == FREE_STATUS,
        wheelchair=flags.find("Y") in WHEELCHAIR_BLOCK_INDEXES,
        related=tuple(p for p in re.split(r"[,\s]+", read_str(raw, "RelatedSeatNo", "")) if p),
        related_count=read_int(raw, "RelatedSeatCount", 1),
    )


def _broken_bundles(seats: Sequence[_RawSeat]) -> set[str]:
    """SeatNos of bundled seats (couples, private boxes) that cannot be bought now: a bundle
    counts only whole (docs/lotte-notes.md, decided for this project), so a free member
    whose partner is not free (or not usable, or not in the map) is not free either."""
    parent: dict[str, str] = {}

    def find(a: str) -> str:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    by_no = {s.no: s for s in seats if s.no}
    bundled = [s for s in seats if s.related_count > 1 and s.no]
    for s in bundled:
        find(s.no)
        for partner in s.related:
            if partner in by_no:
                parent[find(partner)] = find(s.no)
    members: dict[str, list[_RawSeat]] = {}
    for s in bundled:
        members.setdefault(find(s.no), []).append(s)
    for s in bundled:  # a partner named but not itself marked bundled still belongs
        for partner in s.related:
            p = by_no.get(partner)
            if p is not None and p.related_count <= 1 and p not in members[find(s.no)]:
                members[find(s.no)].append(p)
    broken: set[str] = set()
    for group in members.values():
        size = max(s.related_count for s in group)
        whole = len(group) >= size and all(s.free and not s.wheelchair for s in group)
        if not whole:
            broken |= {s.no for s in group}
    return broken


def parse_seat_map(screening: Screening, rows: Sequence[Any]) -> SeatMap:
    """GetSeats' `Seats.Items` as neutral seats, positions in seat widths.

    Adjacency is encoded for bot/seats/layout.py's `runs()` (same row and grp, consecutive
    seq): grp is one (floor, row, SeatColumGroupNo); within it seats are sorted by x and seq
    steps by 1 to a neighbour, by 2 across a gap (a side table, a missing seat). Seat numbers
    are never used: they run straight across aisles in most halls."""
    endpoint = "GetSeats"
    if not rows:
        # Every hall has seats: an empty map is a failed read, not "no free seats".
        raise BadShape("the seat map has no seats", endpoint=endpoint, chain=LOTTE)
    try:
        seats = [_raw_seat(r) for r in rows]
    except BadField as exc:
        raise BadShape(f"unexpected seat field {exc}", endpoint=endpoint, chain=LOTTE) from None
    # Here, not at the top: statistics (and fractions) cost the bot ~0.1 MiB at rest, and
    # only a Lotte watch's seat maps need them (issue 19's bench).
    import statistics

    x_unit = statistics.median(s.x_len for s in seats)
    y_unit = statistics.median(s.y_len for s in seats)
    if x_unit <= 0 or y_unit <= 0:
        raise BadShape("seats without a size", endpoint=endpoint, chain=LOTTE)

    blocks: dict[tuple[int, str, str], list[int]] = {}
    for i, s in enumerate(seats):
        blocks.setdefault((s.floor, s.row, s.group), []).append(i)
    grp_of: dict[int, int] = {}
    seq_of: dict[int, int] = {}
    for number, key in enumerate(sorted(blocks, key=_block_order), start=1):
        ordered = sorted(blocks[key], key=lambda i: seats[i].x)
        seq = 0
        for prev, i in zip([None, *ordered], ordered, strict=False):
            if prev is None:
                seq = 1
            else:
                a, b = seats[prev], seats[i]
                seq += 1 if b.x - a.x <= NEIGHBOUR_WIDTHS * (a.x_len or x_unit) else 2
            grp_of[i], seq_of[i] = number, seq

    two_floors = len({s.floor for s in seats}) > 1
    broken = _broken_bundles(seats)
    out: list[Seat] = []
    for i, s in enumerate(seats):
        row = f"{s.floor}F {s.show_row}" if two_floors else s.show_row
        out.append(
            # Shared with every other map of the hall, as MEGABOX's are (issue 17): a
            # check held ~36,000 seats of Lotte maps as separate objects (bench.two_chains).
            shared_seat(
                row=row,
                label=f"{s.show_row}{s.show_col}",
                x=s.x / x_unit,
                y=s.y / y_unit,
                w=(s.x_len or x_unit) / x_unit,
                free=s.free and s.no not in broken,
                wheelchair=s.wheelchair,
                grp=grp_of[i],
                seq=seq_of[i],
            )
        )
    map_free = sum(1 for s in seats if s.free)
    disagreement = None
    if map_free != screening.free_seats:
        disagreement = (
            f"Lotte's seat map has {map_free} free seats, its listing says {screening.free_seats}"
        )
    return SeatMap(
        screening_id=screening.screening_id,
        seats=tuple(out),
        uncounted=sum(1 for s in seats if s.related_count > 1),
        disagreement=disagreement,
    )


def _block_order(key: tuple[int, str, str]) -> tuple[int, str, int, str]:
    floor, row, group = key
    return floor, row, int(group) if group.isdigit() else 0, group
