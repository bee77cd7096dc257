/* The glue of authorization: who the caller is on a project. The decision
 * is vpcore/vp_access.c's; what each role may do vpcore/vp_authz.c's. */
#include "vplanet.h"
#include "db.h"

#include <apr_strings.h>

/* Reads the caller's role on q->project_id with stmt and checks action:
 * 404 for a non-member or a deleted project (with missing as its message
 * when the route names an object of the project), 403 for a role too small. */
static int check_role(vp_req_t *q, vp_sql_id stmt, vp_action_t action, const char *missing)
{
    int st;
    vp_runner_t db = vp_db_runner(q, &st);
    vp_verdict_t v = vp_access_project(&db, q->who, q->project_id, stmt, action, NULL);

    q->role = v.role;
    if (v.outcome == VP_ACCESS_NOT_FOUND && missing)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, missing, NULL);
    return vp_access_refuse(q, &v, st);
}

int vp_project_access(vp_req_t *q, vp_action_t action)
{
    const char *id = vp_param(&q->params, "id");
    int st;

    /* a guest's project actions are the policy's to allow */
    if (!q->who && (st = vp_identify(q)))
        return st;
    q->project_id = id;
    if ((st = check_role(q, VP_SQL_MEMBER_ROLE, action, NULL)))
        q->project_id = NULL;
    return st;
}

int vp_object_access(vp_req_t *q, vp_action_t action, vp_sql_id owner, const char *id,
                     const char *missing, PGresult **row)
{
    PGresult *res;
    int st;

    if (!q->who && (st = vp_identify(q)))
        return st;
    if ((st = vp_db_run(q, owner, &res, 1, &id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, missing, NULL);
    q->project_id = apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 0));
    /* a non-member hears of the object what a wrong id hears */
    if ((st = check_role(q, VP_SQL_MEMBER_ROLE, action, missing)))
        q->project_id = NULL;
    else if (row)
        *row = res;
    return st;
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

    if ((st = vp_db_exec(q, VP_SQL_PROJECT_LOCK, NULL, q->project_id))
        || (st = check_role(q, VP_SQL_MEMBER_ROLE_LOCK, t->action, NULL)))
        return st;
    return t->fn(q, t->ctx);
}

int vp_project_tx(vp_req_t *q, vp_action_t action, int (*fn)(vp_req_t *q, void *ctx),
                  void *ctx)
{
    struct project_tx t = {action, fn, ctx};
    int st = vp_db_tx(q, locked_tx, &t);

    if (!st)    /* committed: remembered answers of the project are old */
        vp_answers_changed(q, q->project_id);
    return st;
}

int vp_restore_access(vp_req_t *q)
{
    int st;
    vp_runner_t db = vp_db_runner(q, &st);
    vp_verdict_t v = vp_access_project(&db, q->who, q->project_id, VP_SQL_MEMBER_ROLE_DELETED,
                                       VP_ACT_RESTORE, NULL);

    q->role = v.role;
    if (v.outcome == VP_ACCESS_OK || v.outcome == VP_ACCESS_UNAVAILABLE)
        return vp_access_refuse(q, &v, st);
    /* a deleted project is confirmed to nobody else; a live project of
     * the caller's is no restore candidate */
    v = vp_access_project(&db, q->who, q->project_id, VP_SQL_MEMBER_ROLE, VP_ACT_READ, NULL);
    if (v.outcome != VP_ACCESS_OK)
        return vp_access_refuse(q, &v, st);
    return vp_fail(q, HTTP_CONFLICT, NULL, "the project is not deleted", NULL);
}
