ALTER TABLE users DROP COLUMN language;
DROP TABLE IF EXISTS guild_settings;
