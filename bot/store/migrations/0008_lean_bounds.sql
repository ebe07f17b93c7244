-- Fewer requests and bounds (issue 17): a hall's hidden seats for the count rule, and what
-- the fast lane spent, so its hourly budget survives a restart.
-- depends: 0007_observations

-- Seats a hall's map lists but does not show (NULL: no map read since this column came):
-- with its wheelchair seats, what can be free without being usable (bot/seat_rule.py).
ALTER TABLE halls ADD COLUMN hidden_seats INTEGER;
-- 1: no seat map was read because restSeatCnt alone settled it (usable is a lower bound).
ALTER TABLE screenings ADD COLUMN from_count INTEGER NOT NULL DEFAULT 0;

-- One row per fast poll with the MEGABOX requests it caused; rows older than an hour go.
CREATE TABLE lane_spend (
    id INTEGER PRIMARY KEY,
    spent_at TEXT NOT NULL,
    requests INTEGER NOT NULL
);
CREATE INDEX ix_lane_spend ON lane_spend (spent_at);
