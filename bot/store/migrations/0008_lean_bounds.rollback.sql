DROP TABLE IF EXISTS lane_spend;
ALTER TABLE halls DROP COLUMN hidden_seats;
ALTER TABLE screenings DROP COLUMN from_count;
