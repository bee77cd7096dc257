#include "vp_sql.h"
#include "vp_text.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* What a user sees of an account (spec section 3). */
#define USER_COLS \
    "id, email, nickname, login_method, email_verified," \
    " rfc3339(email_verified_at) AS email_verified_at, avatar_url," \
    " rfc3339(created_at) AS created_at, rfc3339(last_login_at) AS last_login_at"

/* The access decision's (vpcore/vp_access.c), prepared by the module and
 * vplanetd alike. $2: the session (refresh family) of the token. */
#define USER_ACTIVE \
    "SELECT " USER_COLS " FROM users WHERE id = $1::uuid AND is_active AND NOT is_deleted" \
    " AND NOT EXISTS (SELECT 1 FROM refresh_tokens" \
    " WHERE family_id = $2::uuid AND revoked_at IS NOT NULL)"

const vp_stmt_t vp_statements[] = {
    /* health and meta */
    {"vp_ping", "SELECT 1"},
    {"vp_schema_version",
     "SELECT version, count(*) OVER () AS applied, rfc3339(applied_at) AS applied_at"
     " FROM schema_migrations ORDER BY version DESC LIMIT 1"},

    /* users */
    {"vp_user_active", USER_ACTIVE},
    {"vp_user_credentials", /* $1: the key of an email (vpcore/vp_text.h) */
     "SELECT id, password_hash, is_active, is_deleted,"
     " (is_deleted AND can_recover AND recovery_deadline > now()) AS recoverable,"
     " rfc3339(recovery_deadline) AS recovery_deadline"
     " FROM users WHERE email_key = $1"},
    {"vp_user_taken",       /* $1: the key of an email (vpcore/vp_text.h) */
     "SELECT EXISTS (SELECT 1 FROM users WHERE email_key = $1) AS email,"
     " EXISTS (SELECT 1 FROM users WHERE lower(nickname) = lower($2)"
     " AND id IS DISTINCT FROM $3::uuid) AS nickname"},
    {"vp_user_insert",
     "INSERT INTO users (email, nickname, password_hash, email_key) VALUES ($1, $2, $3, $4)"
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
     " WHERE email_key = $1 AND is_active AND NOT is_deleted"},
    {"vp_user_search",   /* $1, $3: escaped LIKE prefix patterns of the term and its key */
     "SELECT id, nickname, avatar_url FROM users"
     " WHERE is_active AND NOT is_deleted AND id <> $2::uuid"
     " AND (lower(nickname) LIKE lower($1) ESCAPE '\\' OR email_key LIKE $3 ESCAPE '\\')"
     " ORDER BY lower(nickname) LIMIT 20"},

    /* refresh tokens */
    {"vp_refresh_insert",
     "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at)"
     " VALUES ($1::uuid, $2::uuid, $3::uuid, $4, to_timestamp($5::bigint))"},
    {"vp_refresh_rotate",
     "UPDATE refresh_tokens SET rotated_at = now()"
     " WHERE id = $1::uuid AND token_hash = $2 AND rotated_at IS NULL"
     " AND revoked_at IS NULL AND expires_at > now() RETURNING user_id, family_id"},
    {"vp_refresh_seal",     /* $2: the successor pair, sealed under the rotated token */
     "UPDATE refresh_tokens SET successor_sealed = $2 WHERE id = $1::uuid"},
    {"vp_refresh_grace",    /* a token rotated less than $3 seconds ago, session alive */
     "SELECT user_id, family_id, successor_sealed FROM refresh_tokens"
     " WHERE id = $1::uuid AND token_hash = $2 AND revoked_at IS NULL"
     " AND successor_sealed IS NOT NULL AND rotated_at > now() - make_interval(secs => $3::int)"},
    {"vp_refresh_family",
     "SELECT user_id, family_id FROM refresh_tokens WHERE id = $1::uuid AND token_hash = $2"},
    /* Revocations lock their rows in id order: two of them on one session
     * (a refresh race, a logout beside it) deadlocked in scan order. */
    {"vp_refresh_revoke_family",
     "UPDATE refresh_tokens SET revoked_at = now() WHERE id IN (SELECT id FROM refresh_tokens"
     " WHERE family_id = $1::uuid AND revoked_at IS NULL ORDER BY id FOR UPDATE)"},
    {"vp_refresh_revoke_user",
     "UPDATE refresh_tokens SET revoked_at = now() WHERE id IN (SELECT id FROM refresh_tokens"
     " WHERE user_id = $1::uuid AND revoked_at IS NULL AND family_id IS DISTINCT FROM $2::uuid"
     " ORDER BY id FOR UPDATE)"},

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

    /* projects: access */
    {"vp_member_role",
     "SELECT m.role FROM project_members m JOIN projects p ON p.id = m.project_id"
     " WHERE m.project_id = $1::uuid AND m.user_id = $2::uuid AND p.deleted_at IS NULL"},
    {"vp_member_role_lock", /* after vp_project_lock, in a write's transaction */
     "SELECT m.role FROM project_members m JOIN projects p ON p.id = m.project_id"
     " WHERE m.project_id = $1::uuid AND m.user_id = $2::uuid AND p.deleted_at IS NULL"
     " FOR SHARE OF m"},
    {"vp_member_role_deleted",  /* a restore candidate: deleted 30 days ago at most */
     "SELECT m.role FROM project_members m JOIN projects p ON p.id = m.project_id"
     " WHERE m.project_id = $1::uuid AND m.user_id = $2::uuid AND p.deleted_at IS NOT NULL"
     " AND p.deleted_at > now() - interval '30 days'"},

    /* projects ($1 of the list: the caller; $5: an ordering key of
     * handlers/projects.c; $6, $7: limit, offset) */
    {"vp_project_list",
     "WITH mine AS (SELECT p.id, m.role, row_number() OVER (ORDER BY"
     "  CASE WHEN $5 = 'name' THEN lower(p.name) END ASC,"
     "  CASE WHEN $5 = '-name' THEN lower(p.name) END DESC,"
     "  CASE WHEN $5 = 'created_at' THEN p.created_at END ASC,"
     "  CASE WHEN $5 = '-created_at' THEN p.created_at END DESC,"
     "  CASE WHEN $5 = 'updated_at' THEN p.updated_at END ASC,"
     "  CASE WHEN $5 = '-updated_at' THEN p.updated_at END DESC,"
     "  CASE WHEN $5 = 'start_date' THEN p.start_date END ASC NULLS LAST,"
     "  CASE WHEN $5 = '-start_date' THEN p.start_date END DESC NULLS LAST,"
     "  CASE WHEN $5 = 'end_date' THEN p.end_date END ASC NULLS LAST,"
     "  CASE WHEN $5 = '-end_date' THEN p.end_date END DESC NULLS LAST,"
     "  CASE WHEN $5 = 'progress' THEN p.progress END ASC,"
     "  CASE WHEN $5 = '-progress' THEN p.progress END DESC,"
     "  p.id) AS rn"
     " FROM project_members m JOIN projects p ON p.id = m.project_id"
     " WHERE m.user_id = $1::uuid AND p.deleted_at IS NULL"
     " AND ($2::text IS NULL OR p.status = $2)"
     " AND ($3::text = 'all' OR p.archived = ($3::text = 'true'))"
     " AND ($4::text IS NULL OR lower(p.name) LIKE lower($4) ESCAPE '\\'"
     "      OR lower(p.manager) LIKE lower($4) ESCAPE '\\'"
     "      OR lower(p.consumer) LIKE lower($4) ESCAPE '\\'))"
     " SELECT (SELECT count(*) FROM mine) AS total,"
     " coalesce((SELECT json_agg(project_json(v, mine.role) ORDER BY mine.rn)"
     "  FROM mine JOIN project_view v ON v.id = mine.id"
     "  WHERE mine.rn > $7::int AND mine.rn <= $7::int + $6::int), '[]') AS results"},
    {"vp_project_get",
     "SELECT project_json(v, m.role) AS project FROM project_view v"
     " LEFT JOIN project_members m ON m.project_id = v.id AND m.user_id = $2::uuid"
     " WHERE v.id = $1::uuid AND v.deleted_at IS NULL"},
    {"vp_project_insert",   /* $2: the validated body */
     "INSERT INTO projects (owner_id, name, manager, consumer, description, color,"
     " tone_manner, genre, concept, status, progress, start_date, end_date)"
     " SELECT $1::uuid, b.name, coalesce(b.manager, ''), coalesce(b.consumer, ''),"
     " coalesce(b.description, ''), coalesce(b.color, '#1631F8'), b.tone_manner, b.genre,"
     " b.concept, coalesce(b.status, 'planning'), coalesce(b.progress, 0), b.start_date,"
     " b.end_date FROM jsonb_populate_record(NULL::projects, $2::jsonb) b RETURNING id"},
    {"vp_project_update",   /* $2: the validated body; absent keys keep their value */
     "UPDATE projects p SET"
     " name = CASE WHEN $2::jsonb ? 'name' THEN b.name ELSE p.name END,"
     " manager = CASE WHEN $2::jsonb ? 'manager' THEN b.manager ELSE p.manager END,"
     " consumer = CASE WHEN $2::jsonb ? 'consumer' THEN b.consumer ELSE p.consumer END,"
     " description = CASE WHEN $2::jsonb ? 'description' THEN b.description ELSE p.description END,"
     " color = CASE WHEN $2::jsonb ? 'color' THEN b.color ELSE p.color END,"
     " tone_manner = CASE WHEN $2::jsonb ? 'tone_manner' THEN b.tone_manner ELSE p.tone_manner END,"
     " genre = CASE WHEN $2::jsonb ? 'genre' THEN b.genre ELSE p.genre END,"
     " concept = CASE WHEN $2::jsonb ? 'concept' THEN b.concept ELSE p.concept END,"
     " status = CASE WHEN $2::jsonb ? 'status' THEN b.status ELSE p.status END,"
     " progress = CASE WHEN $2::jsonb ? 'progress' THEN b.progress ELSE p.progress END,"
     " start_date = CASE WHEN $2::jsonb ? 'start_date' THEN b.start_date ELSE p.start_date END,"
     " end_date = CASE WHEN $2::jsonb ? 'end_date' THEN b.end_date ELSE p.end_date END,"
     " actual_end_date = CASE WHEN $2::jsonb ? 'actual_end_date' THEN b.actual_end_date"
     "  ELSE p.actual_end_date END,"
     " archived = CASE WHEN $2::jsonb ? 'archived' THEN b.archived ELSE p.archived END,"
     " updated_at = now()"
     " FROM jsonb_populate_record(NULL::projects, $2::jsonb) b"
     " WHERE p.id = $1::uuid AND p.deleted_at IS NULL RETURNING p.id"},
    {"vp_project_touch",
     "UPDATE projects SET updated_at = now() WHERE id = $1::uuid"},
    {"vp_project_delete",
     "UPDATE projects SET deleted_at = now(), updated_at = now()"
     " WHERE id = $1::uuid AND deleted_at IS NULL"
     " RETURNING id, rfc3339(deleted_at) AS deleted_at,"
     " rfc3339(deleted_at + interval '30 days') AS restore_deadline"},
    {"vp_project_restore",  /* after vp_restore_access, under vp_project_lock */
     "UPDATE projects p SET deleted_at = NULL, updated_at = now()"
     " WHERE p.id = $1::uuid AND p.deleted_at IS NOT NULL"
     " AND p.deleted_at > now() - interval '30 days' RETURNING p.id"},
    {"vp_project_lock",     /* serialises the writes of one project (vp_project_tx) */
     "SELECT 1 FROM projects WHERE id = $1::uuid FOR UPDATE"},
    /* A statement of its own, run after vp_project_lock: its snapshot then
     * holds what the lock's previous holder committed (a count in the
     * locking statement itself would be as old as that statement's start). */
    {"vp_member_count",
     "SELECT count(*) AS members FROM project_members WHERE project_id = $1::uuid"},
    {"vp_project_set_owner",
     "UPDATE projects SET owner_id = $2::uuid, updated_at = now() WHERE id = $1::uuid"},
    {"vp_project_stats",
     "SELECT json_build_object("
     " 'members', (SELECT count(*) FROM project_members WHERE project_id = $1::uuid),"
     " 'members_by_role', (SELECT coalesce(json_object_agg(role, n), '{}') FROM"
     "   (SELECT role, count(*) AS n FROM project_members WHERE project_id = $1::uuid"
     "    GROUP BY role) r),"
     " 'phases_by_status', (SELECT coalesce(json_object_agg(status, n), '{}') FROM"
     "   (SELECT status, count(*) AS n FROM project_phases WHERE project_id = $1::uuid"
     "    GROUP BY status) s),"
     " 'memos', (SELECT count(*) FROM project_memos WHERE project_id = $1::uuid)) AS stats"},

    /* members */
    {"vp_member_list",
     "WITH ms AS (SELECT m.*, row_number() OVER (ORDER BY array_position("
     "  ARRAY['owner', 'admin', 'editor', 'reviewer', 'viewer'], m.role), m.joined_at, m.user_id) AS rn"
     " FROM project_members m WHERE m.project_id = $1::uuid)"
     " SELECT (SELECT count(*) FROM ms) AS total,"
     " coalesce((SELECT json_agg(member_json(m) ORDER BY ms.rn) FROM ms"
     "  JOIN project_members m USING (project_id, user_id)"
     "  WHERE ms.rn > $3::int AND ms.rn <= $3::int + $2::int), '[]') AS results"},
    {"vp_member_insert",
     "INSERT INTO project_members (project_id, user_id, role) VALUES ($1::uuid, $2::uuid, $3)"
     " RETURNING member_json(project_members) AS member"},
    {"vp_member_set_role",
     "UPDATE project_members m SET role = $3 WHERE project_id = $1::uuid AND user_id = $2::uuid"
     " RETURNING member_json(m) AS member"},
    {"vp_member_delete",
     "DELETE FROM project_members WHERE project_id = $1::uuid AND user_id = $2::uuid"},
    {"vp_user_exists",
     "SELECT 1 FROM users WHERE id = $1::uuid AND is_active AND NOT is_deleted"},

    /* schedule */
    {"vp_phases_create",
     "INSERT INTO project_phases (project_id, phase, position)"
     " SELECT $1::uuid, t.phase, t.position FROM unnest(ARRAY['basic_plan', 'story_board',"
     " 'filming', 'video_edit', 'post_work', 'video_preview', 'confirmation',"
     " 'video_delivery']) WITH ORDINALITY AS t(phase, position)"},
    {"vp_phases_get",
     "SELECT coalesce(json_agg(phase_json(f) ORDER BY f.position), '[]') AS phases"
     " FROM project_phases f WHERE f.project_id = $1::uuid"},
    {"vp_phases_update",    /* $2: a JSON array of validated phase objects */
     "UPDATE project_phases f SET"
     " start_date = CASE WHEN x.j ? 'start_date' THEN (x.j->>'start_date')::date ELSE f.start_date END,"
     " end_date = CASE WHEN x.j ? 'end_date' THEN (x.j->>'end_date')::date ELSE f.end_date END,"
     " status = CASE WHEN x.j ? 'status' THEN x.j->>'status' ELSE f.status END,"
     " progress = CASE WHEN x.j ? 'progress' THEN (x.j->>'progress')::int ELSE f.progress END,"
     " actual_end_date = CASE WHEN x.j ? 'actual_end_date' THEN (x.j->>'actual_end_date')::date"
     "  ELSE f.actual_end_date END,"
     " updated_at = now()"
     " FROM jsonb_array_elements($2::jsonb) AS x(j)"
     " WHERE f.project_id = $1::uuid AND f.phase = x.j->>'phase'"},

    /* memos */
    {"vp_memo_list",
     "WITH ms AS (SELECT m.id, row_number() OVER (ORDER BY m.date DESC, m.created_at DESC, m.id)"
     "  AS rn FROM project_memos m WHERE m.project_id = $1::uuid)"
     " SELECT (SELECT count(*) FROM ms) AS total,"
     " coalesce((SELECT json_agg(memo_json(m) ORDER BY ms.rn) FROM ms"
     "  JOIN project_memos m ON m.id = ms.id"
     "  WHERE ms.rn > $3::int AND ms.rn <= $3::int + $2::int), '[]') AS results"},
    {"vp_memo_insert",
     "INSERT INTO project_memos (project_id, date, memo, author_id)"
     " VALUES ($1::uuid, $2::date, $3, $4::uuid) RETURNING memo_json(project_memos) AS memo"},
    {"vp_memo_update",
     "UPDATE project_memos m SET date = coalesce($3::date, m.date), memo = coalesce($4, m.memo),"
     " updated_at = now() WHERE m.project_id = $1::uuid AND m.id = $2::uuid"
     " RETURNING memo_json(m) AS memo"},
    {"vp_memo_delete",
     "DELETE FROM project_memos WHERE project_id = $1::uuid AND id = $2::uuid RETURNING id"},

    /* events */
    /* The project row stays locked until commit, so the events of one
     * project commit in id order: a reader following ids never skips one
     * that commits late (vplanetd relies on it). Writers of an existing
     * project hold that lock already (vp_project_tx): taken here first
     * after a foreign key's KEY SHARE, it deadlocked. */
    {"vp_event_insert",
     "WITH p AS (SELECT id FROM projects WHERE id = $1::uuid FOR UPDATE),"
     " e AS (INSERT INTO events (project_id, type, actor_id, payload)"
     " SELECT p.id, $2, $3::uuid, $4::jsonb FROM p RETURNING id, project_id)"
     " SELECT pg_notify('vplanet_events', json_build_object('id', id, 'project_id',"
     " project_id)::text) FROM e"},
    {"vp_event_list",       /* events after $2 that member $5 may read (sql/0007),
                             * paginated ($3 size, $4 offset) */
     "WITH ev AS (SELECT * FROM events WHERE project_id = $1::uuid AND id > $2::bigint"
     " AND id > (SELECT joined_after_event FROM project_members"
     "  WHERE project_id = $1::uuid AND user_id = $5::uuid))"
     " SELECT (SELECT count(*) FROM ev) AS total,"
     " coalesce((SELECT json_agg(event_json(e) ORDER BY e.id)"
     "  FROM (SELECT * FROM ev ORDER BY id LIMIT $3::int OFFSET $4::int) e), '[]') AS results"},

    /* idempotency keys (live for 24 hours) */
    {"vp_idem_get",
     "SELECT request_hash, status, message, response FROM idempotency_keys"
     " WHERE user_id = $1::uuid AND key = $2 AND created_at > now() - interval '24 hours'"},
    {"vp_idem_put",         /* a dead key of the same name is replaced */
     "INSERT INTO idempotency_keys AS k (user_id, key, request_hash, status, message, response)"
     " VALUES ($1::uuid, $2, $3, $4::int, $5, $6::json)"
     " ON CONFLICT (user_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
     " status = EXCLUDED.status, message = EXCLUDED.message, response = EXCLUDED.response,"
     " created_at = now() WHERE k.created_at <= now() - interval '24 hours' RETURNING 1"},

    /* mail */
    {"vp_outbox_insert",
     "INSERT INTO outbox (recipient, subject, body_text, body_html, kind)"
     " VALUES ($1, $2, $3, $4, $5) RETURNING id"},
    {NULL, NULL}
};

/* vplanetd's statements (prepared on its own connections). */
const vp_stmt_t vp_sidecar_statements[] = {
    {"vp_user_active", USER_ACTIVE},
    /* a member's role (vp_access_project), and in the same snapshot the
     * first event id the client may read minus one and the project's last
     * event id: a removal committed later has a greater id than the last
     * one seen here */
    {"vpd_member",
     "SELECT m.role, m.joined_after_event,"
     " (SELECT coalesce(max(id), 0) FROM events WHERE project_id = $1::uuid)"
     " FROM project_members m JOIN projects p ON p.id = m.project_id"
     " WHERE m.project_id = $1::uuid AND m.user_id = $2::uuid AND p.deleted_at IS NULL"},
    {"vpd_project_live",    /* whether a project.deleted still holds */
     "SELECT 1 FROM projects WHERE id = $1::uuid AND deleted_at IS NULL"},
    /* housekeeping: old events and idempotency keys, and the sealed pairs
     * of refresh tokens rotated longer ago than the longest reuse window
     * (300 s): an old token found later must open nothing */
    {"vpd_prune",
     "WITH s AS (UPDATE refresh_tokens SET successor_sealed = NULL"
     " WHERE successor_sealed IS NOT NULL AND rotated_at < now() - interval '300 seconds'"
     " RETURNING 1)"
     " SELECT vplanet_prune_events(), vplanet_prune_idempotency_keys(), (SELECT count(*) FROM s)"},
    {"vpd_events_after",    /* at most $3, oldest first; the member an event
                             * concerns and its new role decide who keeps access */
     "SELECT e.id, event_json(e)::text, e.type,"
     " coalesce(e.payload->>'user_id', e.payload->'user'->>'id'), e.payload->>'role'"
     " FROM events e"
     " WHERE e.project_id = $1::uuid AND e.id > $2::bigint ORDER BY e.id LIMIT $3::int"},
    {NULL, NULL}
};

static const vp_constraint_t constraints[] = {
    {"users_email_key", "email", "is already registered"},
    {"users_nickname_key", "nickname", "is already taken"},
    {"projects_owner_name", "name", "is already the name of another of the owner's projects"},
    {"projects_dates", "end_date", "must not be before start_date"},
    {"project_phases_dates", "end_date", "must not be before start_date"},
    {"project_members_pkey", "user_id", "is already a member"},
    {NULL, NULL, NULL}
};

const vp_constraint_t *vp_constraint(const char *name)
{
    const vp_constraint_t *c;

    for (c = constraints; name && c->constraint; c++)
        if (strcmp(c->constraint, name) == 0)
            return c;
    return NULL;
}

char *vp_like_pattern(apr_pool_t *p, const char *term, int anywhere)
{
    char *nfc = vp_text_nfc(term);     /* stored text is NFC, so is its search */
    const char *t = nfc ? nfc : term, *c;
    char *pattern = apr_palloc(p, strlen(t) * 2 + 3), *o = pattern;

    if (anywhere)
        *o++ = '%';
    for (c = t; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            *o++ = '\\';
        *o++ = *c;
    }
    *o++ = '%';
    *o = '\0';
    free(nfc);
    return pattern;
}
