-- The first schema of megabox-watch.
-- Times are ISO 8601 text in UTC; dates are YYYY-MM-DD; booleans are 0/1.

CREATE TABLE watches (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER,
    owner_id INTEGER,
    scope TEXT NOT NULL DEFAULT 'guild',      -- guild: alerts to a channel; user: DM the owner
    name TEXT NOT NULL DEFAULT '',
    movie_no TEXT NOT NULL,
    branches TEXT NOT NULL,                   -- comma list of brchNo
    formats TEXT NOT NULL DEFAULT '',         -- comma list; '' = any format
    days TEXT NOT NULL,                       -- Days.to_text()
    time_window TEXT,
    min_seats INTEGER NOT NULL,
    together INTEGER NOT NULL DEFAULT 0,
    channel_id INTEGER,
    mention TEXT NOT NULL DEFAULT '',
    paused INTEGER NOT NULL DEFAULT 0,
    baseline_pending INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT 'command',   -- env | command
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_watches_guild ON watches (guild_id);
CREATE INDEX ix_watches_owner ON watches (owner_id);

-- The last seen counts of each screening (the history of checks lives in check_runs).
CREATE TABLE screenings (
    play_schdl_no TEXT PRIMARY KEY,
    brch_no TEXT NOT NULL,
    brch_nm TEXT NOT NULL,
    theab_no TEXT NOT NULL,
    theab_nm TEXT NOT NULL,
    format TEXT,
    movie_no TEXT NOT NULL,
    rpst_movie_no TEXT,
    movie_nm TEXT NOT NULL,
    play_de TEXT NOT NULL,
    start_clock TEXT NOT NULL,
    end_clock TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    rest_seat_cnt INTEGER NOT NULL,
    total INTEGER,
    usable INTEGER,
    best_block INTEGER,
    best_row TEXT,
    best_seats TEXT,
    exact INTEGER NOT NULL DEFAULT 0,
    bookable INTEGER NOT NULL DEFAULT 1,
    seen_at TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX ix_screenings_play_de ON screenings (play_de);

-- Wheelchair seats per hall, from the last seat map read there.
CREATE TABLE halls (
    brch_no TEXT NOT NULL,
    theab_no TEXT NOT NULL,
    wheelchair_seats INTEGER NOT NULL,
    total_seats INTEGER,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (brch_no, theab_no)
);

-- One row per opening of a screening for a watch; closed_at NULL while it is open.
CREATE TABLE openings (
    id INTEGER PRIMARY KEY,
    watch_id INTEGER NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
    play_schdl_no TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    close_reason TEXT,
    alerted INTEGER NOT NULL                  -- 0 for a new watch's baseline
);
CREATE INDEX ix_openings_key ON openings (watch_id, play_schdl_no, id);

-- The outbox. The delivery rule is in the schema: an alert is 'sent' only together with the
-- message id Discord returned; until then it is 'pending' and will be (re)tried. One row per
-- opening and target, so nothing can be sent twice.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    opening_id INTEGER NOT NULL REFERENCES openings (id) ON DELETE CASCADE,
    target_kind TEXT NOT NULL,                -- channel | dm
    target_id INTEGER NOT NULL,
    mention TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending',   -- pending | sent | expired | failed
    message_id INTEGER,
    channel_id INTEGER,                       -- where the message landed (a DM channel too)
    shown_open INTEGER,                       -- what the Discord message says now
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    CONSTRAINT uq_alert_target UNIQUE (opening_id, target_kind, target_id)
);
CREATE INDEX ix_alerts_status ON alerts (status);

CREATE TABLE check_runs (
    id INTEGER PRIMARY KEY,
    trigger TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    ok INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    screenings_seen INTEGER NOT NULL,
    matches INTEGER NOT NULL,
    openings INTEGER NOT NULL,
    error_kind TEXT,
    error_text TEXT,
    summary TEXT NOT NULL
);
CREATE INDEX ix_check_runs_started ON check_runs (started_at);

CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    watch_id INTEGER NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    guild_id INTEGER,
    delivery TEXT NOT NULL,                   -- dm | mention
    paused INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    CONSTRAINT uq_subscription UNIQUE (watch_id, user_id)
);
CREATE INDEX ix_subscriptions_user ON subscriptions (user_id);
CREATE INDEX ix_subscriptions_guild ON subscriptions (guild_id);

CREATE TABLE users (
    user_id INTEGER PRIMARY KEY,
    quiet_start TEXT,                         -- HH:MM KST
    quiet_end TEXT,
    dm_closed_notice TEXT                     -- told to the user once, then cleared
);

CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
