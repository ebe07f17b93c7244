-- Exactly once under change: one open opening per (watch, screening), and a revision per
-- watch so a check that read an older definition cannot end a newer baseline.
-- depends: 0001_initial

-- Older databases could hold two open openings of one key (a second writer): keep the
-- latest open, close the others as superseded, before the index forbids it.
UPDATE openings SET closed_at = opened_at, close_reason = 'superseded'
WHERE closed_at IS NULL AND id NOT IN (
    SELECT max(id) FROM openings WHERE closed_at IS NULL GROUP BY watch_id, play_schdl_no
);
CREATE UNIQUE INDEX uq_openings_open ON openings (watch_id, play_schdl_no)
    WHERE closed_at IS NULL;

ALTER TABLE watches ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

-- Windows past 24:00 never matched (MEGABOX lists after-midnight shows under the next date)
-- and are refused now; keep what they could match, up to 23:59.
UPDATE watches SET time_window = substr(time_window, 1, 6) || '23:59'
WHERE time_window IS NOT NULL AND length(time_window) = 11
    AND CAST(substr(time_window, 7, 2) AS INTEGER) >= 24;
