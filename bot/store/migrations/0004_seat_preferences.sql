-- Seat preferences and reminders per watch, the hall as last read, "booked / not for me".
-- depends: 0003_openings_once

-- Allowed rows (RowRule.to_text(): "E-J", "not A-C"; NULL = every row), the middle of the
-- hall (off | prefer | require), and one reminder this many minutes after an alert (NULL: off).
ALTER TABLE watches ADD COLUMN seat_rows TEXT;
ALTER TABLE watches ADD COLUMN centre TEXT NOT NULL DEFAULT 'off';
ALTER TABLE watches ADD COLUMN remind_minutes INTEGER;

-- The seat map as last read (SeatLayout JSON); NULL when the last count was an estimate, so
-- an alert delivered later draws the hall only from a map that was really read.
ALTER TABLE screenings ADD COLUMN seat_layout TEXT;

-- The reminder of an alert is part of its opening: at most one, noted with its message.
ALTER TABLE alerts ADD COLUMN reminded_at TEXT;
ALTER TABLE alerts ADD COLUMN reminder_message_id INTEGER;

-- "Booked / not for me": this user hears no more of this screening (DMs and mentions).
CREATE TABLE silenced (
    user_id INTEGER NOT NULL,
    play_schdl_no TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, play_schdl_no)
);
