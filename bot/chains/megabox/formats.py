"""MEGABOX's hall types (README §9) with readable names, and the words people type for them."""

from __future__ import annotations

import re

from bot.chains.megabox.models import MX4D

FORMATS: dict[str, str] = {
    "MX4D": "MEGA | MX4D (motion seats)",
    "DBC": "DOLBY CINEMA",
    "DVA": "DOLBY VISION + ATMOS",
    "MX": "MEGA | MX (Dolby Atmos)",
    "LUMINEON": "MEGA | LED",
    "CFT": "COMFORT",
    "RCL": "Recliner",
    "TBQ": "THE BOUTIQUE",
    "TBS": "BOUTIQUE SUITE",
    "TBP": "BOUTIQUE PRIVATE",
    "MKB": "만경관",
    "NOR": "Normal hall",
}
ALIASES: dict[str, str] = {
    # MEGABOX has no 4DX; people say it for MX4D (README §1).
    "4DX": MX4D,
    "4D": MX4D,
    "모션": MX4D,
    "DOLBY": "DBC",
    "DOLBYCINEMA": "DBC",
    "돌비시네마": "DBC",
    "돌비비전": "DVA",
    "DOLBYVISION": "DVA",
    "ATMOS": "MX",
    "돌비애트모스": "MX",
    "LED": "LUMINEON",
    "컴포트": "CFT",
    "COMFORT": "CFT",
    "리클라이너": "RCL",
    "RECLINER": "RCL",
    "BOUTIQUE": "TBQ",
    "부티크": "TBQ",
    "일반": "NOR",
    "2D": "NOR",
    "NORMAL": "NOR",
}
#: The motion-seat format ("4DX" to most people).
MOTION = MX4D


def find_format(text: str) -> str | None:
    """The hall type meant by `text` ("4dx", "돌비 시네마"); None when MEGABOX has none."""
    key = re.sub(r"[\s|_-]+", "", text).upper()
    code = ALIASES.get(key, key)
    return code if code in FORMATS else None
