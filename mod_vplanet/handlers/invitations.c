/* Invitations, guest links, the guest audit and friends (spec section 7).
 *
 * A link's token is 32 random bytes; only its SHA-256 is stored. Verifying
 * a link gives a guest token (typ guest) bound to the invitation, its
 * project, its role and its token_version: vp_access_identify checks the
 * invitation on every request, so a cancel, a decline, an accept or the
 * project's deletion (each raises the version or ends the invitation)
 * ends the guest's tokens at once. What a guest may do is vp_may's to say. */
#include "../handlers.h"
#include "../db.h"
#include "vpcore/vp_locale.h"
#include "vpcore/vp_mail.h"
#include "vpcore/vp_reqid.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <openssl/crypto.h>

#define NO_INVITATION "no such invitation"
#define MAX_MEMBERS 50      /* handlers/members.c's cap */
#define MAX_SENDS 4         /* the first send and 3 resends */
/* the path of the frontend page a link opens (README "Invitations and guests") */
#define LINK_PATH "/invitation?token="
/* what the logs show of a verify request's query */
#define REDACTED "token=REDACTED"

static const char *const invitation_keys[] = {
    "id", "batch_id", "project_id", "project", "email", "role", "message", "status", "invited_by",
    "expires_at", "created_at", "accepted_at", "send_count", "last_sent_at", NULL
};
static const char *const audit_keys[] = {
    "id", "actor", "invitation_id", "email", "action", "target", "client_ip", "created_at", NULL
};
static const char *const friend_keys[] = {"user", "created_at", NULL};
static const char *const statuses[] = {
    "pending", "accepted", "declined", "cancelled", "expired", NULL
};

/* ---- logs: a link's token never reaches them ---- */

/* s with its query (from '?' up to end, exclusive; NULL: the end)
 * replaced: the link's token may be under any spelling of its argument's
 * name (the module reads query names without regard to case). */
static char *redacted(apr_pool_t *p, const char *s, char end)
{
    const char *q, *rest;

    if (!s || !(q = strchr(s, '?')))
        return (char *)s;
    rest = end ? strchr(q, end) : NULL;
    return apr_pstrcat(p, apr_pstrndup(p, s, (apr_size_t)(q - s + 1)), REDACTED,
                       rest ? rest : "", NULL);
}

/* Strips the query from everything mod_log_config (%r %U %q) and the
 * error log may print of this request. */
static void redact_request(request_rec *r)
{
    r->the_request = redacted(r->pool, r->the_request, ' ');
    r->unparsed_uri = redacted(r->pool, r->unparsed_uri, '#');
    if (r->args)
        r->args = apr_pstrdup(r->pool, REDACTED);
    if (r->parsed_uri.query)
        r->parsed_uri.query = apr_pstrdup(r->pool, REDACTED);
}

/* ---- the audit ---- */

int vp_guest_audit(vp_req_t *q, const char *action, const char *target)
{
    if (!q->who || q->who->kind != VP_KIND_GUEST)
        return 0;
    return vp_db_exec(q, VP_SQL_GUEST_AUDIT_INSERT, NULL, q->who->id, q->project_id, action,
                      target && vp_is_uuid(target) ? target : NULL, vp_client_ip(q));
}

int vp_h_project_audit(vp_req_t *q)
{
    static const char *const actors[] = {"guest", NULL};
    const char *actor = "guest";
    vp_page_t pg;
    PGresult *res;
    int st;

    if ((st = vp_project_access(q, VP_ACT_AUDIT)) || (st = vp_list_page(q, &pg))
        || (st = vp_list_arg(q, "actor", actors, 0, &actor))
        || (st = vp_db_exec(q, VP_SQL_GUEST_AUDIT_LIST, &res, q->project_id,
                            apr_ltoa(q->r->pool, pg.size), apr_ltoa(q->r->pool, pg.offset))))
        return st;
    return vp_list_ok(q, &pg, res, audit_keys, "guest actions");
}

/* ---- the email of an invitation ---- */

/* Queues the email of invitation to email with the link's token, in the
 * caller's transaction. */
static int queue_mail(vp_req_t *q, const char *locale, const char *email, const char *token,
                      const char *inviter, const char *project, const char *role,
                      const char *message, const char *expires_at)
{
    apr_pool_t *p = q->r->pool;
    const char *link = apr_pstrcat(p, vp_url(q, ""), LINK_PATH, token, NULL);
    vp_mail_t m;

    vp_mail_invitation(p, locale, link, inviter, project, role, message ? message : "",
                       expires_at, &m);
    return vp_db_exec(q, VP_SQL_OUTBOX_INSERT, NULL, email, m.subject, m.text, m.html, m.kind);
}

static int no_randomness(vp_req_t *q)
{
    return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "internal error",
                            "VP0671: no randomness for an invitation token");
}

/* ---- a batch ---- */

typedef struct {
    json_t *emails;
    const char *role, *message, *expires_at, *locale;
    json_t *out;
} batch_t;

static json_t *failure(const char *email, const char *reason)
{
    return json_pack("{s:s, s:s}", "email", email, "reason", reason);
}

/* Under the project's lock: each address is refused (failed) or invited. */
static int batch_tx(vp_req_t *q, void *ctx)
{
    batch_t *b = ctx;
    apr_pool_t *p = q->r->pool;
    apr_hash_t *seen = apr_hash_make(p);
    const char *batch = vp_uuid_new(p), *inviter, *project;
    json_t *failed = vp_json_pool(p, json_array());
    PGresult *res;
    size_t i, n = json_array_size(b->emails);
    long queued = 0;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_INVITATION_EXPIRE, NULL, q->project_id))
        || (st = vp_db_exec(q, VP_SQL_INVITATION_CONTEXT, &res, q->who->id, q->project_id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "no such project", NULL);
    inviter = apr_pstrdup(p, PQgetvalue(res, 0, 0));
    project = apr_pstrdup(p, PQgetvalue(res, 0, 1));
    for (i = 0; i < n; i++) {
        const char *email = json_string_value(json_array_get(b->emails, i)), *key, *token;
        PGresult *state, *row;

        if (!vp_is_email(email)) {
            json_array_append_new(failed, failure(email, "invalid address"));
            continue;
        }
        if ((st = vp_email_key(q, email, &key)))
            return st;
        if (apr_hash_get(seen, key, APR_HASH_KEY_STRING)) {
            json_array_append_new(failed, failure(email, "duplicate in the batch"));
            continue;
        }
        apr_hash_set(seen, key, APR_HASH_KEY_STRING, key);
        if ((st = vp_db_exec(q, VP_SQL_INVITATION_STATE, &state, q->project_id, key)))
            return st;
        if (PQgetvalue(state, 0, 0)[0] == 't') {
            json_array_append_new(failed, failure(email, "already a member"));
            continue;
        }
        if (PQgetvalue(state, 0, 1)[0] == 't') {
            json_array_append_new(failed, failure(email, "already pending"));
            continue;
        }
        if (!(token = vp_token_random(p)))
            return no_randomness(q);
        if ((st = vp_db_exec(q, VP_SQL_INVITATION_INSERT, &row, batch, q->project_id, email, key,
                             b->role, b->message, q->who->id, vp_sha256_hex(p, token),
                             b->expires_at, b->locale))
            || (st = queue_mail(q, b->locale, email, token, inviter, project, b->role, b->message,
                                PQgetvalue(row, 0, 1)))
            /* an invitee with an account hears of it in the app too */
            || (!PQgetisnull(state, 0, 2)
                && (st = vp_db_exec(q, VP_SQL_INVITATION_NOTIFY, NULL, PQgetvalue(state, 0, 2),
                                    q->who->id, q->project_id, project))))
            return st;
        queued++;
    }
    b->out = vp_json_pool(p, json_pack("{s:s, s:I, s:I, s:O}", "batch_id", batch,
                                       "total", (json_int_t)n, "queued", (json_int_t)queued,
                                       "failed", failed));
    return vp_idempotency_record(q, HTTP_ACCEPTED, "invitations queued", b->out);
}

int vp_h_invitation_create(vp_req_t *q)
{
    batch_t b = {0};
    json_t *body;
    PGresult *res;
    size_t i;
    int st;

    if ((st = vp_project_access(q, VP_ACT_INVITE))
        || (st = vp_read_json(q, vp_invitation_create_fields, &body)))
        return st;
    b.emails = json_object_get(body, "emails");
    for (i = 0; i < json_array_size(b.emails); i++)
        if (!json_is_string(json_array_get(b.emails, i)))
            return vp_fail_field(q, HTTP_BAD_REQUEST,
                                 apr_psprintf(q->r->pool, "emails[%lu]", (unsigned long)i),
                                 "must be a string");
    b.role = vp_str(body, "role") ? vp_str(body, "role") : "reviewer";
    b.message = vp_str(body, "message") ? vp_str(body, "message") : "";
    if ((st = vp_db_exec(q, VP_SQL_INVITATION_EXPIRY, &res, vp_str(body, "expires_at"))))
        return st;
    if (PQgetvalue(res, 0, 1)[0] != 't')
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "expires_at", "must be in the future");
    if (PQgetvalue(res, 0, 2)[0] != 't')
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "expires_at",
                             "must be at most 30 days ahead");
    b.expires_at = PQgetvalue(res, 0, 0);
    /* the invitee has no account to read a language from: the inviter's
     * request says which (README "Invitations and guests") */
    b.locale = vp_locale_pick(apr_table_get(q->r->headers_in, "Accept-Language"));
    if ((st = vp_idempotency_begin(q, body)) || (st = vp_project_tx(q, VP_ACT_INVITE, batch_tx, &b)))
        return st;
    return vp_ok(q, HTTP_ACCEPTED, "invitations queued", json_incref(b.out));
}

/* ---- a link ---- */

/* The invitation of token (its row in *res) when it is pending: 0; else
 * 404 with {valid: false, reason} recorded. */
static int by_token(vp_req_t *q, const char *token, PGresult **res)
{
    const char *hash = vp_sha256_hex(q->r->pool, token ? token : ""), *reason = NULL;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_INVITATION_BY_TOKEN, res, hash)))
        return st;
    /* found by the hash's index; compared again in constant time */
    if (!token || !*token || PQntuples(*res) != 1
        || strlen(PQgetvalue(*res, 0, 1)) != strlen(hash)
        || CRYPTO_memcmp(PQgetvalue(*res, 0, 1), hash, strlen(hash)))
        reason = "invalid";
    else if (strcmp(PQgetvalue(*res, 0, 6), "pending"))
        reason = apr_pstrdup(q->r->pool, PQgetvalue(*res, 0, 6));
    if (!reason)
        return 0;
    q->data = vp_json_pool(q->r->pool, json_pack("{s:b, s:s}", "valid", 0, "reason", reason));
    return vp_fail(q, HTTP_NOT_FOUND, "invitation_invalid",
                   apr_pstrcat(q->r->pool, "the invitation is ", reason, NULL), NULL);
}

int vp_h_invitation_verify(vp_req_t *q)
{
    apr_pool_t *p = q->r->pool;
    const char *token = apr_table_get(q->args, "token"), *guest;
    vp_principal_t *who;
    vp_claims_t c = {0};
    PGresult *res;
    int st;

    redact_request(q->r);
    /* per client address: guessing links costs a lot of addresses */
    if ((st = vp_rate_limit(q, VP_RL_VERIFY, vp_client_ip(q))))
        return st;
    if (!token || !*token)
        return vp_fail_field(q, HTTP_BAD_REQUEST, "token", "is required");
    if ((st = by_token(q, token, &res)))
        return st;
    c.typ = "guest";
    c.sub = PQgetvalue(res, 0, 0);
    c.jti = vp_uuid_new(p);
    c.project_id = PQgetvalue(res, 0, 2);
    c.role = PQgetvalue(res, 0, 4);
    c.email = PQgetvalue(res, 0, 5);
    c.ver = strtol(PQgetvalue(res, 0, 8), NULL, 10);
    c.iat = (long)apr_time_sec(apr_time_now());
    c.exp = strtol(PQgetvalue(res, 0, 9), NULL, 10);
    if (!(guest = vp_token_sign(p, &q->cfg->keys, &c)))
        return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "internal error",
                                "VP0672: cannot sign a guest token");
    who = apr_pcalloc(p, sizeof *who);
    who->kind = VP_KIND_GUEST;
    who->id = c.sub;
    q->who = who;
    q->project_id = c.project_id;
    if ((st = vp_guest_audit(q, "invitation.verified", c.sub)))
        return st;
    return vp_ok(q, HTTP_OK, "the invitation is valid",
                 json_pack("{s:b, s:s, s:{s:s, s:s}, s:s, s:s, s:s, s:s}", "valid", 1,
                           "invitation_id", c.sub, "project", "id", c.project_id, "name",
                           PQgetvalue(res, 0, 3), "role", c.role, "email", c.email,
                           "guest_token", guest, "expires_at", PQgetvalue(res, 0, 7)));
}

/* ---- accepting ---- */

typedef struct {
    const char *id, *role, *name;
    json_t *out;
} accept_t;

static int accept_tx(vp_req_t *q, void *ctx)
{
    accept_t *a = ctx;
    PGresult *res, *member;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_PROJECT_LOCK, NULL, q->project_id))
        || (st = vp_db_exec(q, VP_SQL_MEMBER_ROLE, &res, q->project_id, q->who->id)))
        return st;
    if (PQntuples(res))
        return vp_fail(q, HTTP_CONFLICT, NULL, "you are already a member of this project", NULL);
    if ((st = vp_db_exec(q, VP_SQL_MEMBER_COUNT, &res, q->project_id)))
        return st;
    if (strtol(PQgetvalue(res, 0, 0), NULL, 10) >= MAX_MEMBERS)
        return vp_fail(q, HTTP_CONFLICT, NULL,
                       apr_psprintf(q->r->pool, "a project has at most %d members", MAX_MEMBERS),
                       NULL);
    /* the invitation ends (and its guest tokens with it) as the member joins */
    if ((st = vp_db_exec(q, VP_SQL_INVITATION_ACCEPT, &res, a->id, q->who->id)))
        return st;
    if (!PQntuples(res)) {
        q->data = vp_json_pool(q->r->pool, json_pack("{s:b, s:s}", "valid", 0, "reason", "used"));
        return vp_fail(q, HTTP_NOT_FOUND, "invitation_invalid", "the invitation is no longer pending",
                       NULL);
    }
    if ((st = vp_db_exec(q, VP_SQL_MEMBER_INSERT, &member, q->project_id, q->who->id, a->role)))
        return st;
    a->out = vp_json_pool(q->r->pool, vp_db_row(member, 0));
    if ((st = vp_event(q, "member.joined", a->out))
        || (st = vp_event(q, "invitation.accepted",
                          vp_json_pool(q->r->pool,
                                       json_pack("{s:s, s:s, s:s}", "invitation_id", a->id,
                                                 "accepted_by", q->who->id, "role", a->role)))))
        return st;
    a->out = vp_json_pool(q->r->pool, json_pack("{s:{s:s, s:s}, s:s, s:O}", "project", "id",
                                                q->project_id, "name", a->name, "role", a->role,
                                                "member", a->out));
    return 0;
}

int vp_h_invitation_accept(vp_req_t *q)
{
    accept_t a = {0};
    json_t *body;
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_read_json(q, vp_invitation_accept_fields, &body))
        || (st = by_token(q, vp_str(body, "token"), &res)))
        return st;
    a.id = PQgetvalue(res, 0, 0);
    a.name = PQgetvalue(res, 0, 3);
    a.role = PQgetvalue(res, 0, 4);
    q->project_id = PQgetvalue(res, 0, 2);
    if ((st = vp_db_tx(q, accept_tx, &a)))
        return st;
    vp_answers_changed(q, q->project_id);
    return vp_ok(q, HTTP_OK, "you joined the project", json_incref(a.out));
}

/* ---- decline, cancel, resend ---- */

typedef struct {
    const char *id, *status;        /* the change: cancelled | declined | resend */
    PGresult *acc;                  /* INVITATION_ACCESS's row */
    json_t *out;
} change_t;

/* Reads invitation {id} for a change: 404 when missing. */
static int load(vp_req_t *q, change_t *c)
{
    int st;

    if ((st = vp_param_uuid(q, "id", NO_INVITATION, &c->id))
        || (st = vp_db_exec(q, VP_SQL_INVITATION_ACCESS, &c->acc, c->id)))
        return st;
    return PQntuples(c->acc) ? 0 : vp_fail(q, HTTP_NOT_FOUND, NULL, NO_INVITATION, NULL);
}

/* The inviter, or whoever may invite on its project (an admin): 0; else
 * 404 to outsiders (other tenants' invitations stay unknown), 403 to
 * members without the role. */
static int inviter_access(vp_req_t *q, change_t *c)
{
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)) || (st = load(q, c)))
        return st;
    if (!PQgetisnull(c->acc, 0, 1) && !strcasecmp(PQgetvalue(c->acc, 0, 1), q->who->id)) {
        q->project_id = PQgetvalue(c->acc, 0, 0);
        return 0;
    }
    {
        int st2;
        vp_runner_t db = vp_db_runner(q, &st2);
        vp_verdict_t v = vp_access_project(&db, q->who, PQgetvalue(c->acc, 0, 0),
                                           VP_SQL_MEMBER_ROLE, VP_ACT_INVITE, NULL);

        if (v.outcome == VP_ACCESS_NOT_FOUND)
            return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_INVITATION, NULL);
        if ((st = vp_access_refuse(q, &v, st2)))
            return st;
    }
    q->project_id = PQgetvalue(c->acc, 0, 0);
    return 0;
}

static int not_pending(vp_req_t *q, const change_t *c)
{
    return vp_fail(q, HTTP_CONFLICT, NULL,
                   apr_pstrcat(q->r->pool, "the invitation is ", PQgetvalue(c->acc, 0, 3), NULL),
                   NULL);
}

static int end_tx(vp_req_t *q, void *ctx)
{
    change_t *c = ctx;
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_PROJECT_LOCK, NULL, q->project_id))
        || (st = vp_db_exec(q, VP_SQL_INVITATION_END, &res, c->id, c->status)))
        return st;
    if (!PQntuples(res))
        return not_pending(q, c);
    c->out = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    return vp_event(q, apr_pstrcat(q->r->pool, "invitation.", c->status, NULL),
                    vp_json_pool(q->r->pool, json_pack("{s:s, s:s}", "invitation_id", c->id,
                                                       "status", c->status)));
}

static int end_invitation(vp_req_t *q, change_t *c)
{
    int st;

    if (strcmp(PQgetvalue(c->acc, 0, 3), "pending"))
        return not_pending(q, c);
    if ((st = vp_db_tx(q, end_tx, c)))
        return st;
    vp_answers_changed(q, q->project_id);
    return vp_ok(q, HTTP_OK, apr_pstrcat(q->r->pool, "invitation ", c->status, NULL),
                 json_incref(c->out));
}

int vp_h_invitation_cancel(vp_req_t *q)
{
    change_t c = {.status = "cancelled"};
    int st = inviter_access(q, &c);

    return st ? st : end_invitation(q, &c);
}

/* The invitee: a guest of this invitation, or a user whose verified
 * address it was sent to; anybody else hears of no such invitation. */
int vp_h_invitation_decline(vp_req_t *q)
{
    change_t c = {.status = "declined"};
    const json_t *user;
    const char *key;
    int st, mine;

    if ((st = vp_identify(q)) || (st = load(q, &c)))
        return st;
    if (q->who->kind == VP_KIND_GUEST)
        mine = !strcasecmp(q->who->id, c.id);
    else {
        user = q->who->user;
        if ((st = vp_email_key(q, vp_str(user, "email") ? vp_str(user, "email") : "", &key)))
            return st;
        mine = json_is_true(json_object_get(user, "email_verified"))
               && !strcmp(key, PQgetvalue(c.acc, 0, 2));
    }
    if (!mine)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_INVITATION, NULL);
    q->project_id = PQgetvalue(c.acc, 0, 0);
    return end_invitation(q, &c);
}

static int resend_tx(vp_req_t *q, void *ctx)
{
    change_t *c = ctx;
    apr_pool_t *p = q->r->pool;
    const char *token = vp_token_random(p), *inviter = PQgetvalue(c->acc, 0, 10);
    PGresult *res, *names;
    int st;

    if (!token)
        return no_randomness(q);
    if ((st = vp_db_exec(q, VP_SQL_PROJECT_LOCK, NULL, q->project_id))
        || (st = vp_db_exec(q, VP_SQL_INVITATION_RESEND, &res, c->id, vp_sha256_hex(p, token))))
        return st;
    if (!PQntuples(res)) {
        /* a twin resend went first: the limit */
        apr_table_setn(q->r->headers_out, "Retry-After", "60");
        return vp_fail(q, HTTP_TOO_MANY_REQUESTS, "rate_limited",
                       "an invitation is sent at most once a minute", NULL);
    }
    c->out = vp_json_pool(p, vp_db_row(res, 0));
    if ((st = vp_db_exec(q, VP_SQL_INVITATION_CONTEXT, &names,
                         PQgetisnull(c->acc, 0, 10) ? q->who->id : inviter, q->project_id)))
        return st;
    if (!PQntuples(names))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_INVITATION, NULL);
    return queue_mail(q, PQgetvalue(c->acc, 0, 9), PQgetvalue(c->acc, 0, 6), token,
                      PQgetvalue(names, 0, 0), PQgetvalue(names, 0, 1), PQgetvalue(c->acc, 0, 7),
                      PQgetvalue(c->acc, 0, 8), vp_str(c->out, "expires_at"));
}

int vp_h_invitation_resend(vp_req_t *q)
{
    change_t c = {.status = "resend"};
    long wait;
    int st = inviter_access(q, &c);

    if (st)
        return st;
    if (strcmp(PQgetvalue(c.acc, 0, 3), "pending"))
        return not_pending(q, &c);
    if (strtol(PQgetvalue(c.acc, 0, 4), NULL, 10) >= MAX_SENDS)
        return vp_fail(q, HTTP_CONFLICT, NULL, "an invitation is resent at most 3 times", NULL);
    if ((wait = strtol(PQgetvalue(c.acc, 0, 5), NULL, 10)) > 0) {
        apr_table_setn(q->r->headers_out, "Retry-After", apr_ltoa(q->r->pool, wait));
        return vp_fail(q, HTTP_TOO_MANY_REQUESTS, "rate_limited",
                       "an invitation is sent at most once a minute", NULL);
    }
    if ((st = vp_db_tx(q, resend_tx, &c)))
        return st;
    return vp_ok(q, HTTP_OK, "invitation sent again", json_incref(c.out));
}

/* ---- the caller's invitations ---- */

/* The caller's verified address's key, or NULL. */
static int verified_key(vp_req_t *q, const char **key)
{
    const json_t *user = q->who->user;

    *key = NULL;
    if (!json_is_true(json_object_get(user, "email_verified")) || !vp_str(user, "email"))
        return 0;
    return vp_email_key(q, vp_str(user, "email"), key);
}

static int invitation_list(vp_req_t *q, int received)
{
    const char *status = NULL, *key = NULL;
    vp_page_t pg;
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)) || (st = vp_list_page(q, &pg))
        || (st = vp_list_arg(q, "status", statuses, 0, &status))
        || (received && (st = verified_key(q, &key))))
        return st;
    _Static_assert(VP_SQL_INVITATION_SENT_ARGS == 4 && VP_SQL_INVITATION_RECEIVED_ARGS == 4,
                   "four parameters each");
    if ((st = vp_db_run(q, received ? VP_SQL_INVITATION_RECEIVED : VP_SQL_INVITATION_SENT, &res, 4,
                        VP_PARAMS(received ? key : q->who->id, status,
                                  apr_ltoa(q->r->pool, pg.size), apr_ltoa(q->r->pool, pg.offset)))))
        return st;
    return vp_list_ok(q, &pg, res, invitation_keys, received ? "invitations received"
                                                             : "invitations sent");
}

int vp_h_invitation_sent(vp_req_t *q)
{
    return invitation_list(q, 0);
}

int vp_h_invitation_received(vp_req_t *q)
{
    return invitation_list(q, 1);
}

int vp_h_invitation_stats(vp_req_t *q)
{
    const char *key;
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)) || (st = verified_key(q, &key))
        || (st = vp_db_exec(q, VP_SQL_INVITATION_STATS, &res, q->who->id, key)))
        return st;
    return vp_ok(q, HTTP_OK, "invitation counts", vp_db_row(res, 0));
}

int vp_h_invitation_recent(vp_req_t *q)
{
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_db_exec(q, VP_SQL_INVITATION_RECENT, &res, q->who->id)))
        return st;
    return vp_ok(q, HTTP_OK, "recent invitees", json_pack("{s:o}", "results", vp_db_rows(res)));
}

/* ---- friends ---- */

int vp_h_friend_list(vp_req_t *q)
{
    vp_page_t pg;
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)) || (st = vp_list_page(q, &pg))
        || (st = vp_db_exec(q, VP_SQL_FRIEND_LIST, &res, q->who->id,
                            apr_ltoa(q->r->pool, pg.size), apr_ltoa(q->r->pool, pg.offset))))
        return st;
    return vp_list_ok(q, &pg, res, friend_keys, "friends");
}

int vp_h_friend_add(vp_req_t *q)
{
    json_t *body, *out;
    PGresult *res;
    int st, made;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_read_json(q, vp_friend_add_fields, &body)))
        return st;
    if (!strcasecmp(vp_str(body, "user_id"), q->who->id))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "user_id", "is you");
    if ((st = vp_db_exec(q, VP_SQL_FRIEND_ADD, &res, q->who->id, vp_str(body, "user_id"))))
        return st;
    if (!PQntuples(res))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "user_id", "is not a registered user");
    out = vp_db_row(res, 0);
    made = json_is_true(json_object_get(out, "inserted"));
    json_object_del(out, "inserted");
    /* adding a friend twice is no error: the contact is there */
    return vp_ok(q, made ? HTTP_CREATED : HTTP_OK, made ? "friend added" : "already a friend", out);
}

int vp_h_friend_delete(vp_req_t *q)
{
    const char *id;
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_param_uuid(q, "user_id", "no such friend", &id))
        || (st = vp_db_exec(q, VP_SQL_FRIEND_DELETE, &res, q->who->id, id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "no such friend", NULL);
    return vp_ok(q, HTTP_OK, "friend removed", json_pack("{s:s}", "user_id", id));
}
