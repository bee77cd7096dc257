-- Invitations and guest access (spec section 7): invitations by email with
-- the hash of their link's token only, the guest tokens they open (bound
-- to the invitation's token_version: a revocation raises it and every
-- open guest token fails its next check), the audit of guest actions, and
-- each user's friends (contacts).

-- An invitation. status 'expired' is written lazily (a pending row past
-- its expires_at is expired wherever it is read). email_key is the
-- address's identity key (users.email_key's rule) for matching accounts.
CREATE TABLE invitations (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    batch_id       uuid NOT NULL,
    project_id     uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    email          text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
    email_key      text NOT NULL,
    role           text NOT NULL DEFAULT 'reviewer' CHECK (role IN ('viewer', 'reviewer', 'editor')),
    message        text NOT NULL DEFAULT '' CHECK (char_length(message) <= 1000),
    status         text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled', 'expired')),
    invited_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    token_hash     text NOT NULL UNIQUE,            -- SHA-256 (hex) of the link's token
    token_version  integer NOT NULL DEFAULT 1,      -- a guest token names the version it was made under
    locale         text NOT NULL DEFAULT 'ko' CHECK (locale IN ('ko', 'en')),
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    accepted_at    timestamptz,
    accepted_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    send_count     integer NOT NULL DEFAULT 1,
    last_sent_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invitations_expiry CHECK (expires_at <= created_at + interval '30 days 1 minute')
);
-- one pending invitation per address and project
CREATE UNIQUE INDEX invitations_pending ON invitations (project_id, email_key)
    WHERE status = 'pending';
CREATE INDEX invitations_sent ON invitations (invited_by, created_at DESC, id DESC);
CREATE INDEX invitations_received ON invitations (email_key, created_at DESC, id DESC);

-- What guests did: one row per guest write and per verified link.
CREATE TABLE guest_audit (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invitation_id  uuid NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    project_id     uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    action         text NOT NULL,
    target         uuid,
    client_ip      text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX guest_audit_project ON guest_audit (project_id, id DESC);

-- A user's contact list.
CREATE TABLE friends (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    friend_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, friend_id),
    CONSTRAINT friends_not_self CHECK (user_id <> friend_id)
);

-- A deleted project ends its guests' tokens at once: the guest check
-- reads the project's deleted_at too; raising the version here also ends
-- them should the project come back.
CREATE FUNCTION invitations_project_deleted() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE invitations SET token_version = token_version + 1, updated_at = now()
        WHERE project_id = NEW.id AND status = 'pending';
    RETURN NULL;
END $$;
CREATE TRIGGER invitations_project_deleted AFTER UPDATE OF deleted_at ON projects
    FOR EACH ROW WHEN (NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL)
    EXECUTE FUNCTION invitations_project_deleted();
