"""Drawing: seat-map pictures and history charts, painted in worker processes (Pillow and
matplotlib never load into the bot), one job at a time (`queue`)."""
