/* Project members (spec section 4): list, add a registered user, change a
 * role, remove or leave. Whether the caller may touch a member with a
 * given role is vp_may_manage's and vp_may_remove's to say
 * (vpcore/vp_authz.c). */
#include "../handlers.h"
#include "../db.h"

#include <apr_strings.h>

#define MAX_MEMBERS 50
#define NO_MEMBER "no such member"

static const char *const member_keys[] = {"user", "role", "joined_at", NULL};

int vp_h_member_list(vp_req_t *q)
{
    vp_page_t pg;
    PGresult *res;
    int st;

    if ((st = vp_project_access(q, VP_ACT_READ)) || (st = vp_list_page(q, &pg))
        || (st = vp_db_exec(q, VP_SQL_MEMBER_LIST, &res, q->project_id,
                            apr_ltoa(q->r->pool, pg.size), apr_ltoa(q->r->pool, pg.offset))))
        return st;
    return vp_list_ok(q, &pg, res, member_keys, "members");
}

/* The member count and the target's current role (VP_ROLE_NONE: not a
 * member), read under the project's lock (vp_project_tx) so concurrent
 * changes of one project go one by one. */
static int member_state(vp_req_t *q, const char *user_id, long *members, vp_role_t *role)
{
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_MEMBER_COUNT, &res, q->project_id)))
        return st;
    *members = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    if ((st = vp_db_exec(q, VP_SQL_MEMBER_ROLE, &res, q->project_id, user_id)))
        return st;
    *role = PQntuples(res) ? vp_role_parse(PQgetvalue(res, 0, 0)) : VP_ROLE_NONE;
    return 0;
}

static int forbidden(vp_req_t *q)
{
    return vp_fail(q, HTTP_FORBIDDEN, NULL, "only the owner manages admins, and the owner "
                   "changes only by transfer", NULL);
}

/* Before MEMBER_INSERT (project, user, role). */
static int may_add(vp_req_t *q, const char *const *params)
{
    const char *user_id = params[1], *role = params[2];
    PGresult *res;
    vp_role_t current;
    long members;
    int st;

    /* q->role as read under the project's lock */
    if (!vp_may_manage(q->role, VP_ROLE_NONE, vp_role_parse(role)))
        return forbidden(q);
    if ((st = member_state(q, user_id, &members, &current)))
        return st;
    if (current != VP_ROLE_NONE)
        return vp_fail_field(q, HTTP_CONFLICT, "user_id", "is already a member");
    if (members >= MAX_MEMBERS)
        return vp_fail(q, HTTP_CONFLICT, NULL,
                       apr_psprintf(q->r->pool, "a project has at most %d members", MAX_MEMBERS),
                       NULL);
    if ((st = vp_db_exec(q, VP_SQL_USER_EXISTS, &res, user_id)))
        return st;
    if (PQntuples(res) != 1)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "user_id", "is not a registered user");
    return 0;
}

static const vp_write_t member_added = {
    .action = VP_ACT_MEMBERS, .event = "member.joined", .touch = 1, .status = HTTP_CREATED,
    .message = "member added", .before = may_add,
};

int vp_h_member_add(vp_req_t *q)
{
    json_t *body;
    int st;

    if ((st = vp_project_access(q, VP_ACT_MEMBERS))
        || (st = vp_read_json(q, vp_member_add_fields, &body)))
        return st;
    return vp_write(q, &member_added, NULL, VP_SQL_MEMBER_INSERT, q->project_id,
                    vp_str(body, "user_id"), vp_str(body, "role"));
}

/* Before MEMBER_SET_ROLE (project, user, role). */
static int may_change(vp_req_t *q, const char *const *params)
{
    const char *user_id = params[1], *role = params[2];
    vp_role_t current;
    long members;
    int st;

    if ((st = member_state(q, user_id, &members, &current)))
        return st;
    if (current == VP_ROLE_NONE)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_MEMBER, NULL);
    if (!vp_may_manage(q->role, current, vp_role_parse(role)))
        return forbidden(q);
    return 0;
}

static const vp_write_t role_changed = {
    .action = VP_ACT_MEMBERS, .event = "member.role_changed", .touch = 1, .status = HTTP_OK,
    .message = "role changed", .before = may_change,
};

int vp_h_member_update(vp_req_t *q)
{
    const char *user_id;
    json_t *body;
    int st;

    if ((st = vp_project_access(q, VP_ACT_MEMBERS))
        || (st = vp_param_uuid(q, "user_id", NO_MEMBER, &user_id))
        || (st = vp_read_json(q, vp_member_role_fields, &body)))
        return st;
    return vp_write(q, &role_changed, NULL, VP_SQL_MEMBER_SET_ROLE, q->project_id, user_id,
                    vp_str(body, "role"));
}

/* Before MEMBER_DELETE (project, user). */
static int may_remove(vp_req_t *q, const char *const *params)
{
    const char *user_id = params[1];
    int self = strcasecmp(user_id, q->who->id) == 0;
    vp_role_t current;
    long members;
    int st;

    if ((st = member_state(q, user_id, &members, &current)))
        return st;
    if (current == VP_ROLE_NONE)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_MEMBER, NULL);
    switch (vp_may_remove(q->role, current, self)) {
    case VP_REMOVAL_OWNER_STAYS:
        return vp_fail(q, HTTP_FORBIDDEN, NULL,
                       "the owner leaves only after transferring the project", NULL);
    case VP_REMOVAL_PROTECTED:
        return forbidden(q);
    case VP_REMOVAL_NOT_MANAGER:
        return vp_fail(q, HTTP_FORBIDDEN, NULL, "only admins remove members", NULL);
    default:
        return 0;
    }
}

static const vp_write_t member_left = {
    .action = VP_ACT_READ, .event = "member.left", .touch = 1, .status = HTTP_OK,
    .message = "you left the project", .before = may_remove,
};
static const vp_write_t member_removed = {
    .action = VP_ACT_READ, .event = "member.left", .touch = 1, .status = HTTP_OK,
    .message = "member removed", .before = may_remove,
};

/* Admins remove members; any member but the owner may leave. */
int vp_h_member_remove(vp_req_t *q)
{
    const char *user_id;
    int self, st;

    if ((st = vp_project_access(q, VP_ACT_READ))
        || (st = vp_param_uuid(q, "user_id", NO_MEMBER, &user_id)))
        return st;
    self = strcasecmp(user_id, q->who->id) == 0;
    return vp_write(q, self ? &member_left : &member_removed,
                    json_pack("{s:s, s:b}", "user_id", user_id, "by_self", self),
                    VP_SQL_MEMBER_DELETE, q->project_id, user_id);
}
