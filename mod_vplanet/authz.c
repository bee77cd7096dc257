/* The glue of authorization: who the caller is on a project. What each
 * role may do is decided in core/vp_authz.c alone. */
#include "vplanet.h"
#include "db.h"

#include <apr_strings.h>

int vp_project_access(vp_req_t *q, vp_action_t action)
{
    const char *id = vp_param(&q->params, "id");
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, 0)))
        return st;
    if (!id || !vp_is_uuid(id))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "no such project", NULL);
    if ((st = vp_db_exec(q, "vp_member_role", &res, 2, (const char *[]){id, q->who->id})))
        return st;
    if (PQntuples(res) != 1)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "no such project", NULL);
    q->project_id = id;
    q->role = vp_role_parse(PQgetvalue(res, 0, 0));
    if (!vp_may(q->role, action))
        return vp_fail(q, HTTP_FORBIDDEN, NULL,
                       apr_pstrcat(q->r->pool, "the role ", vp_role_name(q->role),
                                   " does not allow this", NULL), NULL);
    return 0;
}
