DROP TABLE notices;
DROP TABLE watch_screenings;
ALTER TABLE watches DROP COLUMN waiting_for;
ALTER TABLE watches DROP COLUMN news_baseline_pending;
ALTER TABLE watches DROP COLUMN news_mention;
ALTER TABLE watches DROP COLUMN news_channel_id;
ALTER TABLE watches DROP COLUMN notify;
