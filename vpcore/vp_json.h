/* JSON helpers and the response envelope (spec section 1). httpd-free. */
#ifndef VP_JSON_H
#define VP_JSON_H

#include <apr_pools.h>
#include <jansson.h>

/* jansson's allocator (process-wide; call once before any JSON value
 * exists): blocks come from the pool set by vp_json_alloc_pool for the
 * calling thread, else from the heap. Without it jansson uses the heap. */
void vp_json_alloc_install(void);

/* Makes p (NULL: the heap) the source of the calling thread's JSON values
 * until the next call; returns the previous one. Values taken from p must
 * not outlive it (vp_json_pool ties them to it). */
apr_pool_t *vp_json_alloc_pool(apr_pool_t *p);

/* With on set, the calling thread's JSON allocations are plain malloc and
 * free, for libraries that free jansson's output with free() themselves
 * (libjwt); no value may cross such a section. Returns the previous state. */
int vp_json_alloc_plain(int on);

/* The default body limits (directives VPlanetMaxJSONMembers and
 * VPlanetMaxJSONValues): far above any body of the API. */
#define VP_JSON_MAX_MEMBERS 1000
#define VP_JSON_MAX_VALUES 10000

/* A cheap scan of a body before it is parsed, so that a hostile one builds
 * no large tree: NULL, or why it is refused (an object with more than
 * max_members members, more than max_values values in all). Malformed text
 * passes, for the parser to refuse. */
const char *vp_json_check_limits(apr_pool_t *p, const char *buf, size_t len,
                                 long max_members, long max_values);

/* Ties a jansson value to a pool: decref'd when the pool goes. Returns j. */
json_t *vp_json_pool(apr_pool_t *p, json_t *j);

/* Parses a request body that must be one JSON object; duplicate keys,
 * invalid UTF-8 and NUL characters are refused. On failure returns NULL
 * and *why holds a message about the client's input (pool memory). */
json_t *vp_json_parse_object(apr_pool_t *p, const char *buf, size_t len,
                             const char **why);

/* The string member key of obj (a validated body), or NULL when it is
 * absent or not a string. */
const char *vp_str(const json_t *obj, const char *key);

/* Compact dump into pool memory. */
char *vp_json_dump(apr_pool_t *p, const json_t *j);

/* json_dumps with flags, into pool memory ("null" when it fails). */
char *vp_json_dump_flags(apr_pool_t *p, const json_t *j, size_t flags);

/* Stable machine-readable error code for an HTTP status. */
const char *vp_error_code(int status);

typedef struct {
    int status;               /* HTTP status; >= 400 makes an error envelope */
    const char *message;
    json_t *data;             /* payload (borrowed), may be NULL: an error's too */
    const char *code;         /* error code; NULL: derived from status */
    json_t *details;          /* error details (borrowed), may be NULL */
    const char *request_id;
    double timestamp;         /* seconds since the epoch */
    double elapsed_ms;
} vp_envelope_t;

/* Error details list at most this many fields; error.details_omitted
 * counts the others. */
#define VP_DETAILS_MAX 20

/* Builds the envelope object (new reference). */
json_t *vp_envelope(const vp_envelope_t *e);

/* details helper: appends msg to details[field] (an array), creating it. */
void vp_detail_add(json_t *details, const char *field, const char *msg);

#endif
