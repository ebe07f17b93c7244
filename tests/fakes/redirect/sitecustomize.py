"""Test-only: point an unmodified discord.py at the fake Discord in a bot subprocess.

Put this folder on PYTHONPATH and set DISCORD_API_BASE / DISCORD_GATEWAY_URL; Python imports
`sitecustomize` at start-up. The bot's own code never reads these variables.
"""

import os

if os.environ.get("DISCORD_API_BASE"):
    import discord.gateway
    import discord.http
    import yarl

    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
