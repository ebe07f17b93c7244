"""Korean and English: gettext catalogues (bot/i18n/locales/*/LC_MESSAGES/messages.po, managed
with Babel: `uv run python -m bot.i18n.catalogues`) and the formats that sit beside them.

Why stdlib gettext at run time: the compiled catalogues are memory-mapped-small dicts, loaded
once per language for the whole process (the RSS budget of issue 17); Babel, a dev and image
build dependency only, extracts the messages and compiles the `.mo` files, which are never
committed (the test run and the image's build stage compile them).

The language of a message is the *current* one, a context variable: a slash command sets it
from the member's client (`interaction.locale`), delivery from the target's server or the
member's last seen language, the CLI from `BOT_LANGUAGE`. Code that words something just calls
`_()` / `ngettext()`; it never passes a language around. Placeholders are named
(`_("{n} seats").format(n=3)`) so a translation may reorder them.
"""

from __future__ import annotations

import contextlib
import gettext
import logging
import os
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path
from typing import Final, Literal

log = logging.getLogger(__name__)

Language = Literal["ko", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("ko", "en")
DOMAIN: Final = "messages"
LOCALES: Final = Path(__file__).parent / "locales"
#: Language names in their own language, for the /language command's answers.
NAMES: Final[dict[str, str]] = {"ko": "한국어", "en": "English"}


def normalise(value: str | None) -> Language:
    """ "ko", "ko-KR", "KO" → ko; anything else (Discord's en-US, ja, None…) → en: the bot
    speaks Korean and English, and English is the better guess for everyone else."""
    return "ko" if (value or "").strip().lower().startswith("ko") else "en"


def _env_default() -> Language:
    return normalise(os.environ.get("BOT_LANGUAGE") or "ko")


_default: Language = _env_default()
_current: ContextVar[Language | None] = ContextVar("language", default=None)
_catalogues: dict[str, gettext.NullTranslations] = {}


def set_default(language: str) -> None:
    """The process's language where nothing more specific is known (BOT_LANGUAGE)."""
    global _default
    _default = normalise(language)


def default() -> Language:
    return _default


def current() -> Language:
    return _current.get() or _default


def use(language: str | None) -> None:
    """Make `language` current for the rest of this task (a slash command's handler)."""
    _current.set(normalise(language) if language else None)


@contextlib.contextmanager
def using(language: str | None) -> Iterator[Language]:
    """Word everything inside in `language` (None: the default)."""
    token = _current.set(normalise(language) if language else None)
    try:
        yield current()
    finally:
        _current.reset(token)


def catalogue(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of `language`, loaded once per process. A missing `.mo` (a
    checkout without the compile step) falls back to the English source text, with a warning."""
    language = normalise(language)
    found = _catalogues.get(language)
    if found is None:
        try:
            found = gettext.translation(DOMAIN, LOCALES, languages=[language])
        except OSError:
            log.warning(
                "no compiled %s catalogue in %s: speaking English (run `python -m "
                "bot.i18n.catalogues compile`)",
                language,
                LOCALES,
            )
            found = gettext.NullTranslations()
        _catalogues[language] = found
    return found


def _(message: str) -> str:
    """`message` (English, the msgid) in the current language."""
    return catalogue(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for `n` by the catalogue's Plural-Forms (Korean has one, English two)."""
    return catalogue(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A short word whose meaning needs a context (a weekday, a command name)."""
    return catalogue(current()).pgettext(context, message)


def N_(message: str) -> str:
    """Marks `message` for extraction only: translated later, where it is shown."""
    return message


def translate(language: str, message: str, context: str | None = None) -> str | None:
    """`message` in `language`, or None when the catalogue has no text for it (for discord.py's
    Translator, where None means "use the default")."""
    cat = catalogue(language)
    text = cat.pgettext(context, message) if context else cat.gettext(message)
    return text if text != message or language == "en" else None


# -- formats beside the catalogue: dates, times and spans, in KST -------------------------------

_WEEKDAYS: Final = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def weekday(day: date) -> str:
    """ "Sat" / "토" """
    return _(_WEEKDAYS[day.weekday()])


def day_text(day: date) -> str:
    """ "Sat 2026-12-13" / "12월 13일 (토)" """
    # No "%" in a message: gettext tools would take it for a printf placeholder.
    return _("{weekday} {date.year}-{date.month:02d}-{date.day:02d}").format(
        weekday=weekday(day), date=day
    )


def short_day_time(day: date, clock: str) -> str:
    """ "Sat 12-13 19:35" / "12월 13일 (토) 19:35": a screening in one line."""
    return _("{weekday} {date.month:02d}-{date.day:02d} {time}").format(
        weekday=weekday(day), date=day, time=clock
    )


def day_time(day: date, clock: str) -> str:
    """ "Sat 2026-12-13 19:35" / "12월 13일 (토) 19:35" """
    return _("{weekday} {date.year}-{date.month:02d}-{date.day:02d} {time}").format(
        weekday=weekday(day), date=day, time=clock
    )


def kst_clock(moment: datetime) -> str:
    """ "19:35 KST" / "19:35" (Korean readers need no zone: KST throughout)."""
    from bot.chains.base import KST  # here: bot.chains imports nothing of ours

    return _("{time} KST").format(time=f"{moment.astimezone(KST):%H:%M}")


def chain_name(chain_or_ref: str) -> str:
    """A chain's own name in the current language: "메가박스", "Lotte Cinema"."""
    from bot.chains import registry  # here: bot.chains imports nothing of ours

    return registry.info(chain_or_ref).display(current())
