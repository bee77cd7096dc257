#include "vp_access.h"
#include "vp_valid.h"

#include <apr_strings.h>
#include <strings.h>
#include <string.h>

static vp_verdict_t verdict(vp_outcome_t outcome, const char *message, const char *why)
{
    vp_verdict_t v = {outcome, message, why, VP_ROLE_NONE};

    return v;
}

static void release(const vp_runner_t *db, PGresult *res)
{
    if (db->release && res)
        db->release(db->ctx, res);
}

/* The statement's result rows to *row when wanted, else freed. */
static void hand_over(const vp_runner_t *db, PGresult *res, PGresult **row)
{
    if (row)
        *row = res;
    else
        release(db, res);
}

static vp_verdict_t session(const vp_runner_t *db, const char *user_id, const char *sid,
                            PGresult **row)
{
    PGresult *res = db->run(db->ctx, VP_SQL_USER_ACTIVE, 2, VP_PARAMS(user_id, sid));

    if (!res)
        return verdict(VP_ACCESS_UNAVAILABLE, NULL, NULL);
    if (PQntuples(res) != 1) {
        release(db, res);
        /* a token outlives neither its account nor its logout */
        return verdict(VP_ACCESS_UNAUTHENTICATED, VP_ACCESS_INVALID,
                       "user gone, inactive or session revoked");
    }
    hand_over(db, res, row);
    return verdict(VP_ACCESS_OK, NULL, NULL);
}

vp_verdict_t vp_access_session(const vp_runner_t *db, const char *user_id, const char *sid)
{
    return session(db, user_id, sid, NULL);
}

vp_verdict_t vp_access_identify(const vp_runner_t *db, apr_pool_t *p,
                                const vp_token_keys_t *keys, const char *token, long now,
                                vp_principal_t *who, PGresult **row)
{
    vp_claims_t c;
    const char *why = vp_token_verify(p, keys, token, NULL, now, &c);

    memset(who, 0, sizeof *who);
    if (why)
        return verdict(VP_ACCESS_UNAUTHENTICATED, VP_ACCESS_INVALID, why);
    who->id = c.sub;
    who->exp = c.exp;
    if (strcmp(c.typ, "guest") == 0) {
        PGresult *res;

        /* a guest token holds while its invitation is pending, unexpired,
         * of a live project and still at the token's version: a
         * revocation raises the version (or ends the invitation) and
         * every token made before fails here at its next use */
        if (!c.project_id || !c.role || c.ver <= 0)
            return verdict(VP_ACCESS_UNAUTHENTICATED, VP_ACCESS_INVALID,
                           "a guest token without project, role or version");
        if (!(res = db->run(db->ctx, VP_SQL_GUEST_ACTIVE, 3,
                            VP_PARAMS(c.sub, c.project_id, apr_ltoa(p, c.ver)))))
            return verdict(VP_ACCESS_UNAVAILABLE, NULL, NULL);
        if (PQntuples(res) != 1) {
            release(db, res);
            return verdict(VP_ACCESS_UNAUTHENTICATED, VP_ACCESS_INVALID,
                           "the guest's invitation ended, expired or was revoked");
        }
        release(db, res);
        who->kind = VP_KIND_GUEST;
        who->project_id = c.project_id;
        who->role = c.role;
        who->email = c.email;
        who->ver = c.ver;
        return verdict(VP_ACCESS_OK, NULL, NULL);
    }
    if (strcmp(c.typ, "access") != 0 || !c.sid)
        return verdict(VP_ACCESS_UNAUTHENTICATED, VP_ACCESS_INVALID,
                       apr_psprintf(p, "a %s token used for access", c.typ));
    who->kind = VP_KIND_USER;
    who->sid = c.sid;
    return session(db, c.sub, c.sid, row);
}

vp_verdict_t vp_access_account(const vp_principal_t *who, vp_action_t action)
{
    if (vp_may(who->kind, VP_ROLE_NONE, action))
        return verdict(VP_ACCESS_OK, NULL, NULL);
    /* a guest outside its surface is a token of the wrong kind (401); a
     * user the policy refuses is known and refused (403) */
    if (who->kind == VP_KIND_GUEST)
        return verdict(VP_ACCESS_UNAUTHENTICATED, VP_ACCESS_GUEST, "guest token on a user route");
    return verdict(VP_ACCESS_FORBIDDEN, NULL, NULL);
}

/* A guest's role is its token's, on its token's project only. */
static vp_verdict_t guest_access(const vp_principal_t *who, const char *project_id,
                                 vp_action_t action)
{
    vp_verdict_t v = verdict(VP_ACCESS_OK, NULL, NULL);

    v.role = vp_role_parse(who->role);
    if (!vp_may(VP_KIND_GUEST, v.role, action))
        return verdict(VP_ACCESS_UNAUTHENTICATED, VP_ACCESS_GUEST, "guest token refused by the policy");
    if (!who->project_id || !project_id || strcasecmp(who->project_id, project_id))
        return verdict(VP_ACCESS_NOT_FOUND, NULL, NULL);
    return v;
}

vp_verdict_t vp_access_project(const vp_runner_t *db, const vp_principal_t *who,
                               const char *project_id, vp_sql_id stmt, vp_action_t action,
                               PGresult **row)
{
    vp_verdict_t v = verdict(VP_ACCESS_OK, NULL, NULL);
    PGresult *res;

    if (who->kind == VP_KIND_GUEST)
        return guest_access(who, project_id, action);
    if (!project_id || !vp_is_uuid(project_id))
        return verdict(VP_ACCESS_NOT_FOUND, NULL, NULL);
    if (!(res = db->run(db->ctx, stmt, 2, VP_PARAMS(project_id, who->id))))
        return verdict(VP_ACCESS_UNAVAILABLE, NULL, NULL);
    if (PQntuples(res) != 1) {
        release(db, res);
        return verdict(VP_ACCESS_NOT_FOUND, NULL, NULL);
    }
    v.role = vp_role_parse(PQgetvalue(res, 0, 0));
    if (!vp_may(VP_KIND_USER, v.role, action)) {
        release(db, res);
        v.outcome = VP_ACCESS_FORBIDDEN;
        return v;
    }
    hand_over(db, res, row);
    return v;
}
