/* mod_vplanet request glue: configuration, the per-request context and the
 * one way a handler answers. Only files of this layer include httpd headers. */
#ifndef VPLANET_H
#define VPLANET_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <jansson.h>

#include "core/vp_json.h"
#include "core/vp_route.h"
#include "core/vp_valid.h"

extern module AP_MODULE_DECLARE_DATA vplanet_module;
APLOG_USE_MODULE(vplanet);

#define VP_HANDLER_NAME "vplanet"
#define VP_NOTE_REQUEST_ID "vplanet-request-id"
#define VP_ENV_REQUEST_ID "VPLANET_REQUEST_ID"

typedef struct {
    const char *jwt_key_file;
    const char *media_root;
    const char *public_url;     /* NULL: derived from the request */
    apr_off_t max_body;         /* -1: unset (merge) */
    int diagnostics;            /* -1: unset */
    /* loaded in post_config */
    const unsigned char *jwt_key;
    apr_size_t jwt_key_len;
} vp_config_t;

typedef struct vp_req vp_req_t;
typedef int (*vp_handler_fn)(vp_req_t *q);

struct vp_req {
    request_rec *r;
    const vp_config_t *cfg;
    const char *id;
    vp_params_t params;
    apr_table_t *args;          /* decoded query arguments */
    /* the answer, written once by vp_respond() */
    const char *message;
    json_t *data;
    const char *error_code;
    json_t *details;
    struct vp_db *db;           /* set by vp_db_open() */
};

/* ---- config.c ---- */
extern const command_rec vp_cmds[];
void *vp_config_create(apr_pool_t *p, server_rec *s);
void *vp_config_merge(apr_pool_t *p, void *base, void *add);
/* Reads and checks the key file of every server; NULL or an error text. */
const char *vp_config_load_keys(apr_pool_t *p, server_rec *s);
apr_off_t vp_config_max_body(const vp_config_t *c);

/* ---- request.c ---- */
/* Records an error answer and returns status (>= 400). details may be NULL
 * (borrowed reference). Logs 4xx at info; a 5xx's cause is logged by
 * whoever found it (vp_fail_internal, the db layer). */
int vp_fail(vp_req_t *q, int status, const char *code, const char *message,
            json_t *details);
/* A 5xx whose cause stays in the error log: the client sees only message. */
int vp_fail_internal(vp_req_t *q, int status, const char *message,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Success: records data (stolen) and message, returns status. */
int vp_ok(vp_req_t *q, int status, const char *message, json_t *data);
/* Reads the JSON object body (415 wrong type, 413 too big, 400 malformed)
 * and validates it against fields (400/422). 0 on success. */
int vp_read_json(vp_req_t *q, const vp_field_t *fields, json_t **body);
/* Writes the envelope with X-Request-ID and X-Response-Time. */
int vp_respond(vp_req_t *q, int status);
/* Absolute URL for a path of this API (VPlanetPublicURL, else the request's). */
const char *vp_url(vp_req_t *q, const char *path);

/* Every log line of a request carries its id. */
#define VP_LOG(q, level, fmt, ...) \
    ap_log_rerror(APLOG_MARK, level, 0, (q)->r, "[rid %s] " fmt, (q)->id, ##__VA_ARGS__)

#endif
