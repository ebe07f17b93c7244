"""Checking: planning and cost, the check and the fast poll, the one judgement of an
opening, new screenings, results and their words. Reads the chains, writes the store."""
