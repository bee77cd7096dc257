-- Identity keys (issue 11, findings 4 and 8). An email address is found by
-- one key: NFKC with full Unicode case folding, computed by the module
-- (vpcore/vp_text.c, GNU libunistring) for signup, login, recovery, the
-- availability check, password reset and the per-email rate limits, so
-- that KELVIN SIGN, K and k (or ß and ss) are one account and one budget.
-- PostgreSQL 15 has no full case folding: a row written without a key (an
-- import, or the rows already here) gets lower(normalize(email, NFKC)),
-- the module's key for every address whose case folding is its lower case
-- (every ASCII address among them).
ALTER TABLE users ADD COLUMN email_key text;

CREATE FUNCTION users_email_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.email_key IS NULL
       OR (TG_OP = 'UPDATE' AND NEW.email IS DISTINCT FROM OLD.email
           AND NEW.email_key IS NOT DISTINCT FROM OLD.email_key) THEN
        NEW.email_key := lower(normalize(NEW.email, NFKC));
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER users_email_key BEFORE INSERT OR UPDATE OF email, email_key ON users
    FOR EACH ROW EXECUTE FUNCTION users_email_key();

UPDATE users SET email_key = lower(normalize(email, NFKC));

-- Spellings that were two accounts and are one key now (e + U+0301 beside
-- é): the oldest account keeps the key; the others stay, reachable by
-- their id only, until an operator merges or renames them.
UPDATE users u SET email_key = u.email_key || ' #duplicate ' || u.id
 WHERE EXISTS (SELECT 1 FROM users o WHERE o.email_key = u.email_key
               AND (o.created_at, o.id) < (u.created_at, u.id));

ALTER TABLE users ALTER COLUMN email_key SET NOT NULL;

-- the constraint name stays: a signup race still maps to 409 on email
DROP INDEX users_email_key;
DROP INDEX users_email_prefix;
CREATE UNIQUE INDEX users_email_key ON users (email_key);
CREATE INDEX users_email_prefix ON users (email_key text_pattern_ops);
