DROP INDEX IF EXISTS uq_openings_open;
ALTER TABLE watches DROP COLUMN revision;
