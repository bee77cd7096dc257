/* Paginated lists (spec section 1): page parameters in, the list payload
 * out. Statements return one row: total and results (a JSON array). */
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

int vp_list_ok(vp_req_t *q, const vp_page_t *pg, PGresult *res,
               const char *const *allowed, const char *message)
{
    json_t *row = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    json_t *results = json_object_get(row, "results");
    json_t *details = vp_json_pool(q->r->pool, json_object());
    long total = (long)json_integer_value(json_object_get(row, "total"));
    int st;

    if (!json_is_array(results))
        results = json_array();
    else
        json_incref(results);
    st = vp_fields_select(q->r->pool, results, apr_table_get(q->args, "fields"), allowed, details);
    if (st) {
        json_decref(results);
        return vp_fail(q, st, NULL, "unknown field in fields", details);
    }
    return vp_ok(q, HTTP_OK, message,
                 vp_page_data(q->r->pool, pg, total, results,
                              vp_url(q, q->r->uri), q->r->args));
}
