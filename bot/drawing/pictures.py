"""Paints seat-map pictures (bot/seats/picture.py models) as PNG, in a process of its own.

Pillow is imported only here: the bot never loads Pillow, so its memory at rest does not
grow, and a render never runs on the event loop. Two ways to run it:

- `python -m bot.drawing.pictures --serve`: the bot's warm worker (bot/drawing/queue.py). Frames on
  stdin: a 4-byte big-endian length and one model as JSON; for each, on stdout: b"K" and a
  4-byte length and the PNG, or b"E", a length and an error text (the worker stays up). It
  exits at the end of its input.
- `python -m bot.drawing.pictures` (`render_pngs`, one-shot; the bench): a JSON list of models
  on stdin; for each, its PNG as a 4-byte big-endian length and the bytes, on stdout.
"""

from __future__ import annotations

import io
import json
import logging
import struct
import sys
from collections.abc import Sequence
from typing import Any

from bot.drawing.worker import run_worker

log = logging.getLogger(__name__)

#: A worker that has not answered by then is killed (the alert goes out without a picture).
RENDER_TIMEOUT = 30.0


def paint(model: dict[str, Any]) -> bytes:
    """One model → PNG bytes (palette PNG: a few KB for a 200-seat hall)."""
    from PIL import Image, ImageDraw, ImageFont

    from bot.drawing.fonts import hangul_font, needs_hangul_font

    image = Image.new("RGB", (model["width"], model["height"]), tuple(model["background"]))
    draw = ImageDraw.Draw(image)
    size = model.get("font_size", 13)
    found = hangul_font()
    # A Hangul-capable font where the image ships one; else Pillow's built-in font (nothing
    # downloaded) with each text's English words, never boxes for Korean letters.
    font = ImageFont.truetype(str(found), size) if found else ImageFont.load_default(size=size)

    def words(text: dict[str, Any]) -> str:
        said: str = text["text"]
        return said if found or not needs_hangul_font(said) else text.get("plain") or said

    def rect(r: dict[str, Any], radius: int = 3) -> None:
        draw.rounded_rectangle(
            (r["x0"], r["y0"], r["x1"], r["y1"]),
            radius=radius * size // 13,
            fill=tuple(r["fill"]),
        )

    rect(model["screen"], radius=2)
    for seat in model["seats"]:
        rect(seat)
    for text in model["texts"]:
        draw.text((text["x"], text["y"]), words(text), fill=tuple(text["fill"]), font=font)
    for box, text in model["legend"]:
        rect(box, radius=2)
        draw.text((text["x"], text["y"]), words(text), fill=tuple(text["fill"]), font=font)
    out = io.BytesIO()
    image.quantize(colors=32).save(out, format="PNG", optimize=True)
    return out.getvalue()


def serve() -> None:
    """The warm worker's loop (see the module's docstring)."""
    from PIL import Image, ImageDraw, ImageFont  # noqa: F401  loaded before the first frame

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while header := stdin.read(4):
        if len(header) < 4:
            return
        (size,) = struct.unpack(">I", header)
        body = stdin.read(size)
        if len(body) < size:
            return
        try:
            kind, out = b"K", paint(json.loads(body))
        except Exception as exc:  # a bad model must not take the worker down
            kind, out = b"E", f"{type(exc).__name__}: {exc}".encode()
        stdout.write(struct.pack(">cI", kind, len(out)) + out)
        stdout.flush()


def main() -> None:
    if "--serve" in sys.argv[1:]:
        serve()
        return
    models = json.load(sys.stdin)
    stdout = sys.stdout.buffer
    for model in models:
        png = paint(model)
        stdout.write(struct.pack(">I", len(png)))
        stdout.write(png)
    stdout.flush()


async def render_pngs(models: Sequence[dict[str, Any]]) -> list[bytes]:
    """PNGs for these models, painted by one worker process; raises on any failure."""
    if not models:
        return []
    payload = json.dumps(list(models)).encode()
    out = await run_worker("bot.drawing.pictures", payload, within=RENDER_TIMEOUT)
    pngs: list[bytes] = []
    at = 0
    while at < len(out):
        (size,) = struct.unpack_from(">I", out, at)
        pngs.append(out[at + 4 : at + 4 + size])
        at += 4 + size
    if len(pngs) != len(models):
        raise RuntimeError("picture worker returned too few pictures")
    return pngs


if __name__ == "__main__":
    main()
