-- The outbox as vplanetd delivers it (README, "vplanetd"): a NOTIFY on
-- every new email wakes the daemons at once; claimed_at / claimed_by say
-- which daemon took a row and when, so a row left `sending` by a daemon
-- that stopped mid-send is taken back after a while, and only its claimer
-- records a row's outcome.

ALTER TABLE outbox
    ADD COLUMN claimed_at timestamptz,
    ADD COLUMN claimed_by text;

-- rows being sent, by claim time: what the take-back looks at
CREATE INDEX outbox_sending ON outbox (claimed_at) WHERE status = 'sending';

-- The payload is the row id; the daemons only take it as a wake-up. Sent
-- when the inserting transaction commits, never for a rolled-back email.
CREATE FUNCTION outbox_notify() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify('vplanet_outbox', NEW.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_notify();
