DROP TABLE IF EXISTS silenced;
ALTER TABLE alerts DROP COLUMN reminder_message_id;
ALTER TABLE alerts DROP COLUMN reminded_at;
ALTER TABLE screenings DROP COLUMN seat_layout;
ALTER TABLE watches DROP COLUMN remind_minutes;
ALTER TABLE watches DROP COLUMN centre;
ALTER TABLE watches DROP COLUMN seat_rows;
