-- Foundation: shared helpers every later migration may use.
-- Migration files hold no BEGIN/COMMIT: vplanet-migrate runs each one in its
-- own transaction and records it in schema_migrations.

-- Times leave the database as RFC 3339 UTC strings (spec: "Times are RFC 3339
-- UTC strings"), whatever the session's TimeZone.
CREATE FUNCTION rfc3339(t timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
