/* The glue of authorization: who the caller is on a project. What each
 * role may do is decided in vpcore/vp_authz.c alone. */
#include "vplanet.h"
#include "db.h"

#include <apr_strings.h>

/* Reads the caller's role on q->project_id with stmt and checks action:
 * 404 for a non-member or a deleted project, 403 for a role too small. */
static int check_role(vp_req_t *q, const char *stmt, vp_action_t action)
{
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, stmt, &res, 2, (const char *[]){q->project_id, q->who->id})))
        return st;
    if (PQntuples(res) != 1)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "no such project", NULL);
    q->role = vp_role_parse(PQgetvalue(res, 0, 0));
    if (!vp_may(q->role, action))
        return vp_fail(q, HTTP_FORBIDDEN, NULL,
                       apr_pstrcat(q->r->pool, "the role ", vp_role_name(q->role),
                                   " does not allow this", NULL), NULL);
    return 0;
}

int vp_project_access(vp_req_t *q, vp_action_t action)
{
    const char *id = vp_param(&q->params, "id");
    int st;

    if ((st = vp_authenticate(q, 0)))
        return st;
    if (!id || !vp_is_uuid(id))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "no such project", NULL);
    q->project_id = id;
    return check_role(q, "vp_member_role", action);
}

struct project_tx {
    vp_action_t action;
    int (*fn)(vp_req_t *q, void *ctx);
    void *ctx;
};

static int locked_tx(vp_req_t *q, void *ctx)
{
    struct project_tx *t = ctx;
    int st;

    if ((st = vp_db_exec(q, "vp_project_lock", NULL, 1, (const char *[]){q->project_id}))
        || (st = check_role(q, "vp_member_role_lock", t->action)))
        return st;
    return t->fn(q, t->ctx);
}

int vp_project_tx(vp_req_t *q, vp_action_t action, int (*fn)(vp_req_t *q, void *ctx),
                  void *ctx)
{
    struct project_tx t = {action, fn, ctx};

    return vp_db_tx(q, locked_tx, &t);
}
