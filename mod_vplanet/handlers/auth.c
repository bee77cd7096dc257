/* Accounts and sessions (spec section 3, /api/v1/auth): signup, login,
 * refresh-token rotation, logout, availability checks, email verification,
 * password reset and account recovery. */
#include "../handlers.h"
#include "../db.h"
#include "vpcore/vp_locale.h"
#include "vpcore/vp_mail.h"
#include "vpcore/vp_reqid.h"
#include "vpcore/vp_seal.h"

#include <apr_strings.h>

#define VERIFY_TTL (7 * 86400)
#define RESET_TTL 3600
#define BAD_CREDENTIALS "invalid email or password"

/* Hash of nothing anybody knows: an unknown email costs the same argon2
 * work as a wrong password, so response times do not reveal accounts. */
static const char *dummy_hash;

const char *vp_auth_prepare(apr_pool_t *p, server_rec *s)
{
    vp_config_t *c = ap_get_module_config(s->module_config, &vplanet_module);
    vp_argon2_params_t prm = vp_config_argon2(c);

    dummy_hash = vp_password_hash(p, &prm, "vplanet: not a password of anyone");
    return dummy_hash ? NULL : "cannot compute an argon2id hash";
}

static int check_email(vp_req_t *q, const char *email)
{
    return vp_is_email(email) ? 0 : vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "email",
                                                  "is not a valid email address");
}

/* The answer of login, signup and refresh. */
static json_t *pair_json(vp_req_t *q, const char *access, const char *refresh, json_t *user)
{
    return vp_json_pool(q->r->pool,
                        json_pack("{s:s, s:s, s:s, s:i, s:i, s:O}", "access_token", access,
                                  "refresh_token", refresh, "token_type", "Bearer",
                                  "expires_in", vp_config_access_ttl(q->cfg),
                                  "refresh_expires_in", vp_config_refresh_ttl(q->cfg),
                                  "user", user));
}

/* Signs a new access + refresh pair in session family and stores the
 * refresh token's hash; runs inside the caller's transaction. */
static int issue(vp_req_t *q, const char *user_id, const char *family, json_t *user,
                 json_t **out)
{
    apr_pool_t *p = q->r->pool;
    long now = (long)apr_time_sec(apr_time_now());
    int access_ttl = vp_config_access_ttl(q->cfg), refresh_ttl = vp_config_refresh_ttl(q->cfg);
    vp_claims_t rc = {.typ = "refresh", .sub = user_id, .jti = vp_uuid_new(p), .sid = family,
                      .iat = now, .exp = now + refresh_ttl};
    vp_claims_t ac = {.typ = "access", .sub = user_id, .jti = vp_uuid_new(p), .sid = family,
                      .iat = now, .exp = now + access_ttl};
    const char *refresh = rc.jti ? vp_token_sign(p, &q->cfg->keys, &rc) : NULL;
    const char *access = ac.jti ? vp_token_sign(p, &q->cfg->keys, &ac) : NULL;
    int st;

    if (!refresh || !access)
        return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "internal error",
                                "VP0601: cannot sign tokens");
    st = vp_db_exec(q, VP_SQL_REFRESH_INSERT, NULL, rc.jti, user_id, family,
                    vp_sha256_hex(p, refresh), apr_ltoa(p, rc.exp));
    if (st)
        return st;
    *out = pair_json(q, access, refresh, user);
    return 0;
}

/* A single-use token for purpose and the email carrying its link, both
 * in the caller's transaction. */
static int mail_token(vp_req_t *q, const char *user_id, const char *purpose, const char *email,
                      const char *nickname)
{
    apr_pool_t *p = q->r->pool;
    const char *token = vp_token_random(p), *base = vp_url(q, "");
    int reset = strcmp(purpose, "password_reset") == 0, st;
    vp_mail_t m;

    if (!token)
        return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "internal error",
                                "VP0602: no randomness for a token");
    st = vp_db_exec(q, VP_SQL_TOKEN_INSERT, NULL, user_id, purpose, vp_sha256_hex(p, token),
                    apr_itoa(p, reset ? RESET_TTL : VERIFY_TTL));
    if (st)
        return st;
    (reset ? vp_mail_password_reset : vp_mail_verify_email)(p, base, nickname, token, &m);
    return vp_db_exec(q, VP_SQL_OUTBOX_INSERT, NULL, email, m.subject, m.text, m.html, m.kind);
}

/* 409 naming what USER_TAKEN found taken; 0 when nothing is. */
static int taken(vp_req_t *q, PGresult *res)
{
    int email = PQgetvalue(res, 0, 0)[0] == 't', nick = PQgetvalue(res, 0, 1)[0] == 't';
    json_t *d;

    if (!email && !nick)
        return 0;
    d = vp_json_pool(q->r->pool, json_object());
    if (email)
        vp_detail_add(d, "email", "is already registered");
    if (nick)
        vp_detail_add(d, "nickname", "is already taken");
    return vp_fail(q, HTTP_CONFLICT, NULL, email ? "the email address is already registered"
                                                 : "the nickname is already taken", d);
}

/* ---- signup ---- */

struct signup {
    const char *email, *key, *nickname, *hash, *locale;
    json_t *out;
};

static int signup_tx(vp_req_t *q, void *ctx)
{
    struct signup *s = ctx;
    PGresult *res;
    json_t *user;
    const char *id;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_USER_TAKEN, &res, s->key, s->nickname, NULL))
        || (st = taken(q, res))
        || (st = vp_db_exec(q, VP_SQL_USER_INSERT, &res, s->email, s->nickname, s->hash, s->key,
                            s->locale)))
        return st;
    if (PQntuples(res) != 1)    /* a concurrent signup took it first */
        return vp_fail(q, HTTP_CONFLICT, NULL, "the email or nickname is already taken", NULL);
    user = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    id = json_string_value(json_object_get(user, "id"));
    if ((st = mail_token(q, id, "verify_email", s->email, s->nickname)))
        return st;
    return issue(q, id, vp_uuid_new(q->r->pool), user, &s->out);
}

int vp_h_signup(vp_req_t *q)
{
    struct signup s = {0};
    json_t *body;
    const char *pw;
    int st;

    if ((st = vp_read_json(q, vp_auth_signup_fields, &body)))
        return st;
    s.email = vp_str(body, "email");
    s.nickname = vp_str(body, "nickname");
    pw = vp_str(body, "password");
    /* the language of the account's notifications and emails */
    s.locale = vp_locale_pick(apr_table_get(q->r->headers_in, "Accept-Language"));
    if ((st = vp_email_key(q, s.email, &s.key))
        || (st = vp_check_password(q, "password", pw, s.email))
        || (st = vp_rate_limit(q, VP_RL_SIGNUP, vp_client_ip(q))))
        return st;
    if ((st = vp_hash_password(q, pw, &s.hash)) || (st = vp_db_tx(q, signup_tx, &s)))
        return st;
    return vp_ok(q, HTTP_CREATED, "account created; a verification email is on its way",
                 json_incref(s.out));
}

/* ---- login and recovery: password checks ---- */

typedef struct {
    const char *id, *hash;
    int active, deleted, recoverable;
    const char *recovery_deadline;
} credentials_t;

/* Reads the body, applies the login limits and checks the password.
 * 0 with *c filled, or the recorded error (401 for any mismatch). */
static int check_credentials(vp_req_t *q, json_t **body, credentials_t *c)
{
    const char *key, *pw;
    PGresult *res;
    int st;

    if ((st = vp_read_json(q, vp_auth_credential_fields, body))
        || (st = vp_email_key(q, vp_str(*body, "email"), &key))
        || (st = vp_login_limits(q, key))
        || (st = vp_db_exec(q, VP_SQL_USER_CREDENTIALS, &res, key)))
        return st;
    pw = vp_str(*body, "password");
    if (PQntuples(res) != 1) {
        vp_password_verify(dummy_hash, pw);
        return vp_fail(q, HTTP_UNAUTHORIZED, "invalid_credentials", BAD_CREDENTIALS, NULL);
    }
    c->id = apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 0));
    c->hash = apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 1));
    c->active = PQgetvalue(res, 0, 2)[0] == 't';
    c->deleted = PQgetvalue(res, 0, 3)[0] == 't';
    c->recoverable = PQgetvalue(res, 0, 4)[0] == 't';
    c->recovery_deadline = apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 5));
    if (!vp_password_verify(c->hash, pw))
        return vp_fail(q, HTTP_UNAUTHORIZED, "invalid_credentials", BAD_CREDENTIALS, NULL);
    return 0;
}

struct login {
    const char *id, *new_hash;
    vp_sql_id stmt;             /* USER_LOGGED_IN or USER_RECOVER: (id, new hash) */
    json_t *out;
};

static int login_tx(vp_req_t *q, void *ctx)
{
    struct login *l = ctx;
    PGresult *res;
    json_t *user;
    int st;

    if ((st = vp_db_run(q, l->stmt, &res, 2, VP_PARAMS(l->id, l->new_hash))))
        return st;
    if (PQntuples(res) != 1)    /* changed since the password check */
        return vp_fail(q, HTTP_UNAUTHORIZED, "invalid_credentials", BAD_CREDENTIALS, NULL);
    user = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    return issue(q, l->id, vp_uuid_new(q->r->pool), user, &l->out);
}

/* Starts a new session; a hash weaker than configured (or a legacy one)
 * is replaced now that the password is known. */
static int start_session(vp_req_t *q, vp_sql_id stmt, const credentials_t *c, const char *pw,
                         const char *message)
{
    vp_argon2_params_t prm = vp_config_argon2(q->cfg);
    struct login l = {c->id, NULL, stmt, NULL};
    int st;

    if (vp_password_needs_rehash(c->hash, &prm)
        && !(l.new_hash = vp_password_hash(q->r->pool, &prm, pw)))
        VP_LOG(q, APLOG_ERR, "VP0604: rehashing a password failed; the old hash stays");
    if ((st = vp_db_tx(q, login_tx, &l)))
        return st;
    return vp_ok(q, HTTP_OK, message, json_incref(l.out));
}

int vp_h_login(vp_req_t *q)
{
    credentials_t c;
    json_t *body;
    int st;

    if ((st = check_credentials(q, &body, &c)))
        return st;
    if (c.deleted)
        return vp_fail(q, HTTP_FORBIDDEN, "account_deleted", c.recoverable
                       ? apr_pstrcat(q->r->pool, "the account was deleted; it can be recovered "
                                     "through /api/v1/auth/recover until ",
                                     c.recovery_deadline, NULL)
                       : "the account was deleted", NULL);
    if (!c.active)
        return vp_fail(q, HTTP_FORBIDDEN, "account_disabled", "the account is disabled", NULL);
    return start_session(q, VP_SQL_USER_LOGGED_IN, &c, vp_str(body, "password"), "logged in");
}

int vp_h_recover(vp_req_t *q)
{
    credentials_t c;
    json_t *body;
    int st;

    if ((st = check_credentials(q, &body, &c)))
        return st;
    if (!c.deleted)
        return vp_fail(q, HTTP_CONFLICT, NULL, "the account is not deleted", NULL);
    if (!c.recoverable)
        return vp_fail(q, HTTP_FORBIDDEN, "recovery_expired",
                       "the recovery window of the account has passed", NULL);
    if (!c.active)
        return vp_fail(q, HTTP_FORBIDDEN, "account_disabled", "the account is disabled", NULL);
    return start_session(q, VP_SQL_USER_RECOVER, &c, vp_str(body, "password"), "account recovered");
}

/* ---- refresh-token rotation ---- */

struct refresh {
    vp_claims_t c;
    const char *token, *hash;
    const char *refused;    /* why the token is refused (for the log) */
    json_t *out;
};

/* The user of a live session as the answer shows it, or NULL with
 * f->refused set. */
static int session_user(vp_req_t *q, struct refresh *f, const char *user_id,
                        const char *family, json_t **user)
{
    PGresult *res;
    int st = vp_db_exec(q, VP_SQL_USER_ACTIVE, &res, user_id, family);

    *user = NULL;
    if (st)
        return st;
    if (PQntuples(res) == 1)
        *user = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    else
        f->refused = "user gone, inactive or session revoked";
    return 0;
}

/* The reuse grace window (VPlanetRefreshReuseGrace). Only hashes of
 * tokens are stored, so the pair that replaced a token cannot be rebuilt
 * from the database alone (and an ES256 signature would not come out the
 * same): at rotation the new pair is sealed (AES-256-GCM, vpcore/vp_seal.c)
 * under a key derived from the rotated token, which the server then
 * forgets. Whoever presents that token again within the window, like a
 * second tab that refreshed at the same moment, opens the seal and gets
 * the very same pair; a database reader without the old token cannot. */
static int seal_successor(vp_req_t *q, struct refresh *f)
{
    const char *pair, *sealed;

    if (!vp_config_refresh_grace(q->cfg))
        return 0;
    pair = vp_json_dump(q->r->pool,
                        vp_json_pool(q->r->pool, json_pack("{s:O, s:O}", "access_token",
                                     json_object_get(f->out, "access_token"), "refresh_token",
                                     json_object_get(f->out, "refresh_token"))));
    if (!(sealed = vp_seal(q->r->pool, f->token, pair)))
        return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "internal error",
                                "VP0605: cannot seal a refresh successor");
    return vp_db_exec(q, VP_SQL_REFRESH_SEAL, NULL, f->c.jti, sealed);
}

/* A token presented again after its rotation: within the grace window
 * the same successor pair (*done 1); otherwise *done 0. */
static int grace_pair(vp_req_t *q, struct refresh *f, int *done)
{
    int grace = vp_config_refresh_grace(q->cfg), st;
    const char *pair;
    json_t *p, *user;
    PGresult *res;

    *done = 0;
    if (!grace)
        return 0;
    if ((st = vp_db_exec(q, VP_SQL_REFRESH_GRACE, &res, f->c.jti, f->hash,
                         apr_itoa(q->r->pool, grace))))
        return st;
    if (PQntuples(res) != 1)
        return 0;
    if (!(pair = vp_unseal(q->r->pool, f->token, PQgetvalue(res, 0, 2)))
        || !(p = vp_json_pool(q->r->pool, json_loads(pair, 0, NULL)))) {
        VP_LOG(q, APLOG_WARNING, "VP0606: the sealed successor of a refresh token does not open");
        return 0;
    }
    *done = 1;
    if ((st = session_user(q, f, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), &user)) || !user)
        return st;
    f->out = pair_json(q, vp_str(p, "access_token"), vp_str(p, "refresh_token"), user);
    return 0;
}

static int refresh_tx(vp_req_t *q, void *ctx)
{
    struct refresh *f = ctx;
    PGresult *res;
    const char *user_id, *family;
    json_t *user;
    int st, done;

    f->refused = NULL;
    f->out = NULL;
    if ((st = vp_db_exec(q, VP_SQL_REFRESH_ROTATE, &res, f->c.jti, f->hash)))
        return st;
    if (PQntuples(res) != 1) {
        if ((st = grace_pair(q, f, &done)) || done)
            return st;
        /* Presented again after rotation (or after logout): somebody holds a
         * copy. The whole session goes; this revocation is committed. */
        if ((st = vp_db_exec(q, VP_SQL_REFRESH_FAMILY, &res, f->c.jti, f->hash)))
            return st;
        f->refused = "unknown refresh token";
        if (PQntuples(res) == 1) {
            f->refused = "refresh token reused: session revoked";
            return vp_db_exec(q, VP_SQL_REFRESH_REVOKE_FAMILY, NULL, PQgetvalue(res, 0, 1));
        }
        return 0;
    }
    user_id = apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 0));
    family = apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 1));
    if ((st = session_user(q, f, user_id, family, &user)) || !user
        || (st = issue(q, user_id, family, user, &f->out)))
        return st;
    return seal_successor(q, f);
}

int vp_h_refresh(vp_req_t *q)
{
    struct refresh f = {0};
    const char *token, *why;
    json_t *body;
    int st;

    if ((st = vp_read_json(q, vp_auth_refresh_fields, &body)))
        return st;
    token = vp_str(body, "refresh_token");
    why = vp_token_verify(q->r->pool, &q->cfg->keys, token, "refresh",
                          (long)apr_time_sec(apr_time_now()), &f.c);
    if (!why) {
        f.token = token;
        f.hash = vp_sha256_hex(q->r->pool, token);
        if ((st = vp_db_tx(q, refresh_tx, &f)))
            return st;
        why = f.refused;
    }
    if (why) {
        VP_LOG(q, APLOG_INFO, "VP0502: refresh refused: %s", why);
        return vp_fail(q, HTTP_UNAUTHORIZED, "invalid_token",
                       "the refresh token is invalid, expired or revoked", NULL);
    }
    return vp_ok(q, HTTP_OK, "tokens refreshed", json_incref(f.out));
}

/* ---- logout ---- */

/* Ends the session of the access token or of the given refresh token, or
 * every session of the user with "all": either token proves who asks, so a
 * client whose access token expired can still log out. */
int vp_h_logout(vp_req_t *q)
{
    const char *token, *user = NULL, *family = NULL, *why;
    json_t *body;
    PGresult *res = NULL;
    vp_claims_t c;
    int all, st;

    if ((st = vp_read_json_opt(q, vp_auth_logout_fields, &body)))
        return st;
    token = vp_str(body, "refresh_token");
    all = json_is_true(json_object_get(body, "all"));
    if (!token || apr_table_get(q->r->headers_in, "Authorization")) {
        if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)))
            return st;
        user = q->who->id;
        family = q->who->sid;
    }
    if (token) {
        why = vp_token_verify(q->r->pool, &q->cfg->keys, token, "refresh",
                              (long)apr_time_sec(apr_time_now()), &c);
        if (!why && q->who && strcmp(q->who->id, c.sub))
            why = "refresh token of another user";
        if (!why
            && (st = vp_db_exec(q, VP_SQL_REFRESH_FAMILY, &res, c.jti,
                                vp_sha256_hex(q->r->pool, token))))
            return st;
        if (!why && PQntuples(res) != 1)
            why = "unknown refresh token";
        if (why) {
            VP_LOG(q, APLOG_INFO, "VP0503: logout refused: %s", why);
            return vp_fail(q, HTTP_UNAUTHORIZED, "invalid_token",
                           "the refresh token is invalid or expired", NULL);
        }
        user = c.sub;
        family = c.sid;
    }
    st = all ? vp_db_exec(q, VP_SQL_REFRESH_REVOKE_USER, NULL, user, NULL)
             : vp_db_exec(q, VP_SQL_REFRESH_REVOKE_FAMILY, NULL, family);
    if (st)
        return st;
    return vp_ok(q, HTTP_OK, all ? "every session ended" : "session ended",
                 json_pack("{s:b}", "all", all));
}

/* ---- availability ---- */

static int availability(vp_req_t *q, int nickname)
{
    json_t *body;
    const char *v, *key = "";
    PGresult *res;
    int st;

    if ((st = vp_read_json(q, nickname ? vp_auth_nickname_fields : vp_auth_email_fields, &body)))
        return st;
    v = vp_str(body, nickname ? "nickname" : "email");
    if ((!nickname && (st = vp_email_key(q, v, &key)))
        || (st = vp_db_exec(q, VP_SQL_USER_TAKEN, &res, key, nickname ? v : "", NULL)))
        return st;
    return vp_ok(q, HTTP_OK, "checked",
                 json_pack("{s:b}", "available", PQgetvalue(res, 0, nickname)[0] != 't'));
}

int vp_h_check_email(vp_req_t *q)
{
    return availability(q, 0);
}

int vp_h_check_nickname(vp_req_t *q)
{
    return availability(q, 1);
}

/* ---- single-use email tokens ---- */

struct email_token {
    const char *token, *hash;
    json_t *out;
};

/* Marks token used for purpose; 0 with *user_id, or 400. */
static int use_token(vp_req_t *q, const char *token, const char *purpose, const char **user_id)
{
    PGresult *res;
    int st = vp_db_exec(q, VP_SQL_TOKEN_USE, &res, vp_sha256_hex(q->r->pool, token), purpose);

    if (st)
        return st;
    if (PQntuples(res) != 1)
        return vp_fail(q, HTTP_BAD_REQUEST, "invalid_token",
                       "the link is invalid, expired or already used", NULL);
    *user_id = apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 0));
    return 0;
}

static int verify_tx(vp_req_t *q, void *ctx)
{
    struct email_token *t = ctx;
    const char *user_id;
    PGresult *res;
    int st;

    if ((st = use_token(q, t->token, "verify_email", &user_id))
        || (st = vp_db_exec(q, VP_SQL_USER_VERIFY_EMAIL, &res, user_id)))
        return st;
    if (PQntuples(res) != 1)
        return vp_fail(q, HTTP_BAD_REQUEST, "invalid_token",
                       "the link is invalid, expired or already used", NULL);
    t->out = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    return 0;
}

int vp_h_verify_email(vp_req_t *q)
{
    struct email_token t = {0};
    json_t *body;
    int st;

    if ((st = vp_read_json(q, vp_auth_token_fields, &body)))
        return st;
    t.token = vp_str(body, "token");
    if ((st = vp_db_tx(q, verify_tx, &t)))
        return st;
    return vp_ok(q, HTTP_OK, "email address verified", json_pack("{s:O}", "user", t.out));
}

struct reset {
    const char *id, *email, *nickname;
};

static int reset_tx(vp_req_t *q, void *ctx)
{
    struct reset *r = ctx;
    return mail_token(q, r->id, "password_reset", r->email, r->nickname);
}

/* Always 202, and answered before the address is even looked up: neither
 * the answer nor its timing tells whether the address has an account (the
 * token and the email of a known one took ~4 ms more; bench/reset-timing).
 * A failure after the answer is only logged. */
int vp_h_password_reset(vp_req_t *q)
{
    struct reset r;
    json_t *body;
    const char *email, *key;
    PGresult *res;
    int st;

    if ((st = vp_read_json(q, vp_auth_reset_fields, &body)))
        return st;
    email = vp_str(body, "email");
    if ((st = check_email(q, email)) || (st = vp_email_key(q, email, &key))
        || (st = vp_rate_limit(q, VP_RL_PASSWORD_RESET, key)))
        return st;
    vp_respond_now(q, vp_ok(q, HTTP_ACCEPTED,
                            "if the address belongs to an account, a reset link is on its way",
                            json_object()));
    if (!vp_db_exec(q, VP_SQL_USER_FOR_MAIL, &res, key) && PQntuples(res) == 1) {
        r.id = PQgetvalue(res, 0, 0);
        r.email = PQgetvalue(res, 0, 1);
        r.nickname = PQgetvalue(res, 0, 2);
        vp_db_tx(q, reset_tx, &r);
    }
    return DONE;
}

struct confirm {
    const char *token, *password, *hash;
};

static int confirm_tx(vp_req_t *q, void *ctx)
{
    struct confirm *c = ctx;
    const char *user_id;
    PGresult *res;
    int st;

    if ((st = use_token(q, c->token, "password_reset", &user_id))
        || (st = vp_db_exec(q, VP_SQL_USER_SET_PASSWORD, &res, user_id, c->hash)))
        return st;
    if (PQntuples(res) != 1)
        return vp_fail(q, HTTP_BAD_REQUEST, "invalid_token",
                       "the link is invalid, expired or already used", NULL);
    if ((st = vp_check_password(q, "new_password", c->password, PQgetvalue(res, 0, 1))))
        return st;
    /* every session ends, and any other reset link dies with this one */
    if ((st = vp_db_exec(q, VP_SQL_REFRESH_REVOKE_USER, NULL, user_id, NULL)))
        return st;
    return vp_db_exec(q, VP_SQL_TOKEN_EXPIRE_USER, NULL, user_id, "password_reset");
}

int vp_h_password_reset_confirm(vp_req_t *q)
{
    struct confirm c = {0};
    json_t *body;
    int st;

    if ((st = vp_read_json(q, vp_auth_confirm_fields, &body)))
        return st;
    c.token = vp_str(body, "token");
    c.password = vp_str(body, "new_password");
    if ((st = vp_hash_password(q, c.password, &c.hash)) || (st = vp_db_tx(q, confirm_tx, &c)))
        return st;
    return vp_ok(q, HTTP_OK, "password changed; every session was signed out", json_object());
}
