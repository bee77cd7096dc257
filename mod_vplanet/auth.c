/* Authentication: the one place a Bearer token becomes a caller (the
 * decision itself is vpcore/vp_access.c's, shared with vplanetd). */
#include "vplanet.h"
#include "db.h"

#include <apr_strings.h>

const char *vp_client_ip(vp_req_t *q)
{
    return q->r->useragent_ip ? q->r->useragent_ip : "unknown";
}

struct runner {
    vp_req_t *q;
    int *st;
};

static PGresult *run(void *ctx, vp_sql_id id, int n, const char *const *params)
{
    struct runner *d = ctx;
    PGresult *res;

    if (id == VP_SQL_USER_ACTIVE)   /* may be remembered (VPlanetSessionCache) */
        return vp_session_check(d->q, params, d->st);
    return (*d->st = vp_db_run(d->q, id, &res, n, params)) ? NULL : res;
}

vp_runner_t vp_db_runner(vp_req_t *q, int *st)
{
    struct runner *d = apr_palloc(q->r->pool, sizeof *d);
    /* results go with the request */
    vp_runner_t db = {run, NULL, d};

    d->q = q;
    d->st = st;
    *st = 0;
    return db;
}

int vp_access_refuse(vp_req_t *q, const vp_verdict_t *v, int st)
{
    switch (v->outcome) {
    case VP_ACCESS_UNAUTHENTICATED:
        if (v->why)
            VP_LOG(q, APLOG_INFO, "VP0501: token refused: %s", v->why);
        return vp_fail(q, HTTP_UNAUTHORIZED, "invalid_token", v->message, NULL);
    case VP_ACCESS_NOT_FOUND:
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "no such project", NULL);
    case VP_ACCESS_FORBIDDEN:
        return vp_fail(q, HTTP_FORBIDDEN, NULL,
                       apr_pstrcat(q->r->pool, "the role ", vp_role_name(v->role),
                                   " does not allow this", NULL), NULL);
    case VP_ACCESS_UNAVAILABLE:
        return st;
    default:
        return 0;
    }
}

int vp_identify(vp_req_t *q)
{
    request_rec *r = q->r;
    const char *h = apr_table_get(r->headers_in, "Authorization"), *token;
    vp_principal_t *who = apr_pcalloc(r->pool, sizeof *who);
    vp_runner_t db;
    PGresult *row = NULL;
    vp_verdict_t v;
    int st;

    if (!h || !*h) {
        apr_table_setn(r->headers_out, "WWW-Authenticate", "Bearer realm=\"vplanet\"");
        return vp_fail(q, HTTP_UNAUTHORIZED, "authentication_required",
                       "authentication required", NULL);
    }
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return vp_fail(q, HTTP_UNAUTHORIZED, "invalid_token",
                       "the Authorization header must be a Bearer token", NULL);
    for (token = h + 7; *token == ' '; token++)
        ;
    db = vp_db_runner(q, &st);
    v = vp_access_identify(&db, r->pool, &q->cfg->keys, token,
                           (long)apr_time_sec(apr_time_now()), who, &row);
    if (v.outcome != VP_ACCESS_OK)
        return vp_access_refuse(q, &v, st);
    if (row)
        who->user = vp_json_pool(r->pool, vp_db_row(row, 0));
    q->who = who;
    return 0;
}

int vp_authenticate(vp_req_t *q, vp_action_t action)
{
    vp_verdict_t v;
    int st;

    if ((st = vp_identify(q)))
        return st;
    v = vp_access_account(q->who, action);
    return vp_access_refuse(q, &v, 0);
}
