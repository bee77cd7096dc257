/* Project memos (spec section 4): dated notes; editors and above write.
 * The model of a resource's handlers: each write states its statement and
 * its event, vp_write (write.c) does the rest. */
#include "../handlers.h"
#include "../db.h"

#include <apr_strings.h>

#define NO_MEMO "no such memo"

static const char *const memo_keys[] = {
    "id", "date", "memo", "author", "created_at", "updated_at", NULL
};

static const vp_write_t memo_created = {
    .action = VP_ACT_MEMOS, .event = "memo.created", .status = HTTP_CREATED,
    .message = "memo created",
};
static const vp_write_t memo_updated = {
    .action = VP_ACT_MEMOS, .event = "memo.updated", .status = HTTP_OK,
    .message = "memo updated", .missing = NO_MEMO,
};
static const vp_write_t memo_deleted = {
    .action = VP_ACT_MEMOS, .event = "memo.deleted", .status = HTTP_OK,
    .message = "memo deleted", .missing = NO_MEMO,
};

int vp_h_memo_list(vp_req_t *q)
{
    vp_page_t pg;
    PGresult *res;
    int st;

    if ((st = vp_project_access(q, VP_ACT_READ)) || (st = vp_list_page(q, &pg))
        || (st = vp_db_exec(q, VP_SQL_MEMO_LIST, &res, q->project_id, apr_ltoa(q->r->pool, pg.size),
                            apr_ltoa(q->r->pool, pg.offset))))
        return st;
    return vp_list_ok(q, &pg, res, memo_keys, "memos");
}

int vp_h_memo_create(vp_req_t *q)
{
    json_t *body;
    int st;

    if ((st = vp_project_access(q, VP_ACT_MEMOS))
        || (st = vp_read_json(q, vp_memo_create_fields, &body)))
        return st;
    return vp_write(q, &memo_created, NULL, VP_SQL_MEMO_INSERT, q->project_id, vp_str(body, "date"),
                    vp_str(body, "memo"), q->who->id);
}

int vp_h_memo_update(vp_req_t *q)
{
    const char *id;
    json_t *body;
    int st;

    if ((st = vp_project_access(q, VP_ACT_MEMOS))
        || (st = vp_param_uuid(q, "memo_id", NO_MEMO, &id))
        || (st = vp_read_json(q, vp_memo_update_fields, &body)))
        return st;
    return vp_write(q, &memo_updated, NULL, VP_SQL_MEMO_UPDATE, q->project_id, id,
                    vp_str(body, "date"), vp_str(body, "memo"));
}

int vp_h_memo_delete(vp_req_t *q)
{
    const char *id;
    int st;

    if ((st = vp_project_access(q, VP_ACT_MEMOS))
        || (st = vp_param_uuid(q, "memo_id", NO_MEMO, &id)))
        return st;
    /* the id as the client sent it (either letter case), like every answer */
    return vp_write(q, &memo_deleted, json_pack("{s:s}", "id", id), VP_SQL_MEMO_DELETE,
                    q->project_id, id);
}
