"""Benchmarks (not tests): `uv run python -m bench.check_scale`, `uv run python -m bench.bot_numbers`."""
