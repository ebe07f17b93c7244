-- Two chains (issue 19): columns say what a value is, not MEGABOX's field name, and every
-- identity carries its chain ("megabox:24121100372", branches "megabox:1372"), so a Lotte and
-- a MEGABOX number can never collide. Everything stored so far is MEGABOX's; no alert state
-- changes (openings, alerts and notices keep their rows).
-- depends: 0009_languages

ALTER TABLE screenings RENAME COLUMN play_schdl_no TO screening_id;
ALTER TABLE screenings RENAME COLUMN brch_no TO branch_id;
ALTER TABLE screenings RENAME COLUMN brch_nm TO branch_name;
ALTER TABLE screenings RENAME COLUMN theab_no TO hall_id;
ALTER TABLE screenings RENAME COLUMN theab_nm TO hall_name;
ALTER TABLE screenings RENAME COLUMN movie_no TO movie_id;
ALTER TABLE screenings RENAME COLUMN rpst_movie_no TO movie_group;
ALTER TABLE screenings RENAME COLUMN movie_nm TO movie_name;
ALTER TABLE screenings RENAME COLUMN play_de TO play_date;
ALTER TABLE screenings RENAME COLUMN rest_seat_cnt TO free_seats;
ALTER TABLE halls RENAME COLUMN brch_no TO branch_id;
ALTER TABLE halls RENAME COLUMN theab_no TO hall_id;
ALTER TABLE openings RENAME COLUMN play_schdl_no TO screening_id;
ALTER TABLE silenced RENAME COLUMN play_schdl_no TO screening_id;
ALTER TABLE watch_screenings RENAME COLUMN play_schdl_no TO screening_id;
ALTER TABLE screening_history RENAME COLUMN play_schdl_no TO screening_id;
ALTER TABLE screening_history RENAME COLUMN rest_seat_cnt TO free_seats;
ALTER TABLE calendar_days RENAME COLUMN play_de TO play_date;
ALTER TABLE watches RENAME COLUMN movie_no TO movie_id;

-- screening_history references screenings: its rows move with their parent's new id.
PRAGMA defer_foreign_keys = ON;
UPDATE screenings SET
    screening_id = 'megabox:' || screening_id,
    branch_id = 'megabox:' || branch_id,
    movie_id = 'megabox:' || movie_id,
    movie_group = CASE WHEN movie_group IS NULL OR movie_group = '' THEN movie_group
                       ELSE 'megabox:' || movie_group END
WHERE screening_id NOT LIKE '%:%';
UPDATE screening_history SET screening_id = 'megabox:' || screening_id
WHERE screening_id NOT LIKE '%:%';
UPDATE halls SET branch_id = 'megabox:' || branch_id WHERE branch_id NOT LIKE '%:%';
UPDATE openings SET screening_id = 'megabox:' || screening_id WHERE screening_id NOT LIKE '%:%';
UPDATE silenced SET screening_id = 'megabox:' || screening_id WHERE screening_id NOT LIKE '%:%';
UPDATE watch_screenings SET screening_id = 'megabox:' || screening_id
WHERE screening_id NOT LIKE '%:%';
UPDATE watches SET
    movie_id = CASE WHEN movie_id = '' THEN '' ELSE 'megabox:' || movie_id END,
    branches = 'megabox:' || replace(branches, ',', ',megabox:'),
    waiting_for = replace(waiting_for, 'movie:', 'movie:megabox:')
WHERE branches NOT LIKE '%:%';
