#include "vp_json.h"

#include <apr_strings.h>
#include <math.h>
#include <stdlib.h>

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

char *vp_json_dump(apr_pool_t *p, const json_t *j)
{
    /* 15 significant digits keep epoch timestamps at millisecond precision
     * without binary noise (1691234567.123, not ...1229999). */
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
    char *out;

    if (!s)
        return apr_pstrdup(p, "null");
    out = apr_pstrdup(p, s);
    free(s);
    return out;
}

const char *vp_error_code(int status)
{
    switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 422: return "validation_failed";
    case 429: return "rate_limited";
    case 503: return "service_unavailable";
    default:  return status >= 500 ? "internal_error" : "error";
    }
}

static double round_to(double v, double unit)
{
    return floor(v / unit + 0.5) * unit;
}

json_t *vp_envelope(const vp_envelope_t *e)
{
    int ok = e->status < 400;
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
        json_object_set_new(err, "details",
                            e->details ? json_incref(e->details) : json_object());
        json_object_set_new(env, "error", err);
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
