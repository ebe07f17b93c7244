"""MEGABOX's seat list (README §6.3) as the bot's neutral seats.

Only seats MEGABOX draws (`seatExpoAt = Y`) are kept; the others are `uncounted` (the
listing's restSeatCnt may count them, no watch can). A seat is free only at `GERN_SELL`
status, a wheelchair seat is class `DISABLED_CLS` (README §11).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.chains.base import Seat as NeutralSeat
from bot.chains.base import SeatMap, shared_seat
from bot.chains.megabox.models import Seat

FREE = "GERN_SELL"
WHEELCHAIR = "DISABLED_CLS"


def neutral_seat_map(screening_id: str, seats: Sequence[Seat]) -> SeatMap:
    shown = [s for s in seats if s.seat_expo_at == "Y"]
    # A map without row positions (never seen, but cheap to survive) is drawn in the order
    # of its row letters; a seat without a column position has nowhere to be drawn.
    order: dict[str, int] | None = None
    out: list[NeutralSeat] = []
    for s in shown:
        if s.horz is None:
            continue
        if s.vert is not None:
            y = float(s.vert)
        else:
            if order is None:
                order = {r: i + 1 for i, r in enumerate(sorted({s.row_nm for s in shown}))}
            y = float(order[s.row_nm])
        out.append(
            shared_seat(
                s.row_nm,
                s.label,
                float(s.horz),
                y,
                float(s.horz_size) if s.horz_size else 1.0,
                s.seat_stat_cd == FREE,
                s.seat_class_cd == WHEELCHAIR,
                s.grp_no,
                s.grp_seq,
            )
        )
    return SeatMap(screening_id=screening_id, seats=tuple(out), uncounted=len(seats) - len(out))
