"""Bench-only baseline: a bare `discord.Client`, nothing else, against the fake Discord.

Run with tests/fakes/redirect on PYTHONPATH and the fake's DISCORD_API_BASE/GATEWAY_URL:
`python -m bench._bare_client [guilds|default]`. Prints "ready" once the gateway is up.
"""

from __future__ import annotations

import os
import sys

import discord


class Bare(discord.Client):
    async def on_ready(self) -> None:
        print(f"ready as {self.user}", flush=True)


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "guilds"
    if which == "default":
        intents = discord.Intents.default()
    else:  # the bot's own intents: GUILDS only
        intents = discord.Intents.none()
        intents.guilds = True
    Bare(intents=intents).run(os.environ["DISCORD_TOKEN"], log_handler=None)


if __name__ == "__main__":
    main()
