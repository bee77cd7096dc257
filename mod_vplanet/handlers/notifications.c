/* Notifications (spec section 6): the caller's list, its read marks and
 * its settings. Notifications are made by their causes, in the cause's
 * transaction (vplanet_notify, sql/0012: feedback in handlers/feedbacks.c
 * through vp_notify_*, comments in theirs) and delivered by vplanetd
 * (/ws/me, emails, digests). Every route is the caller's own: nobody
 * reads or marks another user's. */
#include "../handlers.h"
#include "../db.h"

#include <apr_strings.h>

static const char *const notification_keys[] = {
    "id", "type", "actor", "actor_name", "project_id", "target", "text", "read", "created_at",
    NULL
};

static const char *const unread_choices[] = {"true", "false", NULL};

/* target is always an object (an invitation's has two nulls) */
static void complete(vp_req_t *q, const PGresult *res, int i, json_t *item, const json_t *keep,
                     void *ctx)
{
    (void)q, (void)res, (void)i, (void)ctx;
    if (vp_list_wanted(keep, "target") && json_is_null(json_object_get(item, "target")))
        json_object_set_new(item, "target", json_pack("{s:n, s:n}", "feedback_id", "comment_id"));
}

int vp_h_notification_list(vp_req_t *q)
{
    const char *unread = NULL, *count;
    vp_page_t pg;
    PGresult *res;
    json_t *extra;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)) || (st = vp_list_page(q, &pg))
        || (st = vp_list_arg(q, "unread", unread_choices, 0, &unread)))
        return st;
    if ((st = vp_db_run(q, !unread ? VP_SQL_NOTIFICATION_LIST_ALL
                           : !strcmp(unread, "true") ? VP_SQL_NOTIFICATION_LIST_UNREAD
                           : VP_SQL_NOTIFICATION_LIST_READ, &res, 3,
                        VP_PARAMS(q->who->id, apr_ltoa(q->r->pool, pg.size),
                                  apr_ltoa(q->r->pool, pg.offset)))))
        return st;
    count = PQntuples(res) ? PQgetvalue(res, 0, 1) : "0";
    extra = vp_json_pool(q->r->pool,
                         json_pack("{s:I}", "unread_count", (json_int_t)strtoll(count, NULL, 10)));
    return vp_list_ok_from(q, &pg, res, 2, extra, notification_keys, "notifications", complete,
                           NULL);
}

/* ---- read marks ---- */

struct mark {
    const char *ids;            /* a uuid[] literal, or NULL: all */
    json_t *out;
};

static int mark_tx(vp_req_t *q, void *ctx)
{
    struct mark *m = ctx;
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_NOTIFICATION_MARK_LOCK, NULL, q->who->id))
        || (st = m->ids ? vp_db_exec(q, VP_SQL_NOTIFICATION_MARK_IDS, &res, q->who->id, m->ids)
                        : vp_db_exec(q, VP_SQL_NOTIFICATION_MARK_ALL, &res, q->who->id)))
        return st;
    m->out = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    return 0;
}

/* The ids of body as a uuid[] literal: 0, or 400 (an id that is no
 * string) / 422 (a string that is no UUID) naming each as ids[i]. */
static int id_array(vp_req_t *q, const json_t *ids, const char **out)
{
    json_t *details = vp_json_pool(q->r->pool, json_object()), *id;
    const char *list = "{";
    int malformed = 0;
    size_t i;

    json_array_foreach(ids, i, id) {
        const char *s = json_string_value(id);
        char *field = apr_psprintf(q->r->pool, "ids[%" APR_SIZE_T_FMT "]", i);

        if (!s)
            malformed = 1;
        if (!s || !vp_is_uuid(s))
            vp_detail_add(details, field, s ? "must be a UUID" : "must be a string (a UUID)");
        else
            list = apr_pstrcat(q->r->pool, list, i ? "," : "", s, NULL);
    }
    if (json_object_size(details))
        return vp_fail(q, malformed ? HTTP_BAD_REQUEST : HTTP_UNPROCESSABLE_ENTITY, NULL,
                       "invalid ids", details);
    *out = apr_pstrcat(q->r->pool, list, "}", NULL);
    return 0;
}

int vp_h_notification_read(vp_req_t *q)
{
    struct mark m = {0};
    json_t *body, *ids, *all;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_read_json(q, vp_notification_read_fields, &body)))
        return st;
    ids = json_object_get(body, "ids");
    all = json_object_get(body, "all");
    if (!ids == !all)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, ids ? "all" : "ids",
                             "give either ids (1 to 100 notification ids) or all: true,"
                             " not both");
    if (all && !json_is_true(all))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "all",
                             "must be true (or give ids)");
    if ((ids && (st = id_array(q, ids, &m.ids))) || (st = vp_db_tx(q, mark_tx, &m)))
        return st;
    return vp_ok(q, HTTP_OK, "notifications marked read", json_incref(m.out));
}

/* ---- settings ---- */

int vp_h_notification_settings_get(vp_req_t *q)
{
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_db_exec(q, VP_SQL_NOTIFICATION_SETTINGS_GET, &res, q->who->id)))
        return st;
    return vp_ok(q, HTTP_OK, "notification settings", vp_db_row(res, 0));
}

/* types against its own table, its problems named types.NAME: 0, 400 or
 * 422 recorded. */
static int check_types(vp_req_t *q, json_t *types)
{
    json_t *sub = vp_json_pool(q->r->pool, json_object()), *details, *msgs, *m;
    const char *key;
    size_t j;
    int st = vp_validate(types, vp_notification_types_fields, sub);

    if (!st)
        return 0;
    details = vp_json_pool(q->r->pool, json_object());
    json_object_foreach(sub, key, msgs)
        json_array_foreach(msgs, j, m)
            vp_detail_add(details, apr_pstrcat(q->r->pool, "types.", key, NULL),
                          json_string_value(m));
    return vp_fail(q, st, NULL, "invalid notification settings", details);
}

static const char *flag(json_t *types, const char *name)
{
    return json_is_true(json_object_get(types, name)) ? "true" : "false";
}

int vp_h_notification_settings_put(vp_req_t *q)
{
    json_t *body, *types;
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_read_json(q, vp_notification_settings_fields, &body)))
        return st;
    types = json_object_get(body, "types");
    if ((st = check_types(q, types))
        || (st = vp_db_exec(q, VP_SQL_NOTIFICATION_SETTINGS_PUT, &res, q->who->id,
                            vp_str(body, "email"), flag(types, "mention"), flag(types, "reply"),
                            flag(types, "feedback"), flag(types, "status_change"),
                            flag(types, "invitation"))))
        return st;
    return vp_ok(q, HTTP_OK, "notification settings saved", vp_db_row(res, 0));
}

/* ---- the causes of feedback (handlers/feedbacks.c), in its transaction ---- */

int vp_notify_feedback(vp_req_t *q, const char *feedback_id)
{
    int user = q->who->kind == VP_KIND_USER;

    /* a guest is named by nobody's account: hidden */
    return vp_db_exec(q, VP_SQL_NOTIFY_FEEDBACK, NULL, feedback_id, user ? q->who->id : NULL,
                      q->anonymous || !user ? "true" : "false");
}

int vp_notify_status_change(vp_req_t *q, const char *feedback_id, const char *changes)
{
    return vp_db_exec(q, VP_SQL_NOTIFY_STATUS_CHANGE, NULL, feedback_id,
                      q->who->kind == VP_KIND_USER ? q->who->id : NULL, changes);
}
