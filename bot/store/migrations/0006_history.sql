-- Sooner and smarter: a per-watch fast lane, and the history of every screening's seats.
-- depends: 0003_openings_once

-- Opt-in per watch: re-poll between scheduled checks (bot/fast_lane.py).
ALTER TABLE watches ADD COLUMN fast_lane INTEGER NOT NULL DEFAULT 0;

-- What each check (and fast poll) saw of a screening. Deleted with the screening, so it
-- keeps the screenings' retention (bot/store/screenings.py prune).
CREATE TABLE screening_history (
    id INTEGER PRIMARY KEY,
    play_schdl_no TEXT NOT NULL REFERENCES screenings (play_schdl_no) ON DELETE CASCADE,
    seen_at TEXT NOT NULL,
    source TEXT NOT NULL,                     -- check | fast
    rest_seat_cnt INTEGER NOT NULL,           -- free seats, wheelchair seats included
    usable INTEGER,                           -- NULL: no seat map needed (restSeatCnt < N)
    best_block INTEGER,
    exact INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_screening_history ON screening_history (play_schdl_no, seen_at);
