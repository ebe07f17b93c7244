"""A Hangul-capable font for the pictures (seat map, /history chart). Pillow's built-in font
and matplotlib's DejaVu Sans have no Hangul: Korean text would come out as empty boxes. The
image ships Debian's fonts-nanum (NanumGothic only, see the Dockerfile); elsewhere any of the
usual CJK fonts will do. Without one, the pictures fall back to their English words."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

#: Where Debian and friends put a font with Hangul; BOT_FONT (a file) comes first.
CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansKR-Regular.ttf",
    "/usr/share/fonts/truetype/unfonts-core/UnDotum.ttf",
)


@cache
def hangul_font() -> Path | None:
    """The first font file there is, or None (then pictures speak English)."""
    for name in (os.environ.get("BOT_FONT", ""), *CANDIDATES):
        if name and Path(name).is_file():
            return Path(name)
    return None


def needs_hangul_font(text: str) -> bool:
    """Text beyond Latin-1 and the few symbols Pillow's built-in font draws."""
    return any(ord(ch) > 0x2FF for ch in text)
