"""Seats you would actually book, end to end: the real bot against the fake Discord and the
fake MEGABOX — a row preference, the seat-map picture on alerts and on /check, the
"Booked / not for me" button (after a restart too) and the one reminder."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.seats.picture import BLOCK, OUTSIDE
from tests.conftest import ALERT_CHANNEL, COEX_MX4D_1940, COEX_MX4D_2220
from tests.e2e import (
    ADMIN,
    GENERAL_CHANNEL,
    GUILD_ID,
    MEMBER,
    Running,
    make_settings,
    running_bot,
)
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.megabox_server import FakeMegabox

pytestmark = pytest.mark.timeout(60)


def fields(message: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message["embeds"][0].get("fields", [])}


def picture_of(fake: FakeDiscord, message: dict[str, Any]) -> Image.Image:
    """The PNG attached to a message, as the embed shows it."""
    (attachment,) = message["attachments"]
    image_url = next(e["image"]["url"] for e in message["embeds"] if e.get("image"))
    assert image_url == f"attachment://{attachment['filename']}"
    data = fake.files[attachment["id"]]
    assert data.startswith(b"\x89PNG") and len(data) < 60_000  # small enough for a phone
    return Image.open(io.BytesIO(data)).convert("RGB")


def seat_pixel(image: Image.Image, seat: str, run: Running) -> tuple[int, int, int]:
    """The colour in the middle of a seat, found from the picture's own layout model."""
    from bot.seats.layout import SeatLayout
    from bot.seats.picture import picture

    layout = SeatLayout.from_seat_map(parse(run.megabox.seat_map(COEX_MX4D_1940)))
    rect = next(r for r in picture(layout).seats if r.label == seat)
    return image.getpixel(((rect.x0 + rect.x1) // 2, (rect.y0 + rect.y1) // 2))  # type: ignore[return-value]


def parse(data: dict[str, Any]) -> Any:
    from bot.chains.megabox.client import parse_seat_map

    return parse_seat_map(data, COEX_MX4D_1940)


def near(colour: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    """Pixels with a tolerance: the PNG is palette-quantised."""
    return all(abs(a - b) <= 24 for a, b in zip(colour, expected, strict=True))


async def test_a_row_preference_excludes_the_front_block_and_keeps_a_central_one(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    # 19:40: three together in the front row B and three in row G; 22:20: four in row C only.
    megabox.set_free_seats(COEX_MX4D_1940, ["B10", "B11", "B12", "G6", "G7", "G8"])
    megabox.set_free_seats(COEX_MX4D_2220, ["C5", "C6", "C7", "C8"])
    settings = make_settings(
        megabox, db_url, tmp_path, watch_rows="E-J", watch_centre="prefer", watch_together=True
    )
    async with running_bot(fake, megabox, settings) as run:
        await run.scheduled_check()
        (alert,) = [m.data for m in run.alerts()]  # the 22:20 front-row screening: no alert
        shown = fields(alert)
        assert shown["Best block"] == "3 together in row G"
        assert shown["Your seats"] == "rows E–J, middle preferred"
        assert "**3** in rows E–J" in alert["embeds"][0]["description"]
        # The picture: the alerted block highlighted, the front block outside the rows.
        image = picture_of(fake, alert)
        assert near(seat_pixel(image, "G7", run), BLOCK)
        assert near(seat_pixel(image, "B11", run), OUTSIDE)

        # /check: the match with its picture, and why the near miss missed.
        check = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "check")
        await fake.wait_for_followup(check, timeout=20)
        (answer,) = fake.followup_messages(check)
        summary = answer["embeds"][0]
        by_name = {f["name"]: f["value"] for f in summary["fields"]}
        assert "3 together in row G" in by_name["Matching (1)"]
        assert "4 free, none in rows E–J" in by_name["Nearest misses"]
        assert picture_of(fake, answer).size[0] > 300


async def test_an_invalid_row_preference_is_refused_privately_and_nothing_is_stored(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        edit = await fake.send_command(
            GUILD_ID, GENERAL_CHANNEL, ADMIN, "watch", subcommand="edit",
            options={"watch": "1", "rows": "E-5"},
        )  # fmt: skip
        reply = await fake.wait_for_followup(edit)
        assert reply["flags"] & 64
        assert "rows:" in reply["content"] and "E-J" in reply["content"]
        (watch,) = await run.bot.store.watches()
        assert watch.prefs.rows is None


async def test_the_booked_button_silences_exactly_the_person_who_pressed_it(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    megabox.set_free_seats(COEX_MX4D_1940, ["F6", "F7", "F8"])
    megabox.sell_out(COEX_MX4D_2220)
    settings = make_settings(megabox, db_url, tmp_path)
    async with running_bot(fake, megabox, settings) as run:
        for user, delivery in ((MEMBER, "dm"), (ADMIN, "mention")):
            sub = await fake.send_command(
                GUILD_ID, GENERAL_CHANNEL, user, "subscribe",
                {"watch": "1", "delivery": delivery},
            )  # fmt: skip
            await fake.wait_for_callback(sub)
        await run.scheduled_check()
        assert len(fake.dms_to(MEMBER)) == 1
        assert f"<@{ADMIN}>" in run.alerts()[-1].content
        clock = run.clock
    # After a restart, MEMBER presses the button on the channel's alert (their DM has it too).
    async with running_bot(fake, megabox, settings, clock) as run:
        alert = run.alerts()[-1]
        dm_buttons = [c["custom_id"] for r in fake.dms_to(MEMBER)[0].data["components"]
                      for c in r["components"] if "custom_id" in c]  # fmt: skip
        button = next(
            c for row in alert.data["components"] for c in row["components"]
            if c.get("custom_id", "").startswith("mbw:booked:")
        )  # fmt: skip
        assert dm_buttons == [button["custom_id"]]
        click = await fake.send_component(
            GUILD_ID, ALERT_CHANNEL, MEMBER, button["custom_id"], message_id=alert.id
        )
        await fake.wait_for_callback(click)
        reply = fake.responses_for(click).callbacks[0]["data"]
        assert reply["flags"] & 64 and "no more DMs or mentions" in reply["content"]
        # The seats go and come back (a new opening of the same screening).
        megabox.sell_out(COEX_MX4D_1940)
        clock.advance(hours=1)
        await run.scheduled_check()
        megabox.set_free_seats(COEX_MX4D_1940, ["F6", "F7", "F8"])
        clock.advance(hours=1)
        await run.scheduled_check()
        assert len(fake.dms_to(MEMBER)) == 1  # silenced: no second DM
        latest = run.alerts()[-1]
        assert latest.data["embeds"][0]["title"].startswith("🎟️ Seats open")
        assert f"<@{ADMIN}>" in latest.content and "@here" in latest.content  # others: as ever
        assert str(MEMBER) not in latest.content


async def test_a_reminder_fires_once_while_the_opening_stays_open(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    megabox.set_free_seats(COEX_MX4D_1940, ["F6", "F7", "F8"])
    megabox.sell_out(COEX_MX4D_2220)
    settings = make_settings(megabox, db_url, tmp_path, watch_remind="1h")
    async with running_bot(fake, megabox, settings) as run:
        await run.scheduled_check()
        assert len(run.alerts()) == 1

        async def deliver() -> None:
            run.watcher.wake()
            await run.watcher.settle()

        run.clock.advance(minutes=59)
        await deliver()
        assert len(run.alerts()) == 1  # not yet
        run.clock.advance(minutes=2)
        await deliver()
        alerts = run.alerts()
        assert len(alerts) == 2
        reminder = alerts[1].data
        assert reminder["embeds"][0]["title"].startswith("⏰ Still open after 1h")
        assert reminder["content"] == "@here"
        run.clock.advance(hours=3)
        await deliver()
        await run.scheduled_check()  # still open: the same opening, no new alert
        assert len(run.alerts()) == 2
    assert alerts[0].channel_id == ALERT_CHANNEL
