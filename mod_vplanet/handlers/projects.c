/* Projects (spec section 4): list, create, read, update, soft delete and
 * restore, ownership transfer, stats, and the event feed for polling
 * clients. Who may do what is vpcore/vp_authz.c's; each handler names its
 * action through vp_project_access. */
#include "../handlers.h"
#include "../db.h"
#include "vpcore/vp_sql.h"

#include <apr_strings.h>

/* what ?fields= may name */
static const char *const project_keys[] = {
    "id", "name", "manager", "consumer", "description", "color", "tone_manner", "genre",
    "concept", "owner", "status", "progress", "start_date", "end_date", "actual_end_date",
    "archived", "created_at", "updated_at", "member_count", "my_role", NULL
};

/* ?ordering= and its statement (each ordering has its own, using its index) */
static const char *const orderings[] = {
    "name", "-name", "created_at", "-created_at", "updated_at", "-updated_at", "start_date",
    "-start_date", "end_date", "-end_date", "progress", "-progress", NULL
};
static const vp_sql_id ordered_lists[] = {
    VP_SQL_PROJECT_LIST_NAME, VP_SQL_PROJECT_LIST_NAME_DESC, VP_SQL_PROJECT_LIST_CREATED,
    VP_SQL_PROJECT_LIST_CREATED_DESC, VP_SQL_PROJECT_LIST_UPDATED,
    VP_SQL_PROJECT_LIST_UPDATED_DESC, VP_SQL_PROJECT_LIST_START, VP_SQL_PROJECT_LIST_START_DESC,
    VP_SQL_PROJECT_LIST_END, VP_SQL_PROJECT_LIST_END_DESC, VP_SQL_PROJECT_LIST_PROGRESS,
    VP_SQL_PROJECT_LIST_PROGRESS_DESC
};
_Static_assert(sizeof ordered_lists / sizeof *ordered_lists + 1
               == sizeof orderings / sizeof *orderings, "an ordering without its statement");

static const char *const archived_choices[] = {"false", "true", "all", NULL};

int vp_h_project_list(vp_req_t *q)
{
    const char *status = NULL, *archived = "false", *ordering = "-updated_at";
    const char *term = apr_table_get(q->args, "q"), *pattern = NULL;
    vp_page_t pg;
    vp_answer_t remembered;
    PGresult *res;
    int st, i;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)))
        return st;
    if (vp_answer_find(q, NULL, &remembered))
        return vp_ok(q, HTTP_OK, "projects", NULL);
    if ((st = vp_list_page(q, &pg))
        || (st = vp_list_arg(q, "status", vp_project_statuses, 0, &status))
        || (st = vp_list_arg(q, "archived", archived_choices, 0, &archived))
        || (st = vp_list_arg(q, "ordering", orderings, 0, &ordering)))
        return st;
    if (term && (vp_utf8_len(term) < 1 || vp_utf8_len(term) > 100))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "q", "must be 1 to 100 characters");
    if (term)
        pattern = vp_like_pattern(q->r->pool, term, 1);
    for (i = 0; strcmp(orderings[i], ordering); i++)
        ;
    if ((st = vp_db_run(q, ordered_lists[i], &res, 6,
                        VP_PARAMS(q->who->id, status, archived, pattern,
                                  apr_ltoa(q->r->pool, pg.size), apr_ltoa(q->r->pool, pg.offset)))))
        return st;
    if ((st = vp_list_ok(q, &pg, res, project_keys, "projects")) == HTTP_OK)
        vp_answer_keep(q, &remembered);
    return st;
}

/* process [{key, startDate, endDate}] as schedule phases; 422 on a phase
 * named twice. */
static int process_phases(vp_req_t *q, json_t *process, json_t **phases)
{
    size_t i, j;
    json_t *item;

    *phases = vp_json_pool(q->r->pool, json_array());
    json_array_foreach(process, i, item) {
        const char *key = vp_str(item, "key");
        json_t *ph = json_pack("{s:s}", "phase", key), *v;

        for (j = 0; j < i; j++)
            if (strcmp(key, vp_str(json_array_get(process, j), "key")) == 0) {
                json_decref(ph);
                return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "process",
                                     "names a phase twice");
            }
        if ((v = json_object_get(item, "startDate")))
            json_object_set(ph, "start_date", v);
        if ((v = json_object_get(item, "endDate")))
            json_object_set(ph, "end_date", v);
        json_array_append_new(*phases, ph);
    }
    return 0;
}

#define CREATED "project created"

struct project_tx {
    json_t *body, *phases;
    json_t *out;
};

static int fetch_project(vp_req_t *q, json_t **out)
{
    PGresult *res;
    int st = vp_db_exec(q, VP_SQL_PROJECT_GET, &res, q->project_id, q->who->id);

    if (st)
        return st;
    if (PQntuples(res) != 1)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "no such project", NULL);
    *out = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    return 0;
}

static int create_tx(vp_req_t *q, void *ctx)
{
    struct project_tx *t = ctx;
    const char *me = q->who->id;
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_PROJECT_INSERT, &res, me, vp_json_dump(q->r->pool, t->body))))
        return st;
    q->project_id = apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 0));
    q->role = VP_ROLE_OWNER;
    if ((st = vp_db_exec(q, VP_SQL_MEMBER_INSERT, NULL, q->project_id, me, "owner"))
        || (st = vp_db_exec(q, VP_SQL_PHASES_CREATE, NULL, q->project_id))
        || (json_array_size(t->phases)
            && (st = vp_db_exec(q, VP_SQL_PHASES_UPDATE, NULL, q->project_id,
                                vp_json_dump(q->r->pool, t->phases))))
        || (st = fetch_project(q, &t->out))
        || (st = vp_event(q, "project.created", t->out)))
        return st;
    return vp_idempotency_record(q, HTTP_CREATED, CREATED, t->out);
}

int vp_h_project_create(vp_req_t *q)
{
    struct project_tx t = {0};
    json_t *process;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_read_json(q, vp_project_create_fields, &t.body))
        || (st = vp_idempotency_begin(q, t.body)))
        return st;
    process = json_object_get(t.body, "process");
    t.phases = NULL;
    if (process && (st = process_phases(q, process, &t.phases)))
        return st;
    if ((st = vp_db_tx(q, create_tx, &t)))
        return st;
    vp_answers_changed(q, q->project_id);
    return vp_ok(q, HTTP_CREATED, CREATED, json_incref(t.out));
}

int vp_h_project_get(vp_req_t *q)
{
    json_t *project;
    int st;

    if ((st = vp_project_access(q, VP_ACT_VIEW)) || (st = fetch_project(q, &project)))
        return st;
    if (q->who->kind == VP_KIND_GUEST) {
        /* a guest's role is its invitation's (spec section 7) */
        json_object_set_new(project, "my_role", json_string(vp_role_name(q->role)));
        json_object_set_new(project, "guest", json_true());
    }
    return vp_ok(q, HTTP_OK, "project", json_incref(project));
}

static const vp_write_t project_updated = {
    .action = VP_ACT_UPDATE, .event = "project.updated", .status = HTTP_OK,
    .message = "project updated", .answer = fetch_project,
};

int vp_h_project_update(vp_req_t *q)
{
    json_t *body;
    int st;

    if ((st = vp_project_access(q, VP_ACT_UPDATE))
        || (st = vp_read_json(q, vp_project_update_fields, &body)))
        return st;
    return vp_write(q, &project_updated, NULL, VP_SQL_PROJECT_UPDATE, q->project_id,
                    vp_json_dump(q->r->pool, body));
}

static const vp_write_t project_deleted = {
    .action = VP_ACT_DELETE, .event = "project.deleted", .status = HTTP_OK,
    .message = "project deleted; the owner can restore it for 30 days",
    .missing = "no such project",
};

int vp_h_project_delete(vp_req_t *q)
{
    int st;

    if ((st = vp_project_access(q, VP_ACT_DELETE)))
        return st;
    return vp_write(q, &project_deleted, NULL, VP_SQL_PROJECT_DELETE, q->project_id);
}

static int restore_tx(vp_req_t *q, void *ctx)
{
    struct project_tx *t = ctx;
    int st;

    /* the lock first, as in vp_project_tx (no live role: the project is deleted) */
    if ((st = vp_db_exec(q, VP_SQL_PROJECT_LOCK, NULL, q->project_id))
        || (st = vp_restore_access(q))
        || (st = vp_db_exec(q, VP_SQL_PROJECT_RESTORE, NULL, q->project_id))
        || (st = fetch_project(q, &t->out)))
        return st;
    return vp_event(q, "project.restored", t->out);
}

/* Deleted projects are outside vp_project_access: only their owner may
 * restore them, within 30 days; anybody else gets the usual 404. */
int vp_h_project_restore(vp_req_t *q)
{
    struct project_tx t = {0};
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_param_uuid(q, "id", "no such project", &q->project_id))
        || (st = vp_db_tx(q, restore_tx, &t)))
        return st;
    vp_answers_changed(q, q->project_id);
    return vp_ok(q, HTTP_OK, "project restored", json_incref(t.out));
}

/* Before PROJECT_SET_OWNER (project, new owner): the new owner must be
 * a member already; the old one stays on as admin. */
static int hand_over(vp_req_t *q, const char *const *params)
{
    const char *to = params[1];
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_MEMBER_ROLE, &res, q->project_id, to)))
        return st;
    if (PQntuples(res) != 1)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "user_id",
                             "is not a member of the project");
    if ((st = vp_db_exec(q, VP_SQL_MEMBER_SET_ROLE, NULL, q->project_id, q->who->id, "admin")))
        return st;
    return vp_db_exec(q, VP_SQL_MEMBER_SET_ROLE, NULL, q->project_id, to, "owner");
}

static const vp_write_t project_transferred = {
    .action = VP_ACT_TRANSFER, .event = "project.transferred", .status = HTTP_OK,
    .message = "ownership transferred", .before = hand_over, .answer = fetch_project,
};

int vp_h_project_transfer(vp_req_t *q)
{
    const char *to;
    json_t *body;
    int st;

    if ((st = vp_project_access(q, VP_ACT_TRANSFER))
        || (st = vp_read_json(q, vp_project_transfer_fields, &body)))
        return st;
    to = vp_str(body, "user_id");
    if (strcasecmp(to, q->who->id) == 0)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "user_id", "is already the owner");
    return vp_write(q, &project_transferred, json_pack("{s:s, s:s}", "from", q->who->id, "to", to),
                    VP_SQL_PROJECT_SET_OWNER, q->project_id, to);
}

int vp_h_project_stats(vp_req_t *q)
{
    PGresult *res;
    int st;

    if ((st = vp_project_access(q, VP_ACT_READ))
        || (st = vp_db_exec(q, VP_SQL_PROJECT_STATS, &res, q->project_id)))
        return st;
    return vp_ok(q, HTTP_OK, "project stats", json_incref(vp_db_value(q, res)));
}

/* A whole number argument of at least min, default dflt. */
static int arg_long(vp_req_t *q, const char *name, long min, long dflt, long *out)
{
    const char *v = apr_table_get(q->args, name);

    *out = dflt;
    if (v && !vp_parse_long(v, out))
        return vp_fail_field(q, HTTP_BAD_REQUEST, name, "must be a whole number");
    if (*out < min)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, name,
                             apr_psprintf(q->r->pool, "must be %ld or more", min));
    return 0;
}

static const char *const event_keys[] = {
    "id", "type", "project_id", "actor_id", "payload", "at", NULL
};

/* Events after since_id, oldest first, as a paginated list: polling
 * clients pass the last id they saw (spec section 10). A member reads
 * nothing from before it joined. */
int vp_h_project_events(vp_req_t *q)
{
    vp_page_t pg;
    long since;
    PGresult *res;
    int st;

    if ((st = vp_project_access(q, VP_ACT_READ)) || (st = vp_list_page(q, &pg))
        || (st = arg_long(q, "since_id", 0, 0, &since))
        || (st = vp_db_exec(q, VP_SQL_EVENT_LIST, &res, q->project_id, apr_ltoa(q->r->pool, since),
                            apr_ltoa(q->r->pool, pg.size), apr_ltoa(q->r->pool, pg.offset),
                            q->who->id)))
        return st;
    return vp_list_ok(q, &pg, res, event_keys, "events");
}
