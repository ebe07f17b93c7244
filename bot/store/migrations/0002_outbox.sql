-- The outbox reshaped: mentions as values, a random nonce per alert, bounded refusals.
-- depends: 0001_initial

-- Whom an alert pings, as a JSON list of {"kind": here|everyone|role|user, "id": "<snowflake>"}
-- instead of mention text that had to be parsed back. Ids are strings, as Discord writes them.
ALTER TABLE alerts ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]';

-- The old text only ever held "@here", "@everyone", "<@&role>", "<@user>" (or "<@!user>",
-- or a bare role id) separated by spaces: split it and convert each token, in order.
WITH RECURSIVE
    split (alert_id, pos, token, rest) AS (
        SELECT id, 0, '', trim(mention) || ' ' FROM alerts WHERE trim(mention) <> ''
        UNION ALL
        SELECT alert_id, pos + 1,
            substr(rest, 1, instr(rest, ' ') - 1),
            ltrim(substr(rest, instr(rest, ' ') + 1))
        FROM split WHERE rest <> ''
    ),
    converted (alert_id, pos, item) AS (
        SELECT alert_id, pos, CASE
            WHEN token = '@here' THEN json_object('kind', 'here')
            WHEN token = '@everyone' THEN json_object('kind', 'everyone')
            WHEN token GLOB '<@&[0-9]*>' THEN
                json_object('kind', 'role', 'id', substr(token, 4, length(token) - 4))
            WHEN token GLOB '<@![0-9]*>' THEN
                json_object('kind', 'user', 'id', substr(token, 4, length(token) - 4))
            WHEN token GLOB '<@[0-9]*>' THEN
                json_object('kind', 'user', 'id', substr(token, 3, length(token) - 3))
            WHEN token GLOB '[0-9]*' AND token NOT GLOB '*[^0-9]*' THEN
                json_object('kind', 'role', 'id', token)
        END
        FROM split WHERE pos > 0
    )
UPDATE alerts SET mentions = (
    SELECT json_group_array(json(item)) FROM (
        SELECT item FROM converted
        WHERE converted.alert_id = alerts.id AND item IS NOT NULL ORDER BY pos
    )
)
WHERE id IN (SELECT alert_id FROM converted);

ALTER TABLE alerts DROP COLUMN mention;

-- The Discord nonce of each alert. It was "mbw-alert-<id>", and SQLite reuses a deleted row's
-- id, so Discord's nonce dedupe could swallow a new alert. Alerts not yet delivered keep that
-- nonce (one may have reached Discord just before this upgrade); the others get a random one.
ALTER TABLE alerts ADD COLUMN nonce TEXT;
UPDATE alerts SET nonce = CASE
    WHEN status = 'pending' THEN 'mbw-alert-' || id
    ELSE 'mbw-' || lower(hex(randomblob(8)))
END;
CREATE UNIQUE INDEX uq_alerts_nonce ON alerts (nonce);

-- Permanent refusals (400, 403, 404) so far: the alert is given up after a bounded number;
-- 429 and 5xx do not count.
ALTER TABLE alerts ADD COLUMN refusals INTEGER NOT NULL DEFAULT 0;
