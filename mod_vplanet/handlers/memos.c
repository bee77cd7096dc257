/* Project memos (spec section 4): dated notes; editors and above write. */
#include "../handlers.h"
#include "../db.h"

#include <apr_strings.h>

#define CREATED "memo created"

static const char *const memo_keys[] = {
    "id", "date", "memo", "author", "created_at", "updated_at", NULL
};

int vp_h_memo_list(vp_req_t *q)
{
    vp_page_t pg;
    PGresult *res;
    int st;

    if ((st = vp_project_access(q, VP_ACT_READ)) || (st = vp_list_page(q, &pg))
        || (st = vp_db_exec(q, "vp_memo_list", &res, 3,
                            (const char *[]){q->project_id, apr_ltoa(q->r->pool, pg.size),
                                             apr_ltoa(q->r->pool, pg.offset)})))
        return st;
    return vp_list_ok(q, &pg, res, memo_keys, "memos");
}

struct memo {
    const char *id, *date, *text;
    json_t *out;
};

static int write_tx(vp_req_t *q, void *ctx)
{
    struct memo *m = ctx;
    PGresult *res;
    int st = m->id ? vp_db_exec(q, "vp_memo_update", &res, 4,
                                (const char *[]){q->project_id, m->id, m->date, m->text})
                   : vp_db_exec(q, "vp_memo_insert", &res, 4,
                                (const char *[]){q->project_id, m->date, m->text, q->who->id});

    if (st)
        return st;
    if (!(m->out = vp_db_value(q, res)))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "no such memo", NULL);
    if ((st = vp_event(q, m->id ? "memo.updated" : "memo.created", m->out)))
        return st;
    return m->id ? 0 : vp_idempotency_record(q, HTTP_CREATED, CREATED, m->out);
}

/* The {memo_id} of the path; 404 when it cannot name a memo. */
static int memo_id(vp_req_t *q, const char **id)
{
    *id = vp_param(&q->params, "memo_id");
    return vp_is_uuid(*id) ? 0 : vp_fail(q, HTTP_NOT_FOUND, NULL, "no such memo", NULL);
}

static int write_memo(vp_req_t *q, int create)
{
    struct memo m = {0};
    json_t *body;
    int st;

    if ((st = vp_project_access(q, VP_ACT_MEMOS)) || (!create && (st = memo_id(q, &m.id)))
        || (st = vp_read_json(q, create ? vp_memo_create_fields : vp_memo_update_fields, &body))
        || (create && (st = vp_idempotency_begin(q, body))))
        return st;
    m.date = vp_str(body, "date");
    m.text = vp_str(body, "memo");
    if ((st = vp_project_tx(q, VP_ACT_MEMOS, write_tx, &m)))
        return st;
    return vp_ok(q, create ? HTTP_CREATED : HTTP_OK, create ? CREATED : "memo updated",
                 json_incref(m.out));
}

int vp_h_memo_create(vp_req_t *q)
{
    return write_memo(q, 1);
}

int vp_h_memo_update(vp_req_t *q)
{
    return write_memo(q, 0);
}

static int delete_tx(vp_req_t *q, void *ctx)
{
    struct memo *m = ctx;
    PGresult *res;
    int st = vp_db_exec(q, "vp_memo_delete", &res, 2, (const char *[]){q->project_id, m->id});

    if (st)
        return st;
    if (PQntuples(res) != 1)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, "no such memo", NULL);
    m->out = vp_json_pool(q->r->pool, json_pack("{s:s}", "id", m->id));
    return vp_event(q, "memo.deleted", m->out);
}

int vp_h_memo_delete(vp_req_t *q)
{
    struct memo m = {0};
    int st;

    if ((st = vp_project_access(q, VP_ACT_MEMOS)) || (st = memo_id(q, &m.id))
        || (st = vp_project_tx(q, VP_ACT_MEMOS, delete_tx, &m)))
        return st;
    return vp_ok(q, HTTP_OK, "memo deleted", json_incref(m.out));
}
