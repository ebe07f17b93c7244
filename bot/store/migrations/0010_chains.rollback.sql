PRAGMA defer_foreign_keys = ON;
UPDATE screenings SET
    screening_id = substr(screening_id, 9), branch_id = substr(branch_id, 9),
    movie_id = substr(movie_id, 9),
    movie_group = CASE WHEN movie_group LIKE 'megabox:%' THEN substr(movie_group, 9)
                       ELSE movie_group END
WHERE screening_id LIKE 'megabox:%';
DELETE FROM screenings WHERE screening_id LIKE '%:%';
UPDATE screening_history SET screening_id = substr(screening_id, 9)
WHERE screening_id LIKE 'megabox:%';
UPDATE halls SET branch_id = substr(branch_id, 9) WHERE branch_id LIKE 'megabox:%';
UPDATE openings SET screening_id = substr(screening_id, 9) WHERE screening_id LIKE 'megabox:%';
UPDATE silenced SET screening_id = substr(screening_id, 9) WHERE screening_id LIKE 'megabox:%';
UPDATE watch_screenings SET screening_id = substr(screening_id, 9)
WHERE screening_id LIKE 'megabox:%';
DELETE FROM watches WHERE branches LIKE 'lotte:%';
UPDATE watches SET
    movie_id = CASE WHEN movie_id LIKE 'megabox:%' THEN substr(movie_id, 9) ELSE movie_id END,
    branches = replace(branches, 'megabox:', ''),
    waiting_for = replace(waiting_for, 'movie:megabox:', 'movie:');

ALTER TABLE watches RENAME COLUMN movie_id TO movie_no;
ALTER TABLE calendar_days RENAME COLUMN play_date TO play_de;
ALTER TABLE screening_history RENAME COLUMN free_seats TO rest_seat_cnt;
ALTER TABLE screening_history RENAME COLUMN screening_id TO play_schdl_no;
ALTER TABLE watch_screenings RENAME COLUMN screening_id TO play_schdl_no;
ALTER TABLE silenced RENAME COLUMN screening_id TO play_schdl_no;
ALTER TABLE openings RENAME COLUMN screening_id TO play_schdl_no;
ALTER TABLE halls RENAME COLUMN hall_id TO theab_no;
ALTER TABLE halls RENAME COLUMN branch_id TO brch_no;
ALTER TABLE screenings RENAME COLUMN free_seats TO rest_seat_cnt;
ALTER TABLE screenings RENAME COLUMN play_date TO play_de;
ALTER TABLE screenings RENAME COLUMN movie_name TO movie_nm;
ALTER TABLE screenings RENAME COLUMN movie_group TO rpst_movie_no;
ALTER TABLE screenings RENAME COLUMN movie_id TO movie_no;
ALTER TABLE screenings RENAME COLUMN hall_name TO theab_nm;
ALTER TABLE screenings RENAME COLUMN hall_id TO theab_no;
ALTER TABLE screenings RENAME COLUMN branch_name TO brch_nm;
ALTER TABLE screenings RENAME COLUMN branch_id TO brch_no;
ALTER TABLE screenings RENAME COLUMN screening_id TO play_schdl_no;
