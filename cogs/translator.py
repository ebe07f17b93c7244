"""Slash commands in the member's client language: discord.py's Translator over our catalogues.

Names (commands, groups, options) are looked up with the context "command": they are short words
("add", "list") that must not share a translation with a sentence; descriptions and choice
labels are looked up as they are. Only Korean is sent as a localisation: English is the default.

`python -m cogs.translator update` collects every string of the command tree and merges it,
with the messages marked in bot/ and cogs/, into the catalogues (bot/i18n/catalogues.py).
"""

from __future__ import annotations

import asyncio
import importlib
import re
import sys
from collections.abc import Iterable
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot import i18n

NAME = "command"
_NAMES = (Where.command_name, Where.group_name, Where.parameter_name)
#: Discord's rule for command and option names (CHAT_INPUT), lower case where a case exists.
NAME_PATTERN = re.compile(r"^[-_\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")


def context_of(location: Where) -> str | None:
    return NAME if location in _NAMES else None


class CatalogueTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if i18n.normalise(locale.value) != "ko":
            return None
        return i18n.translate("ko", string.message, context_of(context.location))


class Recorder(app_commands.Translator):
    """Collects every (context, string) a command payload asks to translate."""

    def __init__(self) -> None:
        self.seen: list[tuple[str | None, str, Where]] = []

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if locale is discord.Locale.korean:  # once per string, not once per locale
            self.seen.append((context_of(context.location), string.message, context.location))
        return None


def cog_commands(modules: Iterable[str]) -> list[Any]:
    """The app commands that the cogs of `modules` declare (without a running bot)."""
    from discord.ext import commands

    found: list[Any] = []
    for name in modules:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, commands.Cog):
                found += list(getattr(value, "__cog_app_commands__", []))
    return found


async def command_strings(modules: Iterable[str]) -> list[tuple[str | None, str, Where]]:
    """Every name, description and choice label of the cogs' slash commands."""
    client = discord.Client(intents=discord.Intents.none())
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    recorder = Recorder()
    seen: set[int] = set()
    for command in cog_commands(modules):
        if id(command) not in seen:
            seen.add(id(command))
            await command.get_translated_payload(tree, recorder)
    await client.close()
    return list(dict.fromkeys(recorder.seen))


def _update() -> None:
    from bot.app import EXTENSIONS
    from bot.i18n import catalogues

    modules = [*EXTENSIONS, "cogs.watches.commands", "cogs.language"]
    strings = asyncio.run(command_strings(modules))
    catalogues.update((context, message) for context, message, _ in strings)


if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        _update()
    else:
        sys.exit("usage: python -m cogs.translator update")
