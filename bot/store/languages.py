"""Languages (issue 18): each server's, for its channel messages, and each member's last seen
one, for their DMs (migration 0009)."""

from __future__ import annotations

from bot.i18n import Language, normalise
from bot.store.base import Connection
from bot.store.users import _upsert_user


class LanguageQueries(Connection):
    async def guild_languages(self) -> dict[int, Language]:
        rows = await self._all("SELECT guild_id, language FROM guild_settings")
        return {r["guild_id"]: normalise(r["language"]) for r in rows}

    async def set_guild_language(self, guild_id: int, language: Language) -> None:
        await self._write(
            "INSERT INTO guild_settings (guild_id, language) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET language = excluded.language",
            [guild_id, language],
        )

    async def member_languages(self) -> dict[int, Language]:
        rows = await self._all("SELECT user_id, language FROM users WHERE language IS NOT NULL")
        return {r["user_id"]: normalise(r["language"]) for r in rows}

    async def set_member_language(self, user_id: int, language: Language) -> None:
        async with self.transaction() as db:
            await _upsert_user(db, user_id, language=language)
