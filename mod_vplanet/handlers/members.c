/* Project members (spec section 4): list, add a registered user, change a
 * role, remove or leave. Whether the caller may touch a member with a
 * given role is vp_may_manage's and vp_may_remove's to say
 * (vpcore/vp_authz.c). */
#include "../handlers.h"
#include "../db.h"

#include <apr_strings.h>

#define MAX_MEMBERS 50
#define ADDED "member added"

static const char *const member_keys[] = {"user", "role", "joined_at", NULL};

int vp_h_member_list(vp_req_t *q)
{
    vp_page_t pg;
    PGresult *res;
    int st;

    if ((st = vp_project_access(q, VP_ACT_READ)) || (st = vp_list_page(q, &pg))
        || (st = vp_db_exec(q, "vp_member_list", &res, 3,
                            (const char *[]){q->project_id, apr_ltoa(q->r->pool, pg.size),
                                             apr_ltoa(q->r->pool, pg.offset)})))
        return st;
    return vp_list_ok(q, &pg, res, member_keys, "members");
}

struct member {
    const char *user_id, *role;
    json_t *out;
};

/* The member count and the target's current role (VP_ROLE_NONE: not a
 * member), read under the project's lock (vp_project_tx) so concurrent
 * changes of one project go one by one. */
static int member_state(vp_req_t *q, const char *user_id, long *members, vp_role_t *role)
{
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, "vp_member_count", &res, 1, (const char *[]){q->project_id})))
        return st;
    *members = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    if ((st = vp_db_exec(q, "vp_member_role", &res, 2, (const char *[]){q->project_id, user_id})))
        return st;
    *role = PQntuples(res) ? vp_role_parse(PQgetvalue(res, 0, 0)) : VP_ROLE_NONE;
    return 0;
}

/* Writes the member row (stmt takes project, user, role), marks the
 * project changed and records the event. */
static int write_member(vp_req_t *q, struct member *m, const char *stmt, const char *type)
{
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, stmt, &res, 3, (const char *[]){q->project_id, m->user_id, m->role}))
        || (st = vp_db_exec(q, "vp_project_touch", NULL, 1, (const char *[]){q->project_id})))
        return st;
    m->out = vp_db_value(q, res);
    return vp_event(q, type, m->out);
}

static int forbidden(vp_req_t *q)
{
    return vp_fail(q, HTTP_FORBIDDEN, NULL, "only the owner manages admins, and the owner "
                   "changes only by transfer", NULL);
}

static int add_tx(vp_req_t *q, void *ctx)
{
    struct member *m = ctx;
    PGresult *res;
    vp_role_t current;
    long members;
    int st;

    /* q->role as read under the project's lock */
    if (!vp_may_manage(q->role, VP_ROLE_NONE, vp_role_parse(m->role)))
        return forbidden(q);
    if ((st = member_state(q, m->user_id, &members, &current)))
        return st;
    if (current != VP_ROLE_NONE)
        return vp_fail_field(q, HTTP_CONFLICT, "user_id", "is already a member");
    if (members >= MAX_MEMBERS)
        return vp_fail(q, HTTP_CONFLICT, NULL,
                       apr_psprintf(q->r->pool, "a project has at most %d members", MAX_MEMBERS),
                       NULL);
    if ((st = vp_db_exec(q, "vp_user_exists", &res, 1, (const char *[]){m->user_id})))
        return st;
    if (PQntuples(res) != 1)
        return vp_fail_field(q, 422, "user_id", "is not a registered user");
    return (st = write_member(q, m, "vp_member_insert", "member.joined"))
           ? st : vp_idempotency_record(q, HTTP_CREATED, ADDED, m->out);
}

int vp_h_member_add(vp_req_t *q)
{
    struct member m = {0};
    json_t *body;
    int st;

    if ((st = vp_project_access(q, VP_ACT_MEMBERS)) || (st = vp_read_json(q, vp_member_add_fields, &body))
        || (st = vp_idempotency_begin(q, body)))
        return st;
    m.user_id = vp_str(body, "user_id");
    m.role = vp_str(body, "role");
    if ((st = vp_project_tx(q, VP_ACT_MEMBERS, add_tx, &m)))
        return st;
    return vp_ok(q, HTTP_CREATED, ADDED, json_incref(m.out));
}

/* The {user_id} of the path; 404 when it cannot name a member. */
static int target(vp_req_t *q, const char **user_id)
{
    *user_id = vp_param(&q->params, "user_id");
    return vp_is_uuid(*user_id) ? 0 : vp_fail(q, HTTP_NOT_FOUND, NULL, "no such member", NULL);
}

static int role_tx(vp_req_t *q, void *ctx)
{
    struct member *m = ctx;
    vp_role_t current;
    long members;
    int st;

    if ((st = member_state(q, m->user_id, &members, &current)))
        return st;
    if (current == VP_ROLE_NONE)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "no such member", NULL);
    if (!vp_may_manage(q->role, current, vp_role_parse(m->role)))
        return forbidden(q);
    return write_member(q, m, "vp_member_set_role", "member.role_changed");
}

int vp_h_member_update(vp_req_t *q)
{
    struct member m = {0};
    json_t *body;
    int st;

    if ((st = vp_project_access(q, VP_ACT_MEMBERS)) || (st = target(q, &m.user_id))
        || (st = vp_read_json(q, vp_member_role_fields, &body)))
        return st;
    m.role = vp_str(body, "role");
    if ((st = vp_project_tx(q, VP_ACT_MEMBERS, role_tx, &m)))
        return st;
    return vp_ok(q, HTTP_OK, "role changed", json_incref(m.out));
}

static int remove_tx(vp_req_t *q, void *ctx)
{
    struct member *m = ctx;
    int self = strcasecmp(m->user_id, q->who->id) == 0;
    vp_role_t current;
    long members;
    int st;

    if ((st = member_state(q, m->user_id, &members, &current)))
        return st;
    if (current == VP_ROLE_NONE)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "no such member", NULL);
    switch (vp_may_remove(q->role, current, self)) {
    case VP_REMOVAL_OWNER_STAYS:
        return vp_fail(q, HTTP_FORBIDDEN, NULL,
                       "the owner leaves only after transferring the project", NULL);
    case VP_REMOVAL_PROTECTED:
        return forbidden(q);
    case VP_REMOVAL_NOT_MANAGER:
        return vp_fail(q, HTTP_FORBIDDEN, NULL, "only admins remove members", NULL);
    default:
        break;
    }
    if ((st = vp_db_exec(q, "vp_member_delete", NULL, 2,
                         (const char *[]){q->project_id, m->user_id}))
        || (st = vp_db_exec(q, "vp_project_touch", NULL, 1, (const char *[]){q->project_id})))
        return st;
    m->out = vp_json_pool(q->r->pool, json_pack("{s:s, s:b}", "user_id", m->user_id,
                                                "by_self", self));
    return vp_event(q, "member.left", m->out);
}

/* Admins remove members; any member but the owner may leave. */
int vp_h_member_remove(vp_req_t *q)
{
    struct member m = {0};
    int st;

    if ((st = vp_project_access(q, VP_ACT_READ)) || (st = target(q, &m.user_id))
        || (st = vp_project_tx(q, VP_ACT_READ, remove_tx, &m)))
        return st;
    return vp_ok(q, HTTP_OK, m.out && json_is_true(json_object_get(m.out, "by_self"))
                             ? "you left the project" : "member removed", json_incref(m.out));
}
