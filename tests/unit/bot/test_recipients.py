"""Who hears of an opening: the channel with its mentions, DM subscribers, a personal owner."""

from __future__ import annotations

from bot.delivery.recipients import PendingAlert, targets, without_channel
from bot.store.users import Subscription
from bot.watches.watch import Days, Mention, Watch

DEFAULT_CHANNEL = 900
OWN_CHANNEL = 901
ROLE = 800
ALICE, BOB, CAROL = 101, 102, 103


def watch(id: int = 1, **changes: object) -> Watch:
    values: dict[str, object] = {
        "movie_id": "25008000",
        "branches": ("1351",),
        "days": Days.parse("weekend"),
        "id": id,
        "mention": Mention.parse("@here"),
    }
    values.update(changes)
    return Watch(**values)  # type: ignore[arg-type]


def sub(user: int, delivery: str, watch_id: int = 1, *, paused: bool = False) -> Subscription:
    return Subscription(watch_id, user, None, delivery, paused)


def test_a_server_watch_alerts_its_channel_with_its_mention_and_mention_subscribers() -> None:
    subs = [sub(ALICE, "mention"), sub(BOB, "dm"), sub(CAROL, "mention")]
    found = targets([watch(channel_id=OWN_CHANNEL)], subs, DEFAULT_CHANNEL)
    assert found == {
        1: [
            PendingAlert("dm", BOB),
            PendingAlert(
                "channel",
                OWN_CHANNEL,
                (Mention("here"), Mention("user", ALICE), Mention("user", CAROL)),
            ),
        ]
    }


def test_the_default_channel_serves_a_watch_without_its_own() -> None:
    found = targets([watch(mention=Mention("role", ROLE))], [], DEFAULT_CHANNEL)
    assert found == {1: [PendingAlert("channel", DEFAULT_CHANNEL, (Mention("role", ROLE),))]}


def test_no_mention_means_an_empty_tuple_not_a_none_mention() -> None:
    found = targets([watch(mention=Mention())], [], DEFAULT_CHANNEL)
    assert found[1] == [PendingAlert("channel", DEFAULT_CHANNEL, ())]


def test_a_personal_watch_dms_its_owner_and_never_a_channel() -> None:
    mine = watch(scope="user", owner_id=ALICE, channel_id=OWN_CHANNEL)
    found = targets([mine], [sub(ALICE, "dm"), sub(BOB, "dm")], DEFAULT_CHANNEL)
    # Alice subscribed to her own watch: one DM, not two.
    assert found == {1: [PendingAlert("dm", ALICE), PendingAlert("dm", BOB)]}


def test_paused_subscriptions_and_other_watches_subscriptions_do_not_count() -> None:
    subs = [sub(ALICE, "dm", paused=True), sub(BOB, "mention", watch_id=2)]
    found = targets([watch(), watch(2)], subs, DEFAULT_CHANNEL)
    assert found[1] == [PendingAlert("channel", DEFAULT_CHANNEL, (Mention("here"),))]
    assert found[2] == [
        PendingAlert("channel", DEFAULT_CHANNEL, (Mention("here"), Mention("user", BOB)))
    ]


def test_a_user_mentioned_by_the_watch_and_subscribed_is_mentioned_once() -> None:
    found = targets([watch(mention=Mention("user", ALICE))], [sub(ALICE, "mention")], None)
    assert found == {1: []}  # no channel at all: nothing but DMs could go out
    found = targets([watch(mention=Mention("user", ALICE))], [sub(ALICE, "mention")], 7)
    assert found[1] == [PendingAlert("channel", 7, (Mention("user", ALICE),))]


def test_server_watches_without_a_channel_are_named() -> None:
    watches = [watch(1), watch(2, channel_id=OWN_CHANNEL), watch(3, scope="user", owner_id=ALICE)]
    assert [w.id for w in without_channel(watches, None)] == [1]
    assert without_channel(watches, DEFAULT_CHANNEL) == []
    assert targets(watches, [sub(BOB, "dm")], None)[1] == [PendingAlert("dm", BOB)]
