/* JSON helpers and the response envelope (spec section 1). httpd-free. */
#ifndef VP_JSON_H
#define VP_JSON_H

#include <apr_pools.h>
#include <jansson.h>

/* Ties a jansson value to a pool: decref'd when the pool goes. Returns j. */
json_t *vp_json_pool(apr_pool_t *p, json_t *j);

/* Parses a request body that must be one JSON object; duplicate keys,
 * invalid UTF-8 and NUL characters are refused. On failure returns NULL
 * and *why holds a message about the client's input (pool memory). */
json_t *vp_json_parse_object(apr_pool_t *p, const char *buf, size_t len,
                             const char **why);

/* Compact dump into pool memory. */
char *vp_json_dump(apr_pool_t *p, const json_t *j);

/* Stable machine-readable error code for an HTTP status. */
const char *vp_error_code(int status);

typedef struct {
    int status;               /* HTTP status; >= 400 makes an error envelope */
    const char *message;
    json_t *data;             /* success payload (borrowed), may be NULL */
    const char *code;         /* error code; NULL: derived from status */
    json_t *details;          /* error details (borrowed), may be NULL */
    const char *request_id;
    double timestamp;         /* seconds since the epoch */
    double elapsed_ms;
} vp_envelope_t;

/* Builds the envelope object (new reference). */
json_t *vp_envelope(const vp_envelope_t *e);

/* details helper: appends msg to details[field] (an array), creating it. */
void vp_detail_add(json_t *details, const char *field, const char *msg);

#endif
