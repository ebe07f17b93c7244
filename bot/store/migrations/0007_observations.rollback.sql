ALTER TABLE watches DROP COLUMN remind_since;
ALTER TABLE openings DROP COLUMN matched_layout;
ALTER TABLE openings DROP COLUMN matched_count;
DROP TABLE IF EXISTS calendar_days;
