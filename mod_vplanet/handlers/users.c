/* The caller's own account and the user search (spec section 3,
 * /api/v1/users). */
#include "../handlers.h"
#include "../db.h"
#include "vpcore/vp_sql.h"
#include "vpcore/vp_text.h"

#include <apr_strings.h>

int vp_h_me_get(vp_req_t *q)
{
    int st = vp_authenticate(q, VP_ACT_ACCOUNT);
    return st ? st : vp_ok(q, HTTP_OK, "your account", json_incref(q->who->user));
}

struct me {
    const char *nickname, *hash, *locale;
    int avatar_set;
    const char *avatar;
    json_t *out;
};

static int me_tx(vp_req_t *q, void *ctx)
{
    struct me *m = ctx;
    const char *id = q->who->id;
    PGresult *res;
    int st;

    if (m->nickname) {
        if ((st = vp_db_exec(q, VP_SQL_USER_TAKEN, &res, "", m->nickname, id)))
            return st;
        if (PQgetvalue(res, 0, 1)[0] == 't')
            return vp_fail_field(q, HTTP_CONFLICT, "nickname", "is already taken");
    }
    if ((st = vp_db_exec(q, VP_SQL_USER_UPDATE, &res, id, m->nickname,
                         m->avatar_set ? "true" : "false", m->avatar, m->locale)))
        return st;
    m->out = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    if (!m->hash)
        return 0;
    /* a new password ends every other session; this one stays */
    if ((st = vp_db_exec(q, VP_SQL_USER_SET_PASSWORD, NULL, id, m->hash)))
        return st;
    return vp_db_exec(q, VP_SQL_REFRESH_REVOKE_USER, NULL, id, q->who->sid);
}

/* Checks the current password of a password change: limited like a login,
 * since it is one. */
static int check_current(vp_req_t *q, const char *current, const char *email)
{
    const char *key;
    PGresult *res;
    int st;

    if ((st = vp_email_key(q, email, &key)) || (st = vp_login_limits(q, key))
        || (st = vp_db_exec(q, VP_SQL_USER_PASSWORD, &res, q->who->id)))
        return st;
    if (PQntuples(res) != 1 || !vp_password_verify(PQgetvalue(res, 0, 0), current))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "current_password", "is not correct");
    return 0;
}

static int valid_url(const char *s)
{
    const char *c;

    if (strncmp(s, "https://", 8) && strncmp(s, "http://", 7))
        return 0;
    for (c = s; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f || *c == '"' || *c == '<' || *c == '>')
            return 0;
    return 1;
}

int vp_h_me_patch(vp_req_t *q)
{
    struct me m = {0};
    const char *email, *current, *fresh;
    json_t *body, *avatar;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_read_json(q, vp_user_me_fields, &body)))
        return st;
    email = json_string_value(json_object_get(q->who->user, "email"));
    m.nickname = vp_str(body, "nickname");
    m.locale = vp_str(body, "locale");      /* ko or en: the field table checks it */
    if ((avatar = json_object_get(body, "avatar_url"))) {
        m.avatar_set = 1;
        m.avatar = json_string_value(avatar);
        if (m.avatar && !*m.avatar)
            m.avatar = NULL;    /* "" clears it, like null */
        if (m.avatar && !valid_url(m.avatar))
            return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "avatar_url",
                                 "must be an http or https URL");
    }
    current = vp_str(body, "current_password");
    fresh = vp_str(body, "new_password");
    if (!current != !fresh)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY,
                             fresh ? "current_password" : "new_password",
                             "is required to change the password");
    if (fresh) {
        if ((st = vp_check_password(q, "new_password", fresh, email))
            || (st = check_current(q, current, email))
            || (st = vp_hash_password(q, fresh, &m.hash)))
            return st;
    }
    if ((st = vp_db_tx(q, me_tx, &m)))
        return st;
    return vp_ok(q, HTTP_OK, m.hash ? "account updated; other sessions were signed out"
                                    : "account updated", json_incref(m.out));
}

struct deletion {
    const char *reason;
    json_t *out;
};

static int delete_tx(vp_req_t *q, void *ctx)
{
    struct deletion *d = ctx;
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_USER_SOFT_DELETE, &res, q->who->id, d->reason))
        || (st = vp_db_exec(q, VP_SQL_REFRESH_REVOKE_USER, NULL, q->who->id, NULL)))
        return st;
    d->out = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    json_object_set_new(d->out, "can_recover", json_true());
    return 0;
}

int vp_h_me_delete(vp_req_t *q)
{
    struct deletion d = {0};
    json_t *body;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_read_json_opt(q, vp_user_delete_fields, &body)))
        return st;
    d.reason = vp_str(body, "reason");
    if (!d.reason)
        d.reason = "";
    if ((st = vp_db_tx(q, delete_tx, &d)))
        return st;
    return vp_ok(q, HTTP_OK, "account deleted; it can be recovered for 30 days",
                 json_incref(d.out));
}

/* ?q= prefix of a nickname or email, for invitations: at most 20 matches,
 * and nothing but id, nickname and avatar of each. */
int vp_h_user_search(vp_req_t *q)
{
    const char *term = apr_table_get(q->args, "q"), *key;
    char *pattern;
    PGresult *res;
    json_t *rows;
    size_t n;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)))
        return st;
    n = term ? vp_utf8_len(term) : 0;
    if (n < 2 || n > 100)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "q", "must be 2 to 100 characters");
    if (!(key = vp_text_key(q->r->pool, term)))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "q", "must be UTF-8 text");
    pattern = vp_like_pattern(q->r->pool, term, 0);
    if ((st = vp_db_exec(q, VP_SQL_USER_SEARCH, &res, pattern, q->who->id,
                         vp_like_pattern(q->r->pool, key, 0))))
        return st;
    rows = vp_db_rows(res);
    return vp_ok(q, HTTP_OK, "users found",
                 json_pack("{s:i, s:o}", "count", (int)json_array_size(rows), "results", rows));
}
