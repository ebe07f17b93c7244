-- Korean and English (issue 18): a server's language for its channel messages, and the
-- language each member's Discord client last showed (for their DMs).
-- depends: 0008_lean_bounds

CREATE TABLE guild_settings (
    guild_id INTEGER PRIMARY KEY,
    language TEXT NOT NULL CHECK (language IN ('ko', 'en'))
);

-- No CHECK here: SQLite verifies a CHECK added by ALTER TABLE with a query whose rows yoyo
-- would print; bot/store/languages.py writes only ko or en.
ALTER TABLE users ADD COLUMN language TEXT;
