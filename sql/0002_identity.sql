-- Identity and access (spec section 3): users, refresh tokens, single-use
-- tokens for email verification and password reset, and the mail outbox.

CREATE TABLE users (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email             text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    nickname          text NOT NULL CHECK (char_length(nickname) BETWEEN 2 AND 30),
    password_hash     text NOT NULL DEFAULT '',
    login_method      text NOT NULL DEFAULT 'email'
                      CHECK (login_method IN ('email', 'google', 'kakao', 'naver')),
    email_verified    boolean NOT NULL DEFAULT false,
    email_verified_at timestamptz,
    avatar_url        text CHECK (avatar_url IS NULL OR length(avatar_url) <= 500),
    is_active         boolean NOT NULL DEFAULT true,
    is_deleted        boolean NOT NULL DEFAULT false,
    deleted_at        timestamptz,
    deletion_reason   text NOT NULL DEFAULT '' CHECK (char_length(deletion_reason) <= 200),
    can_recover       boolean NOT NULL DEFAULT false,
    recovery_deadline timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    last_login_at     timestamptz
);
-- case-insensitive uniqueness: Foo@x.com and foo@X.com are one account
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_nickname_key ON users (lower(nickname));
CREATE INDEX users_nickname_prefix ON users (lower(nickname) text_pattern_ops);
CREATE INDEX users_email_prefix ON users (lower(email) text_pattern_ops);

-- Refresh tokens are stored hashed. A family is one login session: every
-- rotation adds a row to it; presenting a rotated token revokes the family.
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,                -- the token's jti
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   uuid NOT NULL,
    token_hash  text NOT NULL UNIQUE,            -- sha256 hex of the JWT
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    rotated_at  timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;

-- Single-use tokens sent by email; only their hash is kept.
CREATE TABLE user_tokens (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
    token_hash  text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

-- Every email is a row written in the transaction of the change that caused
-- it; the sidecar (vplanetd) delivers queued rows with retries.
CREATE TABLE outbox (
    id               bigserial PRIMARY KEY,
    recipient        text NOT NULL,
    subject          text NOT NULL,
    body_text        text NOT NULL,
    body_html        text NOT NULL,
    kind             text NOT NULL,
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'queued';
