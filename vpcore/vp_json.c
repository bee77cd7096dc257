#include "vp_json.h"
#include "vp_status.h"

#include <apr_strings.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* jansson's allocations: from the pool of the request under way, else from
 * the heap. A header before each block says which, so a value freed after
 * its thread changed scope still goes back the right way. */
typedef union {
    int on_heap;
    /* what jansson stores needs no more alignment than these (APR pools
     * align to 8 bytes) */
    double d;
    long long ll;
    void *ptr;
} alloc_head_t;

static __thread apr_pool_t *alloc_pool;
static __thread int alloc_plain;

static void *json_alloc(size_t n)
{
    alloc_head_t *h;

    if (alloc_plain)
        return malloc(n);
    if (n > SIZE_MAX - sizeof *h)
        return NULL;
    h = alloc_pool ? apr_palloc(alloc_pool, sizeof *h + n) : malloc(sizeof *h + n);
    if (!h)
        return NULL;
    h->on_heap = !alloc_pool;
    return h + 1;
}

static void json_release(void *ptr)
{
    alloc_head_t *h;

    if (alloc_plain || !ptr) {
        free(ptr);
        return;
    }
    h = (alloc_head_t *)ptr - 1;
    /* pool blocks go with their pool */
    if (h->on_heap)
        free(h);
}

void vp_json_alloc_install(void)
{
    json_set_alloc_funcs(json_alloc, json_release);
}

apr_pool_t *vp_json_alloc_pool(apr_pool_t *p)
{
    apr_pool_t *was = alloc_pool;

    alloc_pool = p;
    return was;
}

int vp_json_alloc_plain(int on)
{
    int was = alloc_plain;

    alloc_plain = on;
    return was;
}

static apr_status_t json_cleanup(void *j)
{
    json_decref(j);
    return APR_SUCCESS;
}

json_t *vp_json_pool(apr_pool_t *p, json_t *j)
{
    if (j)
        apr_pool_cleanup_register(p, j, json_cleanup, apr_pool_cleanup_null);
    return j;
}

json_t *vp_json_parse_object(apr_pool_t *p, const char *buf, size_t len,
                             const char **why)
{
    json_error_t err;
    json_t *j;

    if (len == 0) {
        *why = "request body is empty; a JSON object is required";
        return NULL;
    }
    j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
    if (!j) {
        /* jansson's text for this one names its own flag (JSON_ALLOW_NUL) */
        *why = apr_psprintf(p, "malformed JSON at line %d, column %d: %s",
                            err.line, err.column,
                            json_error_code(&err) == json_error_null_character
                            ? "\\u0000 is not allowed in strings" : err.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        *why = "the body must be a JSON object";
        return NULL;
    }
    return vp_json_pool(p, j);
}

char *vp_json_dump_flags(apr_pool_t *p, const json_t *j, size_t flags)
{
    char *s = json_dumps(j, flags);
    char *out;
    json_free_t release;

    if (!s)
        return apr_pstrdup(p, "null");
    out = apr_pstrdup(p, s);
    json_get_alloc_funcs(NULL, &release);
    release(s);
    return out;
}

const char *vp_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

char *vp_json_dump(apr_pool_t *p, const json_t *j)
{
    /* 15 significant digits keep epoch timestamps at millisecond precision
     * without binary noise (1691234567.123, not ...1229999). */
    return vp_json_dump_flags(p, j, JSON_COMPACT | JSON_REAL_PRECISION(15));
}

/* The innermost containers the scan follows; deeper ones are jansson's to
 * refuse (its own limit is 2048). */
#define SCAN_DEPTH 2048

const char *vp_json_check_limits(apr_pool_t *p, const char *buf, size_t len,
                                 long max_members, long max_values)
{
    /* per open container: values so far, and whether it is an object */
    long *count = apr_palloc(p, SCAN_DEPTH * sizeof *count);
    char *object = apr_palloc(p, SCAN_DEPTH);
    int depth = 0, empty = 0;
    long values = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        char c = buf[i];

        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (depth > 0 && empty && c != '}' && c != ']') {
            empty = 0;
            count[depth - 1] = 1;
            values++;
        }
        switch (c) {
        case '"':
            for (i++; i < len && buf[i] != '"'; i++)
                if (buf[i] == '\\')
                    i++;
            break;
        case '{': case '[':
            if (depth == SCAN_DEPTH)
                return NULL;
            object[depth] = c == '{';
            count[depth++] = 0;
            empty = 1;
            break;
        case '}': case ']':
            if (depth == 0)
                return NULL;
            depth--;
            empty = 0;
            break;
        case ',':
            if (depth > 0) {
                count[depth - 1]++;
                values++;
            }
            break;
        default:
            break;
        }
        if (depth > 0 && object[depth - 1] && count[depth - 1] > max_members)
            return apr_psprintf(p, "a JSON object of the body has more than %ld members",
                                max_members);
        if (values > max_values)
            return apr_psprintf(p, "the JSON body holds more than %ld values", max_values);
    }
    return NULL;
}

const char *vp_error_code(int status)
{
    switch (status) {
    case VP_HTTP_BAD_REQUEST: return "bad_request";
    case VP_HTTP_UNAUTHORIZED: return "unauthorized";
    case VP_HTTP_FORBIDDEN: return "forbidden";
    case VP_HTTP_NOT_FOUND: return "not_found";
    case VP_HTTP_METHOD_NOT_ALLOWED: return "method_not_allowed";
    case VP_HTTP_CONFLICT: return "conflict";
    case VP_HTTP_GONE: return "gone";
    case VP_HTTP_PRECONDITION_FAILED: return "precondition_failed";
    case VP_HTTP_REQUEST_ENTITY_TOO_LARGE: return "payload_too_large";
    case VP_HTTP_UNSUPPORTED_MEDIA_TYPE: return "unsupported_media_type";
    case VP_HTTP_RANGE_NOT_SATISFIABLE: return "range_not_satisfiable";
    case VP_HTTP_UNPROCESSABLE_ENTITY: return "validation_failed";
    case VP_HTTP_TOO_MANY_REQUESTS: return "rate_limited";
    case VP_HTTP_SERVICE_UNAVAILABLE: return "service_unavailable";
    case VP_HTTP_INSUFFICIENT_STORAGE: return "insufficient_storage";
    default:  return status >= VP_HTTP_INTERNAL_SERVER_ERROR ? "internal_error" : "error";
    }
}

static double round_to(double v, double unit)
{
    return floor(v / unit + 0.5) * unit;
}

/* The first VP_DETAILS_MAX fields: an answer stays small whatever the body. */
static json_t *capped_details(json_t *details)
{
    json_t *out, *v;
    const char *key;

    if (!details)
        return json_object();
    if (json_object_size(details) <= VP_DETAILS_MAX)
        return json_incref(details);
    out = json_object();
    json_object_foreach(details, key, v) {
        if (json_object_size(out) == VP_DETAILS_MAX)
            break;
        json_object_set(out, key, v);
    }
    return out;
}

json_t *vp_envelope(const vp_envelope_t *e)
{
    int ok = e->status < VP_HTTP_BAD_REQUEST;
    json_t *env = json_object();

    json_object_set_new(env, "success", json_boolean(ok));
    json_object_set_new(env, "status", json_string(ok ? "success" : "error"));
    json_object_set_new(env, "message", json_string(e->message ? e->message : ""));
    if (ok) {
        json_object_set_new(env, "data", e->data ? json_incref(e->data) : json_null());
    }
    else {
        json_t *err = json_object();
        json_object_set_new(err, "code",
                            json_string(e->code ? e->code : vp_error_code(e->status)));
        json_object_set_new(err, "details", capped_details(e->details));
        if (json_object_size(e->details) > VP_DETAILS_MAX)
            json_object_set_new(err, "details_omitted",
                                json_integer((json_int_t)(json_object_size(e->details)
                                                          - VP_DETAILS_MAX)));
        json_object_set_new(env, "error", err);
        /* an error may say more in data (an invitation link's
         * {valid: false, reason}: spec section 7) */
        if (e->data)
            json_object_set_new(env, "data", json_incref(e->data));
    }
    json_object_set_new(env, "timestamp", json_real(round_to(e->timestamp, 0.001)));
    json_object_set_new(env, "request_id", json_string(e->request_id));
    json_object_set_new(env, "performance",
                        json_pack("{s:f}", "response_time_ms",
                                  round_to(e->elapsed_ms, 0.001)));
    return env;
}

void vp_detail_add(json_t *details, const char *field, const char *msg)
{
    json_t *list = json_object_get(details, field);

    if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(details, field, list);
    }
    json_array_append_new(list, json_string(msg));
}
