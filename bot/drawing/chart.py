"""`/history`'s chart: usable seats over time for one day's screenings, openings marked and
the threshold N drawn, in KST.

matplotlib costs tens of MiB and a second to import, so it never enters the bot: the chart
is drawn by a short-lived `python -m bot.drawing.chart` process that reads the data as JSON on stdin
and writes a PNG to stdout. The event loop only waits on a pipe.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot import i18n
from bot.chains.base import KST
from bot.drawing.queue import Drawing
from bot.drawing.worker import WorkerError, run_worker
from bot.i18n import N_, _
from bot.store.history import ScreeningHistory

#: A chart that takes longer than this is given up (the user is told to try again).
RENDER_TIMEOUT = 60.0
#: The chart's own words (the title is the caller's).
_WORDS = {
    "ylabel": N_("usable free seats"),
    "xlabel": N_("time (KST)"),
}


class ChartError(Exception):
    """The worker failed; the message is for the log."""


def chart_data(
    histories: Sequence[ScreeningHistory],
    *,
    title: str,
    play_date: date,
    threshold: int,
    plain_title: str | None = None,
) -> dict[str, Any]:
    """What the worker draws: plain JSON, times as KST ISO strings; its words in the current
    language, with the English ones beside them (painted where no Hangul font is installed)."""
    words = {key: (_(text), text) for key, text in _WORDS.items()}
    return {
        "title": title,
        "date": play_date.isoformat(),
        "day": (i18n.day_text(play_date), play_date.isoformat()),
        "words": words,
        "threshold": threshold,
        "plain_title": plain_title or title,
        "series": [
            {
                # Branch and hall names are Korean, which matplotlib's bundled font cannot
                # draw: the start time and MEGABOX's screening number name a line instead.
                "label": f"{h.start_clock} ({h.screening_id})",
                "points": [
                    [
                        p.seen_at.astimezone(KST).isoformat(),
                        p.usable if p.usable is not None else p.free_seats,
                    ]
                    for p in h.points
                ],
                "openings": [t.astimezone(KST).isoformat() for t in h.opened_at],
            }
            for h in histories
        ],
    }


async def render_in_worker(data: dict[str, Any], drawing: Drawing | None = None) -> bytes:
    """The PNG, drawn in a child process that exits when it is done; through the bot's
    drawing queue when one is given (it raises `DrawingBusy` when the queue stays busy)."""
    try:
        if drawing is not None:
            out = await drawing.chart(data)
        else:
            out = await run_worker(
                "bot.drawing.chart", json.dumps(data).encode(), within=RENDER_TIMEOUT
            )
    except WorkerError as exc:
        raise ChartError(str(exc)) from None
    if not out.startswith(b"\x89PNG"):
        raise ChartError("the chart worker returned no PNG")
    return out


def render(data: dict[str, Any]) -> bytes:
    """Draw the chart (in the worker: imports matplotlib)."""
    import io
    import warnings

    import matplotlib

    warnings.filterwarnings("ignore", message="Glyph .* missing")

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    from bot.drawing.fonts import hangul_font

    found = hangul_font()
    if found is not None:
        # matplotlib's bundled DejaVu Sans has no Hangul: use the image's font.
        font_manager.fontManager.addfont(str(found))
        name = font_manager.FontProperties(fname=str(found)).get_name()
        matplotlib.rcParams["font.family"] = [name, "DejaVu Sans"]

    def word(key: str) -> str:
        said, plain = data.get("words", {}).get(key) or (_WORDS[key], _WORDS[key])
        return str(said if found is not None else plain)

    day_said, day_plain = data.get("day") or (data["date"], data["date"])

    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=100)
    top = int(data["threshold"])
    for series in data["series"]:
        times = [_num(t) for t, _v in series["points"]]
        values = [int(v) for _t, v in series["points"]]
        top = max(top, *values)
        (line,) = ax.step(times, values, where="post", marker=".", label=series["label"])
        for opened in series["openings"]:
            moment = _num(opened)
            ax.axvline(moment, color=line.get_color(), linestyle=":", linewidth=1)
            ax.plot(
                [moment], [data["threshold"]], marker="v", markersize=10, color=line.get_color()
            )
    ax.axhline(
        data["threshold"],
        color="red",
        linestyle="--",
        linewidth=1,
        label=f"N = {data['threshold']}",
    )
    ax.set_ylim(bottom=0, top=top + 1)
    ax.set_ylabel(word("ylabel"))
    ax.set_xlabel(word("xlabel"))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M", tz=KST))  # type: ignore[no-untyped-call]
    fig.autofmt_xdate()
    title = data["title"] if found is not None else data.get("plain_title", data["title"])
    ax.set_title(f"{title} · {day_said if found is not None else day_plain}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _num(text: str) -> float:
    """A KST ISO time as matplotlib's date number."""
    import matplotlib.dates as mdates

    return float(mdates.date2num(datetime.fromisoformat(text)))  # type: ignore[no-untyped-call]


def main() -> int:
    data = json.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(render(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
