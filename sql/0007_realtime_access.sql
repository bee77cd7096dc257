-- Realtime access (README, "Realtime"): what a member may read of a
-- project's events, and the notifications that tell vplanetd to close the
-- sockets of a session or an account that lost access.

-- A member reads the events whose id was drawn after the membership row
-- was written: its own member.joined on, nothing from before it joined.
-- Read from the sequence, not from the project's events, so an event of
-- the project still uncommitted at that moment stays hidden as well.
CREATE FUNCTION vplanet_last_event_id() RETURNS bigint
    LANGUAGE sql VOLATILE
    RETURN (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM events_id_seq);

ALTER TABLE project_members
    ADD COLUMN joined_after_event bigint NOT NULL DEFAULT vplanet_last_event_id();

-- members who joined before this column existed: the last event of their
-- project committed before their joined_at (their own member.joined has
-- the same timestamp and stays visible)
UPDATE project_members m
    SET joined_after_event = coalesce((SELECT max(e.id) FROM events e
                                       WHERE e.project_id = m.project_id
                                       AND e.created_at < m.joined_at), 0);

-- A deleted memo's text leaves the events that carried it, in the same
-- transaction: the feed and a resuming client then get the memo's id only.
CREATE FUNCTION memo_scrub_events() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE events SET payload = payload - 'memo'
        WHERE project_id = OLD.project_id AND type IN ('memo.created', 'memo.updated')
        AND payload->>'id' = OLD.id::text AND payload ? 'memo';
    RETURN NULL;
END
$$;

CREATE TRIGGER memo_scrub_events AFTER DELETE ON project_memos
    FOR EACH ROW EXECUTE FUNCTION memo_scrub_events();

-- vplanet_access carries ids only, sent at commit: {"user_id", "sid"} when
-- a session (refresh-token family) is revoked, {"user_id"} when an account
-- is deleted, deactivated or removed. Identical notifications of one
-- transaction (a family's rows) arrive once.
CREATE FUNCTION access_notify() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    -- ids never change, so OLD serves updates and deletes alike
    IF TG_TABLE_NAME = 'refresh_tokens' THEN
        PERFORM pg_notify('vplanet_access',
                          json_build_object('user_id', OLD.user_id, 'sid', OLD.family_id)::text);
    ELSE
        PERFORM pg_notify('vplanet_access', json_build_object('user_id', OLD.id)::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER refresh_tokens_revoked AFTER UPDATE OF revoked_at ON refresh_tokens
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION access_notify();

CREATE TRIGGER users_access_lost AFTER UPDATE OF is_active, is_deleted ON users
    FOR EACH ROW WHEN ((OLD.is_active AND NOT NEW.is_active)
                       OR (NEW.is_deleted AND NOT OLD.is_deleted))
    EXECUTE FUNCTION access_notify();

CREATE TRIGGER users_removed AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION access_notify();
