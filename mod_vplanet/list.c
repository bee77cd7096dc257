/* Paginated lists (spec section 1): page parameters in, the list payload
 * out, written from the statement's rows (VP_SQL_PAGE) in one pass with
 * ?fields= applied on the way. */
#include "vplanet.h"
#include "db.h"

#include <apr_strings.h>

int vp_list_page(vp_req_t *q, vp_page_t *pg)
{
    json_t *details = vp_json_pool(q->r->pool, json_object());
    int st = vp_page_parse(apr_table_get(q->args, "page"), apr_table_get(q->args, "page_size"),
                           pg, details);

    return st ? vp_fail(q, st, NULL, "invalid pagination parameters", details) : 0;
}

int vp_list_arg(vp_req_t *q, const char *name, const char *const *choices, int uuid,
                const char **out)
{
    const char *v = apr_table_get(q->args, name);

    if (!v)
        return 0;
    if (choices ? !vp_in_enum(v, choices) : uuid && !vp_is_uuid(v))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, name,
                             uuid ? "must be a UUID" : "is not one of the accepted values");
    *out = v;
    return 0;
}

int vp_list_wanted(const json_t *keep, const char *key)
{
    return !keep || json_object_get(keep, key);
}

int vp_list_ok(vp_req_t *q, const vp_page_t *pg, PGresult *res,
               const char *const *allowed, const char *message)
{
    return vp_list_ok_each(q, pg, res, allowed, message, NULL, NULL);
}

int vp_list_ok_each(vp_req_t *q, const vp_page_t *pg, PGresult *res,
                    const char *const *allowed, const char *message, vp_item_fn each, void *ctx)
{
    return vp_list_ok_from(q, pg, res, 1, NULL, allowed, message, each, ctx);
}

int vp_list_ok_from(vp_req_t *q, const vp_page_t *pg, PGresult *res, int from, json_t *extra,
                    const char *const *allowed, const char *message, vp_item_fn each, void *ctx)
{
    json_t *details = vp_json_pool(q->r->pool, json_object()), *keep, *results, *data;
    long total = PQntuples(res) ? strtol(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    int i, st = vp_fields_parse(q->r->pool, apr_table_get(q->args, "fields"), allowed, details,
                                &keep);

    if (st)
        return vp_fail(q, st, NULL, "unknown field in fields", details);
    results = json_array();
    for (i = 0; i < PQntuples(res); i++)
        if (!PQgetisnull(res, i, from)) {  /* else: a page past the end */
            json_t *item = vp_db_object(res, i, from, keep);

            if (each)
                each(q, res, i, item, keep, ctx);
            json_array_append_new(results, item);
        }
    data = vp_page_data(q->r->pool, pg, total, results, vp_url(q, q->r->uri), q->r->args);
    if (extra)
        json_object_update(data, extra);
    return vp_ok(q, HTTP_OK, message, data);
}
