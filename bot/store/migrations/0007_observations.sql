-- Truth on every path: what a judgement needs is stored, not remembered by one path.
-- depends: 0006_history

-- MEGABOX's holiday flag per date, from every calendar any path read (a check, a fast
-- poll): a weekday holiday is a weekend day for every path, also one that read no calendar.
CREATE TABLE calendar_days (
    play_de TEXT PRIMARY KEY,
    holiday INTEGER NOT NULL,
    seen_at TEXT NOT NULL
);

-- The seats as they were when this opening last matched its watch (JSON of the counts, and
-- the hall for a watch with seat preferences): "no longer watched" compares the watch as it
-- is now with these, never with the shared screenings row another path may have refreshed.
ALTER TABLE openings ADD COLUMN matched_count TEXT;
ALTER TABLE openings ADD COLUMN matched_layout TEXT;

-- Reminders count from the later of the alert's delivery and this (when `remind` was set).
ALTER TABLE watches ADD COLUMN remind_since TEXT;

-- Open openings keep the counts their screening shows now (the best we know of them).
UPDATE openings SET matched_count = (
    SELECT json_object('free', s.rest_seat_cnt, 'usable', s.usable,
                       'best_block', coalesce(s.best_block, 0), 'best_row', s.best_row,
                       'best_seats', coalesce(s.best_seats, ''), 'total', s.total,
                       'exact', s.exact)
    FROM screenings s WHERE s.play_schdl_no = openings.play_schdl_no AND s.usable IS NOT NULL
), matched_layout = (
    SELECT s.seat_layout FROM screenings s WHERE s.play_schdl_no = openings.play_schdl_no
)
WHERE closed_at IS NULL;
UPDATE watches SET remind_since = updated_at WHERE remind_minutes IS NOT NULL;
