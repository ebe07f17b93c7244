DROP TABLE IF EXISTS screening_history;
ALTER TABLE watches DROP COLUMN fast_lane;
