/* Idempotency keys (spec section 1): a creating POST with an
 * Idempotency-Key (or X-Idempotency-Key) header answers a retry with its
 * first answer instead of creating again; the same key with another body
 * is a 409. The key is stored with the answer in the creating transaction. */
#include "vplanet.h"
#include "db.h"

#include <apr_strings.h>

static const char *header_key(vp_req_t *q)
{
    const char *k = apr_table_get(q->r->headers_in, "Idempotency-Key");
    return k ? k : apr_table_get(q->r->headers_in, "X-Idempotency-Key");
}

/* Printable ASCII, 1..255 characters. */
static int key_ok(const char *k)
{
    size_t n = strlen(k), i;

    for (i = 0; i < n; i++)
        if (k[i] < 0x21 || k[i] > 0x7e)
            return 0;
    return n >= 1 && n <= 255;
}

int vp_idempotency_begin(vp_req_t *q, const json_t *body)
{
    const char *key = header_key(q), *canon;
    char *dump;
    PGresult *res;
    int st;

    /* keys are kept per account: a guest's requests are not remembered */
    if (!key || q->who->kind != VP_KIND_USER)
        return 0;
    if (!key_ok(key))
        return vp_fail_field(q, HTTP_BAD_REQUEST, "Idempotency-Key",
                             "must be 1 to 255 printable ASCII characters");
    dump = vp_json_dump_flags(q->r->pool, body, JSON_COMPACT | JSON_SORT_KEYS);
    canon = apr_pstrcat(q->r->pool, q->r->method, " ", q->r->uri, "\n", dump, NULL);
    q->idem_key = key;
    q->idem_hash = vp_sha256_hex(q->r->pool, canon);
    if ((st = vp_db_exec(q, VP_SQL_IDEM_GET, &res, q->who->id, key)))
        return st;
    if (PQntuples(res) == 0)
        return 0;
    if (strcmp(PQgetvalue(res, 0, 0), q->idem_hash) != 0)
        return vp_fail_field(q, HTTP_CONFLICT, "Idempotency-Key",
                             "was used for a different request in the last 24 hours");
    apr_table_setn(q->r->headers_out, "Idempotent-Replayed", "true");
    {
        json_t *row = vp_json_pool(q->r->pool, vp_db_row(res, 0));

        return vp_ok(q, (int)json_integer_value(json_object_get(row, "status")),
                     apr_pstrdup(q->r->pool, json_string_value(json_object_get(row, "message"))),
                     json_incref(json_object_get(row, "response")));
    }
}

int vp_idempotency_record(vp_req_t *q, int status, const char *message, json_t *data)
{
    PGresult *res;
    int st;

    if (!q->idem_key)
        return 0;
    st = vp_db_exec(q, VP_SQL_IDEM_PUT, &res, q->who->id, q->idem_key, q->idem_hash,
                    apr_itoa(q->r->pool, status), message, vp_json_dump(q->r->pool, data));
    if (st)
        return st;
    /* a live row appeared since vp_idempotency_begin: a twin request won */
    return PQntuples(res) ? 0 : vp_fail_field(q, HTTP_CONFLICT, "Idempotency-Key",
                                              "a request with this key is being processed");
}
