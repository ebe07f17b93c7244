"""Babel's side (a dev and image-build dependency, never imported by the running bot):
extract the messages of bot/ and cogs/, merge them into the `.po` catalogues, compile `.mo`.

    uv run python -m cogs.translator update    # after changing messages or commands
    uv run python -m bot.i18n.catalogues compile

English is the source language: its catalogue repeats each msgid, so both catalogues list every
message and a test can insist that neither lacks one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LANGUAGES, LOCALES

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "cogs")
#: Short words that need a context: weekdays, slash-command names.
KEYWORDS = DEFAULT_KEYWORDS


def po_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as f:
        return read_po(f, locale=language, domain=DOMAIN)


def extract(extra: Iterable[tuple[str | None, str]] = ()) -> Catalog:
    """Every marked message of the sources, plus `extra` (context, message) pairs that no
    source marks (the slash commands' names and descriptions, collected from the tree)."""
    template = Catalog(domain=DOMAIN, project="megabox-watch", charset="utf-8")
    for source in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / source, keywords=KEYWORDS, comment_tags=("i18n:",)
        ):
            template.add(
                message,
                None,
                [(f"{source}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    for context, message in extra:
        if (message, context) not in {(m.id, m.context) for m in template}:
            template.add(message, None, [("slash-commands", 0)], context=context)
    return template


def update(extra: Iterable[tuple[str | None, str]] = ()) -> None:
    """Merge the extracted messages into each catalogue; English copies its msgids."""
    template = extract(extra)
    for language in LANGUAGES:
        path = po_path(language)
        if path.exists():
            catalog = read(language)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, domain=DOMAIN, project="megabox-watch")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        # A new catalogue's header is "fuzzy", and `pybabel compile` (the image) skips a
        # fuzzy catalogue entirely: these are reviewed.
        catalog.fuzzy = False
        if language == "en":
            for message in catalog:
                if isinstance(message.id, tuple):
                    if not all(message.string or ()):
                        message.string = message.id  # singular, plural: English's two forms
                elif message.id and not message.string:
                    message.string = message.id
        with path.open("wb") as f:
            write_po(f, catalog, width=100, omit_header=False, sort_output=False)


def compile_all(target: Path = LOCALES) -> None:
    """`.po` → `.mo` beside it (or under `target`, same layout)."""
    for language in LANGUAGES:
        catalog = read(language)
        out = target / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as f:
            write_mo(f, catalog)


if __name__ == "__main__":
    if sys.argv[1:] == ["compile"]:
        compile_all()
    else:
        sys.exit(
            "usage: python -m bot.i18n.catalogues compile (update: python -m cogs.translator update)"
        )
