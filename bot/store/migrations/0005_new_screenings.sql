-- New screenings as one message per watch and check, and watches for films not on sale yet.
-- depends: 0003_openings_once

-- What a watch is told: seat openings, new screenings, or both; new-screening messages may go
-- to their own channel and ping their own role (NULL: the watch's channel and mention).
ALTER TABLE watches ADD COLUMN notify TEXT NOT NULL DEFAULT 'both';
ALTER TABLE watches ADD COLUMN news_channel_id INTEGER;
ALTER TABLE watches ADD COLUMN news_mention TEXT;
-- Like baseline_pending, for new screenings: the next covered check only records what
-- exists. Existing watches start with one, so an upgrade does not call everything "new".
ALTER TABLE watches ADD COLUMN news_baseline_pending INTEGER NOT NULL DEFAULT 1;
-- A watch for a film not on sale yet ("movie:<movieNo>", "title:<text>" or both, ';'
-- separated); movie_no is '' until the film appears and the watch binds to it.
ALTER TABLE watches ADD COLUMN waiting_for TEXT;

-- The screenings each watch has seen (that it wanted, in a listing a check read): a wanted
-- screening not in here is new for that watch.
CREATE TABLE watch_screenings (
    watch_id INTEGER NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
    play_schdl_no TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    PRIMARY KEY (watch_id, play_schdl_no)
) WITHOUT ROWID;
CREATE INDEX ix_watch_screenings_starts ON watch_screenings (starts_at);

-- Messages that are not one opening's alert: the grouped new screenings of a check
-- ('new'), a waiting watch that found its film ('bound'). Same delivery rule as alerts:
-- stored before sending, 'sent' only with the message id Discord returned, a random nonce.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    watch_id INTEGER NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                       -- new | bound
    target_kind TEXT NOT NULL,                -- channel | dm
    target_id INTEGER NOT NULL,
    mentions TEXT NOT NULL DEFAULT '[]',
    nonce TEXT NOT NULL,
    body TEXT NOT NULL,                       -- JSON: what the message shows
    status TEXT NOT NULL DEFAULT 'pending',   -- pending | sent | failed
    message_id INTEGER,
    channel_id INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    refusals INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE UNIQUE INDEX uq_notices_nonce ON notices (nonce);
CREATE INDEX ix_notices_status ON notices (status);
