-- Idempotency keys (spec section 1): the first answer to a creating POST,
-- kept 24 hours per user and key, replayed for a retry with the same key
-- and body. Written in the transaction that creates, so a key never
-- outlives a rolled-back creation.
CREATE TABLE idempotency_keys (
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash  text NOT NULL,          -- sha256 of method, path and body
    status        integer NOT NULL,
    message       text NOT NULL,
    response      json NOT NULL,          -- the answer's data
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Housekeeping for vplanetd (or cron): keys older than a day are dead.
CREATE FUNCTION vplanet_prune_idempotency_keys() RETURNS bigint
    LANGUAGE sql
    BEGIN ATOMIC
        WITH gone AS (DELETE FROM idempotency_keys
                      WHERE created_at < now() - interval '24 hours' RETURNING 1)
        SELECT count(*) FROM gone;
    END;
