"""Delivery: who hears of what (`recipients`), and what to do with each stored alert and
notice (`outbox`, `notices`): pure decisions that the cogs carry out against Discord."""
