-- Back to mention text and row-id nonces (the nonce then comes from the alert's id again).
ALTER TABLE alerts ADD COLUMN mention TEXT NOT NULL DEFAULT '';
UPDATE alerts SET mention = coalesce((
    SELECT group_concat(CASE json_extract(value, '$.kind')
        WHEN 'here' THEN '@here'
        WHEN 'everyone' THEN '@everyone'
        WHEN 'role' THEN '<@&' || json_extract(value, '$.id') || '>'
        WHEN 'user' THEN '<@' || json_extract(value, '$.id') || '>'
    END, ' ')
    FROM json_each(alerts.mentions)
), '');
DROP INDEX uq_alerts_nonce;
ALTER TABLE alerts DROP COLUMN refusals;
ALTER TABLE alerts DROP COLUMN nonce;
ALTER TABLE alerts DROP COLUMN mentions;
