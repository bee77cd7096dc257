/* The one write path of a project's resources: a handler states its
 * statement and its event (vp_write_t); the transaction, the project's
 * lock, the touch, the event and the idempotency record are done here. */
#include "vplanet.h"
#include "db.h"

struct write_run {
    const vp_write_t *w;
    json_t *data;               /* the caller's payload, or NULL */
    vp_sql_id stmt;
    int n;
    const char *const *params;
    json_t *out;                /* the answer */
    json_t *event;              /* set by w->after: the event's payload */
};

/* The answer: w->answer's, else the caller's data, else the statement's row. */
static int answer(vp_req_t *q, struct write_run *r, const PGresult *res)
{
    if (r->w->answer)
        return r->w->answer(q, &r->out);
    if (r->data)
        r->out = r->data;
    else
        r->out = PQntuples(res) ? vp_json_pool(q->r->pool, vp_db_row(res, 0)) : NULL;
    return 0;
}

static int write_tx(vp_req_t *q, void *ctx)
{
    struct write_run *r = ctx;
    const vp_write_t *w = r->w;
    PGresult *res;
    int st;

    if ((w->before && (st = w->before(q, r->params)))
        || (st = vp_db_run(q, r->stmt, &res, r->n, r->params)))
        return st;
    if (w->missing && PQntuples(res) == 0)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, w->missing, NULL);
    if ((w->after && (st = w->after(q, res, &r->out, &r->event)))
        || (w->touch && (st = vp_db_exec(q, VP_SQL_PROJECT_TOUCH, NULL, q->project_id)))
        || (!r->out && (st = answer(q, r, res)))
        || (st = vp_event(q, w->event, r->event ? r->event : r->data ? r->data : r->out))
        || (st = vp_guest_audit(q, w->event, r->out ? vp_str(r->out, "id") : NULL)))
        return st;
    /* a no-op unless vp_idempotency_begin took a key */
    return vp_idempotency_record(q, w->status, w->message, r->out);
}

int vp_write_run(vp_req_t *q, const vp_write_t *w, json_t *data, vp_sql_id stmt, int n,
                 const char *const *params)
{
    struct write_run r = {w, data ? vp_json_pool(q->r->pool, data) : NULL, stmt, n, params,
                          NULL, NULL};
    int st;

    if ((w->status == HTTP_CREATED && (st = vp_idempotency_begin(q, q->body)))
        || (st = vp_project_tx(q, w->action, write_tx, &r)))
        return st;
    return vp_ok(q, w->status, w->message, json_incref(r.out));
}
