#include "vp_sql.h"

#include <stddef.h>

/* What a user sees of an account (spec section 3). */
#define USER_COLS \
    "id, email, nickname, login_method, email_verified," \
    " rfc3339(email_verified_at) AS email_verified_at, avatar_url," \
    " rfc3339(created_at) AS created_at, rfc3339(last_login_at) AS last_login_at"

const vp_stmt_t vp_statements[] = {
    /* health and meta */
    {"vp_ping", "SELECT 1"},
    {"vp_schema_version",
     "SELECT version, count(*) OVER () AS applied, rfc3339(applied_at) AS applied_at"
     " FROM schema_migrations ORDER BY version DESC LIMIT 1"},

    /* users */
    {"vp_user_active",      /* $2: the session (refresh family) of the token */
     "SELECT " USER_COLS " FROM users WHERE id = $1::uuid AND is_active AND NOT is_deleted"
     " AND NOT EXISTS (SELECT 1 FROM refresh_tokens"
     " WHERE family_id = $2::uuid AND revoked_at IS NOT NULL)"},
    {"vp_user_credentials",
     "SELECT id, password_hash, is_active, is_deleted,"
     " (is_deleted AND can_recover AND recovery_deadline > now()) AS recoverable,"
     " rfc3339(recovery_deadline) AS recovery_deadline"
     " FROM users WHERE lower(email) = lower($1)"},
    {"vp_user_taken",
     "SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1)) AS email,"
     " EXISTS (SELECT 1 FROM users WHERE lower(nickname) = lower($2)"
     " AND id IS DISTINCT FROM $3::uuid) AS nickname"},
    {"vp_user_insert",
     "INSERT INTO users (email, nickname, password_hash) VALUES ($1, $2, $3)"
     " ON CONFLICT DO NOTHING RETURNING " USER_COLS},
    {"vp_user_logged_in",
     "UPDATE users SET last_login_at = now(), password_hash = coalesce($2, password_hash)"
     " WHERE id = $1::uuid RETURNING " USER_COLS},
    {"vp_user_password",
     "SELECT password_hash FROM users WHERE id = $1::uuid"},
    {"vp_user_set_password",
     "UPDATE users SET password_hash = $2, updated_at = now()"
     " WHERE id = $1::uuid AND is_active AND NOT is_deleted RETURNING id, email"},
    {"vp_user_update",
     "UPDATE users SET nickname = coalesce($2, nickname),"
     " avatar_url = CASE WHEN $3::boolean THEN $4 ELSE avatar_url END, updated_at = now()"
     " WHERE id = $1::uuid RETURNING " USER_COLS},
    {"vp_user_verify_email",
     "UPDATE users SET email_verified = true,"
     " email_verified_at = coalesce(email_verified_at, now()), updated_at = now()"
     " WHERE id = $1::uuid AND NOT is_deleted RETURNING " USER_COLS},
    {"vp_user_soft_delete",
     "UPDATE users SET is_deleted = true, deleted_at = now(), deletion_reason = $2,"
     " can_recover = true, recovery_deadline = now() + interval '30 days', updated_at = now()"
     " WHERE id = $1::uuid AND NOT is_deleted"
     " RETURNING rfc3339(deleted_at) AS deleted_at, rfc3339(recovery_deadline) AS recovery_deadline"},
    {"vp_user_recover",
     "UPDATE users SET is_deleted = false, deleted_at = NULL, deletion_reason = '',"
     " can_recover = false, recovery_deadline = NULL, updated_at = now(), last_login_at = now(),"
     " password_hash = coalesce($2, password_hash)"
     " WHERE id = $1::uuid AND is_deleted AND can_recover AND recovery_deadline > now()"
     " RETURNING " USER_COLS},
    {"vp_user_for_mail",
     "SELECT id, email, nickname FROM users"
     " WHERE lower(email) = lower($1) AND is_active AND NOT is_deleted"},
    {"vp_user_search",   /* $1: an escaped LIKE prefix pattern */
     "SELECT id, nickname, avatar_url FROM users"
     " WHERE is_active AND NOT is_deleted AND id <> $2::uuid"
     " AND (lower(nickname) LIKE lower($1) ESCAPE '\\' OR lower(email) LIKE lower($1) ESCAPE '\\')"
     " ORDER BY lower(nickname) LIMIT 20"},

    /* refresh tokens */
    {"vp_refresh_insert",
     "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at)"
     " VALUES ($1::uuid, $2::uuid, $3::uuid, $4, to_timestamp($5::bigint))"},
    {"vp_refresh_rotate",
     "UPDATE refresh_tokens SET rotated_at = now()"
     " WHERE id = $1::uuid AND token_hash = $2 AND rotated_at IS NULL"
     " AND revoked_at IS NULL AND expires_at > now() RETURNING user_id, family_id"},
    {"vp_refresh_family",
     "SELECT user_id, family_id FROM refresh_tokens WHERE id = $1::uuid AND token_hash = $2"},
    {"vp_refresh_revoke_family",
     "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1::uuid AND revoked_at IS NULL"},
    {"vp_refresh_revoke_user",
     "UPDATE refresh_tokens SET revoked_at = now()"
     " WHERE user_id = $1::uuid AND revoked_at IS NULL AND family_id IS DISTINCT FROM $2::uuid"},

    /* single-use tokens */
    {"vp_token_insert",
     "INSERT INTO user_tokens (user_id, purpose, token_hash, expires_at)"
     " VALUES ($1::uuid, $2, $3, now() + make_interval(secs => $4::int))"},
    {"vp_token_use",
     "UPDATE user_tokens SET used_at = now() WHERE token_hash = $1 AND purpose = $2"
     " AND used_at IS NULL AND expires_at > now() RETURNING user_id"},

    {"vp_token_expire_user",
     "UPDATE user_tokens SET used_at = now()"
     " WHERE user_id = $1::uuid AND purpose = $2 AND used_at IS NULL"},

    /* mail */
    {"vp_outbox_insert",
     "INSERT INTO outbox (recipient, subject, body_text, body_html, kind)"
     " VALUES ($1, $2, $3, $4, $5) RETURNING id"},
    {NULL, NULL}
};
