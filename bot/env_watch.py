"""The `.env` default watch (the original job) as an ordinary stored watch."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import datetime

from bot.config import Settings
from bot.store.repo import Store

log = logging.getLogger(__name__)

ENV_HASH_KEY = "env_watch_hash"


async def sync_env_watch(store: Store, settings: Settings, now: datetime) -> None:
    """Create the WATCH_* watch once; update it only when `.env` itself changed.

    Edits made later in Discord survive restarts: the stored watch is left alone as long as
    the WATCH_* values are the ones it was created from, and a watch removed in Discord stays
    removed until they change.
    """
    watch = settings.default_watch()
    stored = await store.watch_by_source("env")
    if watch is None:
        return
    digest = hashlib.sha256(watch.describe().encode() + repr(watch.mention).encode()).hexdigest()
    digest += f":{watch.channel_id}:{watch.guild_id}"
    if watch.news_channel_id or watch.news_mention:  # absent before: old digests still hold
        digest += f":news:{watch.news_channel_id}:{watch.news_mention}"
    if watch.fast_lane:  # only when on: older digests stay valid and keep Discord edits
        digest += ":fast"
    unchanged = await store.get_value(ENV_HASH_KEY) == digest
    if stored is None and unchanged:
        log.info("the .env watch was removed in Discord; it comes back when WATCH_* change")
        return
    if stored is None:
        await store.add_watch(replace(watch, source="env"), now=now)
        log.info("default watch from .env stored: %s", watch.describe())
    elif not unchanged:
        await store.edit_watch(
            stored.id,
            lambda w: replace(watch, id=w.id, paused=w.paused, source="env", revision=w.revision),
            now=now,
        )
        log.info("default watch updated from .env: %s", watch.describe())
    await store.set_value(ENV_HASH_KEY, digest)
