/* The calendar (spec section 8): personal events and project events, the
 * month view by the days of VPlanetTimeZone, the pollers' changes and
 * all-or-nothing batches. A user sees its own personal events and the
 * events of the live projects it is a member of; a personal event is its
 * owner's alone to change, a project event its owner's (while a member) or
 * any editor's and above (the schedule's action, VP_ACT_SCHEDULE), who also
 * add events to the project. Every change of a project event takes the
 * project's lock (the order of vp_project_tx: project, then membership,
 * then the event's row) and records calendar.event.changed for the
 * project's members; a personal event's change locks its row alone. Times
 * and days are PostgreSQL's (sql/0013_calendar.sql); the iCalendar feed is
 * calendar_feed.c. */
#include "../handlers.h"
#include "../db.h"

#include <apr_strings.h>
#include <stdlib.h>

#define NO_EVENT "no such event"
#define CHANGED "calendar.event.changed"
#define MAX_PROJECTS 100        /* a batch of 100 reaches 100 projects at most */

static const char *const event_keys[] = {
    "id", "owner", "project_id", "title", "description", "starts_at", "ends_at", "all_day",
    "start_date", "end_date", "color", "sequence", "created_at", "updated_at", NULL
};

/* ---- one change: what the single routes and a batch share ---- */

typedef enum { OP_CREATE, OP_UPDATE, OP_REPLACE, OP_DELETE } op_kind_t;

typedef struct {
    op_kind_t kind;
    const char *id;             /* update, replace, delete: the event */
    const char *project_id;     /* create: the body's (NULL: personal); else the event's */
    const char *owner_id;       /* update, replace, delete: the event's */
    json_t *body;               /* create, update, replace: the fields */
    json_t *out;                /* the answer: the event, or a delete's tombstone */
} op_t;

typedef struct {
    op_t *ops;
    int n;
    int batch;                  /* errors name the operation's index; the
                                   answer lists every operation's */
    int status;                 /* of the answer */
    const char *message;
    json_t *answer;             /* set by run_tx */
    /* the projects reached, in lock order, and the caller's role on each
     * (VP_ACCESS_NOT_FOUND: none) */
    const char *pid[MAX_PROJECTS];
    vp_outcome_t outcome[MAX_PROJECTS];
    vp_role_t role[MAX_PROJECTS];
    int np;
} run_t;

static int cmp_str(const void *a, const void *b)
{
    return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

static int project_index(const run_t *r, const char *pid)
{
    int i;

    for (i = 0; i < r->np; i++)
        if (!strcasecmp(r->pid[i], pid))
            return i;
    return -1;
}

/* Rewrites the error recorded for operation i of a batch: the message and
 * the fields of details name it. */
static int name_operation(vp_req_t *q, const run_t *r, int i, int st)
{
    json_t *details, *v;
    const char *k;

    if (!r->batch || st < 400 || st >= 500)
        return st;
    q->message = apr_psprintf(q->r->pool, "operation %d: %s", i, q->message ? q->message : "");
    details = vp_json_pool(q->r->pool, json_object());
    if (q->details)
        json_object_foreach(q->details, k, v)
            json_object_set(details, apr_psprintf(q->r->pool, "operations[%d].event.%s", i, k), v);
    else
        json_object_set_new(details, apr_psprintf(q->r->pool, "operations[%d]", i),
                            json_pack("[s]", q->message));
    q->details = details;
    return st;
}

/* The event's row locked, and whether the caller may change it: 0, or a
 * recorded 404 (gone, another's personal event, a project one is not a
 * member of) or 403 (a viewer or reviewer who does not own it). */
static int may_change(vp_req_t *q, run_t *r, op_t *op)
{
    PGresult *res;
    int st, k;

    if ((st = vp_db_exec(q, VP_SQL_CAL_LOCK, &res, op->id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_EVENT, NULL);
    if (!op->project_id)
        return strcasecmp(PQgetvalue(res, 0, 1), q->who->id)
               ? vp_fail(q, HTTP_NOT_FOUND, NULL, NO_EVENT, NULL) : 0;
    k = project_index(r, op->project_id);
    if (k < 0 || r->outcome[k] != VP_ACCESS_OK)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_EVENT, NULL);
    if (strcasecmp(PQgetvalue(res, 0, 1), q->who->id)
        && !vp_may(q->who->kind, r->role[k], VP_ACT_SCHEDULE))
        return vp_fail(q, HTTP_FORBIDDEN, NULL,
                       "only its owner or the project's editors and above change an event",
                       NULL);
    return 0;
}

/* A PUT replaces every field: those it leaves out take their defaults. */
static json_t *replaced(vp_req_t *q, json_t *body)
{
    json_t *all = vp_json_pool(q->r->pool, json_deep_copy(body));

    if (!json_object_get(all, "description"))
        json_object_set_new(all, "description", json_string(""));
    if (!json_object_get(all, "all_day"))
        json_object_set_new(all, "all_day", json_false());
    if (!json_object_get(all, "color"))
        json_object_set_new(all, "color", json_string("#1631F8"));
    return all;
}

static int apply(vp_req_t *q, run_t *r, op_t *op)
{
    const char *tz = vp_config_time_zone(q->cfg);
    PGresult *res;
    json_t *payload;
    int st, k;

    if (op->kind == OP_CREATE && op->project_id) {
        k = project_index(r, op->project_id);
        if (r->outcome[k] != VP_ACCESS_OK)
            return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "project_id",
                                 "names no project you are a member of");
        if (!vp_may(q->who->kind, r->role[k], VP_ACT_SCHEDULE))
            return vp_fail(q, HTTP_FORBIDDEN, NULL,
                           "only the project's editors and above add events to it", NULL);
    }
    if (op->kind == OP_CREATE)
        st = vp_db_exec(q, VP_SQL_CAL_INSERT, &res, q->who->id, op->project_id,
                        vp_json_dump(q->r->pool, op->body), tz);
    else if ((st = may_change(q, r, op)))
        return st;
    else if (op->kind == OP_DELETE)
        st = vp_db_exec(q, VP_SQL_CAL_DELETE, &res, op->id);
    else
        st = vp_db_exec(q, VP_SQL_CAL_UPDATE, &res, op->id,
                        vp_json_dump(q->r->pool, op->kind == OP_REPLACE ? replaced(q, op->body)
                                                                        : op->body), tz);
    if (st)
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_EVENT, NULL);
    op->out = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    if (!op->project_id)
        return 0;
    /* the members of the project hear of it, once committed */
    q->project_id = op->project_id;
    payload = vp_json_pool(q->r->pool,
                           json_pack("{s:s, s:O}", "action",
                                     op->kind == OP_CREATE ? "created"
                                     : op->kind == OP_DELETE ? "deleted" : "updated",
                                     op->kind == OP_DELETE ? "tombstone" : "event", op->out));
    return vp_event(q, CHANGED, payload);
}

/* Inside the transaction: the projects the operations reach locked in one
 * order (no deadlock between two batches), the caller's role on each read
 * under its lock, then every operation in order; the first failure names
 * its index and undoes them all. */
static int run_tx(vp_req_t *q, void *ctx)
{
    run_t *r = ctx;
    int i, st;
    vp_runner_t db = vp_db_runner(q, &st);

    r->np = 0;
    for (i = 0; i < r->n; i++) {
        op_t *op = &r->ops[i];
        PGresult *res;

        op->out = NULL;
        if (op->kind != OP_CREATE) {
            /* an event's project never changes: it may be read before the lock */
            if ((st = vp_db_exec(q, VP_SQL_CAL_ACCESS, &res, op->id)))
                return name_operation(q, r, i, st);
            if (!PQntuples(res))
                return name_operation(q, r, i, vp_fail(q, HTTP_NOT_FOUND, NULL, NO_EVENT, NULL));
            op->project_id = PQgetisnull(res, 0, 0) ? NULL
                             : apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 0));
        }
        if (op->project_id && project_index(r, op->project_id) < 0)
            r->pid[r->np++] = op->project_id;
    }
    qsort(r->pid, (size_t)r->np, sizeof r->pid[0], cmp_str);
    for (i = 0; i < r->np; i++) {
        vp_verdict_t v;

        if ((st = vp_db_exec(q, VP_SQL_PROJECT_LOCK, NULL, r->pid[i])))
            return st;
        v = vp_access_project(&db, q->who, r->pid[i], VP_SQL_MEMBER_ROLE_LOCK, VP_ACT_READ, NULL);
        if (v.outcome == VP_ACCESS_UNAVAILABLE)
            return vp_access_refuse(q, &v, st);
        r->outcome[i] = v.outcome;
        r->role[i] = v.role;
    }
    for (i = 0; i < r->n; i++)
        if ((st = apply(q, r, &r->ops[i])))
            return name_operation(q, r, i, st);
    if (r->batch) {
        json_t *results = json_array();

        for (i = 0; i < r->n; i++)
            json_array_append(results, r->ops[i].out);
        r->answer = vp_json_pool(q->r->pool,
                                 json_pack("{s:i, s:o}", "applied", r->n, "results", results));
    }
    else
        r->answer = r->ops[0].out;
    /* a no-op unless vp_idempotency_begin took a key (creates, batches) */
    return vp_idempotency_record(q, r->status, r->message, r->answer);
}

/* ops (n of them) in one transaction; the answer recorded. */
static int run(vp_req_t *q, op_t *ops, int n, int batch, int status, const char *message)
{
    run_t *r = apr_pcalloc(q->r->pool, sizeof *r);
    int st;

    r->ops = ops;
    r->n = n;
    r->batch = batch;
    r->status = status;
    r->message = message;
    if ((st = vp_db_tx(q, run_tx, r)))
        return st;
    return vp_ok(q, status, message, json_incref(r->answer));
}

/* ---- reads ---- */

/* A bound of ?start= or ?end=: a date, or a date-time with an offset. */
static int arg_when(vp_req_t *q, const char *name, int date_only, const char **out)
{
    const char *v = apr_table_get(q->args, name);

    if (!v)
        return 0;
    if (!vp_is_date(v) && (date_only || !vp_is_datetime(v)))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, name,
                             date_only ? "must be a date YYYY-MM-DD"
                                       : "must be a date YYYY-MM-DD or a date-time with an"
                                         " offset");
    *out = v;
    return 0;
}

int vp_h_calendar_list(vp_req_t *q)
{
    const char *project = NULL, *date = NULL, *start = NULL, *end = NULL;
    vp_page_t pg;
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)) || (st = vp_list_page(q, &pg))
        || (st = vp_list_arg(q, "project_id", NULL, 1, &project))
        || (st = arg_when(q, "date", 1, &date)) || (st = arg_when(q, "start", 0, &start))
        || (st = arg_when(q, "end", 0, &end)))
        return st;
    if (date && (start || end))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "date", "goes without start and end");
    if (date)           /* the day from its first local midnight to its last */
        start = end = date;
    if ((st = vp_db_exec(q, VP_SQL_CAL_LIST, &res, q->who->id, project, start, end,
                         vp_config_time_zone(q->cfg), apr_ltoa(q->r->pool, pg.size),
                         apr_ltoa(q->r->pool, pg.offset))))
        return st;
    return vp_list_ok(q, &pg, res, event_keys, "events");
}

int vp_h_calendar_get(vp_req_t *q)
{
    const char *id;
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)) || (st = vp_param_uuid(q, "id", NO_EVENT, &id))
        || (st = vp_db_exec(q, VP_SQL_CAL_GET, &res, id, q->who->id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_EVENT, NULL);
    return vp_ok(q, HTTP_OK, "event", vp_db_row(res, 0));
}

/* A path number of exactly digits 1..4 long within lo..hi: 0, or a 400
 * naming it. */
static int path_number(vp_req_t *q, const char *name, long lo, long hi, long *out)
{
    const char *v = vp_param(&q->params, name);
    size_t n = v ? strspn(v, "0123456789") : 0;

    if (!v || n == 0 || n > 4 || v[n] || (*out = strtol(v, NULL, 10)) < lo || *out > hi)
        return vp_fail_field(q, HTTP_BAD_REQUEST, name,
                             apr_psprintf(q->r->pool, "must be a number from %ld to %ld", lo, hi));
    return 0;
}

int vp_h_calendar_month(vp_req_t *q)
{
    long year, month;
    PGresult *res;
    json_t *data;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = path_number(q, "year", 1900, 2100, &year))
        || (st = path_number(q, "month", 1, 12, &month))
        || (st = vp_db_exec(q, VP_SQL_CAL_MONTH, &res, q->who->id,
                            apr_psprintf(q->r->pool, "%04ld-%02ld-01", year, month),
                            vp_config_time_zone(q->cfg))))
        return st;
    data = vp_db_value(q, res);
    json_object_set_new(data, "year", json_integer(year));
    json_object_set_new(data, "month", json_integer(month));
    json_object_set_new(data, "time_zone", json_string(vp_config_time_zone(q->cfg)));
    return vp_ok(q, HTTP_OK, "month", json_incref(data));
}

int vp_h_calendar_updates(vp_req_t *q)
{
    const char *since = apr_table_get(q->args, "since");
    PGresult *horizon, *res;
    json_t *data;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)))
        return st;
    if (!since || !vp_is_datetime(since))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "since",
                             since ? "must be a date-time with an offset (a server_time)"
                                   : "is required (the server_time of the last poll)");
    /* Two statements, two snapshots, in this order: whatever commits after
     * the first began before the cursor it returns, so the next poll gets
     * it (README "Calendar"). */
    if ((st = vp_db_exec(q, VP_SQL_CAL_HORIZON, &horizon))
        || (st = vp_db_exec(q, VP_SQL_CAL_CHANGES, &res, q->who->id, since)))
        return st;
    data = vp_db_value(q, res);
    json_object_set_new(data, "since", json_string(since));
    json_object_set_new(data, "server_time", json_string(PQgetvalue(horizon, 0, 0)));
    return vp_ok(q, HTTP_OK, "changes", json_incref(data));
}

/* ---- writes ---- */

int vp_h_calendar_create(vp_req_t *q)
{
    op_t *op = apr_pcalloc(q->r->pool, sizeof *op);
    json_t *body;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_read_json(q, vp_calendar_create_fields, &body))
        || (st = vp_idempotency_begin(q, body)))
        return st;
    op->kind = OP_CREATE;
    op->project_id = vp_str(body, "project_id");
    op->body = vp_json_pool(q->r->pool, json_deep_copy(body));
    json_object_del(op->body, "project_id");
    return run(q, op, 1, 0, HTTP_CREATED, "event created");
}

/* PUT, PATCH and DELETE of one event */
static int update(vp_req_t *q, op_kind_t kind, const vp_field_t *fields, const char *message)
{
    op_t *op = apr_pcalloc(q->r->pool, sizeof *op);
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_param_uuid(q, "id", NO_EVENT, &op->id))
        || (kind != OP_DELETE && (st = vp_read_json(q, fields, &op->body))))
        return st;
    op->kind = kind;
    return run(q, op, 1, 0, HTTP_OK, message);
}

int vp_h_calendar_replace(vp_req_t *q)
{
    return update(q, OP_REPLACE, vp_calendar_replace_fields, "event updated");
}

int vp_h_calendar_update(vp_req_t *q)
{
    return update(q, OP_UPDATE, vp_calendar_update_fields, "event updated");
}

int vp_h_calendar_delete(vp_req_t *q)
{
    return update(q, OP_DELETE, NULL, "event deleted");
}

/* ---- batch ---- */

/* Operation i of a batch as an op_t; its event checked against the table
 * of its action. 0, or a 400/422 naming it. */
static int operation(vp_req_t *q, json_t *item, int i, op_t *op)
{
    const char *action = vp_str(item, "action");
    json_t *event = json_object_get(item, "event"), *details, *named, *v;
    const char *at = apr_psprintf(q->r->pool, "operations[%d]", i), *k;
    const vp_field_t *fields;
    int st;

    op->kind = !strcmp(action, "create") ? OP_CREATE : !strcmp(action, "update") ? OP_UPDATE
               : OP_DELETE;
    op->id = vp_str(item, "id");
    if (op->kind == OP_CREATE && op->id)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, apr_pstrcat(q->r->pool, at, ".id", NULL),
                             apr_psprintf(q->r->pool, "operation %d: a create names no id", i));
    if (op->kind != OP_CREATE && !op->id)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, apr_pstrcat(q->r->pool, at, ".id", NULL),
                             apr_psprintf(q->r->pool, "operation %d: is required", i));
    if (op->kind == OP_DELETE) {
        if (event)
            return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY,
                                 apr_pstrcat(q->r->pool, at, ".event", NULL),
                                 apr_psprintf(q->r->pool, "operation %d: a delete takes no event", i));
        return 0;
    }
    if (!event)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY,
                             apr_pstrcat(q->r->pool, at, ".event", NULL),
                             apr_psprintf(q->r->pool, "operation %d: is required", i));
    fields = op->kind == OP_CREATE ? vp_calendar_create_fields : vp_calendar_update_fields;
    details = vp_json_pool(q->r->pool, json_object());
    if ((st = vp_validate(event, fields, details))) {
        named = vp_json_pool(q->r->pool, json_object());
        json_object_foreach(details, k, v)
            json_object_set(named, apr_psprintf(q->r->pool, "%s.event.%s", at, k), v);
        return vp_fail(q, st, NULL,
                       apr_psprintf(q->r->pool, "operation %d: the event is invalid", i), named);
    }
    op->body = vp_json_pool(q->r->pool, json_deep_copy(event));
    op->project_id = op->kind == OP_CREATE ? vp_str(event, "project_id") : NULL;
    json_object_del(op->body, "project_id");
    return 0;
}

int vp_h_calendar_batch(vp_req_t *q)
{
    json_t *body, *items;
    op_t *ops;
    int st, i, n;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_read_json(q, vp_calendar_batch_fields, &body))
        || (st = vp_idempotency_begin(q, body)))
        return st;
    items = json_object_get(body, "operations");
    n = (int)json_array_size(items);
    ops = apr_pcalloc(q->r->pool, sizeof *ops * (size_t)n);
    for (i = 0; i < n; i++)
        if ((st = operation(q, json_array_get(items, (size_t)i), i, &ops[i])))
            return st;
    return run(q, ops, n, 1, HTTP_OK, "batch applied");
}
