"""The cinema chains: each chain's client, parsing and catalogue, turning its answers into
plain values. Nothing here imports anything above it (seats, watches, checking, delivery,
store, cogs)."""
