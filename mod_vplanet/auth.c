/* Authentication: the one place a Bearer token becomes a caller. */
#include "vplanet.h"
#include "db.h"

#include <apr_strings.h>

const char *vp_client_ip(vp_req_t *q)
{
    return q->r->useragent_ip ? q->r->useragent_ip : "unknown";
}

static int unauthorized(vp_req_t *q, const char *message, const char *why)
{
    if (why)
        VP_LOG(q, APLOG_INFO, "VP0501: token refused: %s", why);
    return vp_fail(q, HTTP_UNAUTHORIZED, "invalid_token", message, NULL);
}

int vp_authenticate(vp_req_t *q, int flags)
{
    request_rec *r = q->r;
    const char *h = apr_table_get(r->headers_in, "Authorization"), *token, *why;
    vp_principal_t *who;
    vp_claims_t c;
    PGresult *res;
    int rc;

    if (!h || !*h) {
        apr_table_setn(r->headers_out, "WWW-Authenticate", "Bearer realm=\"vplanet\"");
        return vp_fail(q, HTTP_UNAUTHORIZED, "authentication_required",
                       "authentication required", NULL);
    }
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return unauthorized(q, "the Authorization header must be a Bearer token", NULL);
    for (token = h + 7; *token == ' '; token++)
        ;
    why = vp_token_verify(r->pool, &q->cfg->keys, token, NULL,
                          (long)apr_time_sec(apr_time_now()), &c);
    if (why)
        return unauthorized(q, "the token is invalid or expired", why);
    who = apr_pcalloc(r->pool, sizeof *who);
    who->id = c.sub;
    if (strcmp(c.typ, "guest") == 0) {
        if (!(flags & VP_ALLOW_GUEST))
            return unauthorized(q, "a guest token cannot be used here", "guest token on a user route");
        if (!c.project_id || !c.role)
            return unauthorized(q, "the token is invalid or expired", "guest without scope");
        who->guest = 1;
        who->project_id = c.project_id;
        who->role = c.role;
        who->email = c.email;
        q->who = who;
        return 0;
    }
    if (strcmp(c.typ, "access") != 0 || !c.sid)
        return unauthorized(q, "the token is invalid or expired",
                            apr_psprintf(r->pool, "a %s token used for access", c.typ));
    /* The user must still be active and the session not revoked: a token
     * outlives neither its account nor its logout. */
    if ((rc = vp_db_exec(q, "vp_user_active", &res, 2, (const char *[]){c.sub, c.sid})))
        return rc;
    if (PQntuples(res) != 1)
        return unauthorized(q, "the token is invalid or expired",
                            "user gone, inactive or session revoked");
    who->sid = c.sid;
    who->user = vp_json_pool(r->pool, vp_db_row(res, 0));
    q->who = who;
    return 0;
}
