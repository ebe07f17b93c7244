"""Who hears of an opening: plain values in, one `PendingAlert` per target out.

A server watch alerts its channel (the watch's own, else the default alert channel) with the
watch's mention plus the subscribers who asked to be mentioned there; every DM subscriber
gets a DM; a personal watch DMs its owner. Mentions are kept as values (`Mention`), never as
text that something later has to parse back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.watches.watch import Mention, Watch

TargetKind = Literal["channel", "dm"]


@dataclass(frozen=True, slots=True)
class PendingAlert:
    """One alert to store for an opening: where it goes and whom it pings."""

    target_kind: TargetKind
    target_id: int  # a channel id, or the user id for a DM
    mentions: tuple[Mention, ...] = ()


class SubscriptionLike(Protocol):
    """What this module reads of a subscription (the store's `Subscription` fits)."""

    @property
    def watch_id(self) -> int: ...
    @property
    def user_id(self) -> int: ...
    @property
    def delivery(self) -> str: ...  # dm | mention
    @property
    def paused(self) -> bool: ...


def alert_channel(watch: Watch, default_channel_id: int | None) -> int | None:
    """Where a server watch's alerts go; None for a personal watch or when none is set."""
    if watch.personal:
        return None
    return watch.channel_id or default_channel_id


def targets(
    watches: Iterable[Watch],
    subscriptions: Iterable[SubscriptionLike],
    default_channel_id: int | None,
) -> dict[int, list[PendingAlert]]:
    """Watch id → its alert targets, each once, in a stable order (DMs, then the channel)."""
    by_watch: dict[int, list[SubscriptionLike]] = {}
    for sub in subscriptions:
        if not sub.paused:
            by_watch.setdefault(sub.watch_id, []).append(sub)
    return {
        watch.id: _for_watch(watch, by_watch.get(watch.id, ()), default_channel_id)
        for watch in watches
    }


def _for_watch(
    watch: Watch, subs: Sequence[SubscriptionLike], default_channel_id: int | None
) -> list[PendingAlert]:
    found = [PendingAlert("dm", s.user_id) for s in subs if s.delivery == "dm"]
    if watch.personal:
        if watch.owner_id is not None:
            found.append(PendingAlert("dm", watch.owner_id))
    elif (channel := alert_channel(watch, default_channel_id)) is not None:
        mentions = [watch.mention] + [
            Mention("user", s.user_id) for s in subs if s.delivery == "mention"
        ]
        found.append(PendingAlert("channel", channel, _unique(mentions)))
    # A user both subscribed by DM and owning the watch gets one DM, not two.
    return list(dict.fromkeys(found))


def _unique(mentions: Iterable[Mention]) -> tuple[Mention, ...]:
    return tuple(dict.fromkeys(m for m in mentions if m.kind != "none"))


def without_channel(watches: Iterable[Watch], default_channel_id: int | None) -> list[Watch]:
    """Server watches with no channel to alert: their openings reach DM subscribers only."""
    return [w for w in watches if not w.personal and alert_channel(w, default_channel_id) is None]


def without_users(mentions: Iterable[Mention], users: Collection[int]) -> tuple[Mention, ...]:
    """The mentions, less those of these users (they said "booked / not for me")."""
    return tuple(m for m in mentions if not (m.kind == "user" and m.target_id in users))


def for_screening(targets: Iterable[PendingAlert], silenced: Collection[int]) -> list[PendingAlert]:
    """A watch's targets for one screening: no DM and no mention for the users who silenced
    it; a channel alert still goes out for everyone else."""
    out: list[PendingAlert] = []
    for target in targets:
        if target.target_kind == "dm" and target.target_id in silenced:
            continue
        out.append(
            PendingAlert(
                target.target_kind, target.target_id, without_users(target.mentions, silenced)
            )
        )
    return out
