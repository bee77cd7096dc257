/* mod_vplanet request glue: configuration, the per-request context and the
 * one way a handler answers. Only files of this layer include httpd headers. */
#ifndef VPLANET_H
#define VPLANET_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "vpcore/vp_access.h"
#include "vpcore/vp_authz.h"
#include "vpcore/vp_json.h"
#include "vpcore/vp_media.h"
#include "vpcore/vp_page.h"
#include "vpcore/vp_password.h"
#include "vpcore/vp_ratelimit.h"
#include "vpcore/vp_route.h"
#include "vpcore/vp_storage.h"
#include "vpcore/vp_token.h"
#include "vpcore/vp_valid.h"

extern module AP_MODULE_DECLARE_DATA vplanet_module;
APLOG_USE_MODULE(vplanet);

#define VP_HANDLER_NAME "vplanet"
#define VP_NOTE_REQUEST_ID "vplanet-request-id"
#define VP_ENV_REQUEST_ID "VPLANET_REQUEST_ID"

/* Server configuration; unset values (NULL, -1, 0 lengths) are merged from
 * the main server and resolved to defaults by the vp_config_* accessors. */
typedef struct {
    const char *jwt_key_file;
    const char *jwt_alg;        /* HS256 | RS256 | ES256 */
    const char *jwt_issuer;
    const char *jwt_audience;
    int access_ttl;             /* seconds */
    int refresh_ttl;
    int refresh_grace;          /* seconds; 0: off */
    int session_cache;          /* seconds; 0: off */
    int list_cache;             /* seconds; 0: off */
    const char *media_root;
    const char *public_url;     /* NULL: derived from the request */
    apr_off_t max_body;
    apr_off_t max_upload;
    long max_json_members;      /* per object of a body */
    long max_json_values;       /* in all of a body */
    int diagnostics;
    vp_argon2_params_t argon2;  /* m_kib 0: unset */
    vp_limit_t limits[VP_RL_COUNT];
    int ws_max_per_client;      /* 0: no cap */
    const char *time_zone;      /* VPlanetTimeZone: the calendar's days */
    /* the plans' OpenAI-compatible endpoint (handlers/plannings.c) */
    const char *plan_url;       /* VPlanetPlanningEndpoint; NULL: none */
    const char *plan_model;     /* VPlanetPlanningModel */
    const char *plan_key_file;  /* VPlanetPlanningKeyFile */
    int plan_timeout;           /* VPlanetPlanningTimeout, seconds */
    /* where a directive was set (FILE:LINE), for the messages of the checks */
    const char *jwt_key_file_at, *jwt_alg_at, *media_root_at, *time_zone_at, *plan_key_file_at;
    /* check_config (check.c): the module is used here (SetHandler vplanet
     * somewhere in this server's configuration); the other values are
     * resolved only in such servers */
    int enabled;
    const char *plan_key;       /* read from the key file */
    vp_token_keys_t keys;
    vp_media_key_t media_key;   /* signs media URLs */
    /* post_config */
    vp_storage_t *storage;      /* NULL without VPlanetMediaRoot */
} vp_config_t;

/* The caller of a request is a vp_principal_t (vpcore/vp_access.h): a
 * user (access token; its public user object in `user`) or a guest. */

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
    json_t *body;               /* set by vp_read_json() */
    struct vp_db *db;           /* set by vp_db_open() */
    const vp_principal_t *who;  /* set by vp_authenticate() */
    const char *idem_key;       /* set by vp_idempotency_begin() */
    const char *idem_hash;
    const char *project_id;     /* set by vp_project_access() once granted */
    vp_role_t role;             /* the caller's role on that project */
    int sessions_changed;       /* a statement revoked sessions (sessions.c) */
    int anonymous;              /* the caller acts anonymously: its events name no actor */
    void *ctx;                  /* the handler's own state, for its vp_write_t hooks */
    const char *data_text;      /* the answer's data as JSON text, instead of data */
};

/* ---- config.c ---- */
extern const command_rec vp_cmds[];
void *vp_config_create(apr_pool_t *p, server_rec *s);
void *vp_config_merge(apr_pool_t *p, void *base, void *add);
apr_off_t vp_config_max_body(const vp_config_t *c);
apr_off_t vp_config_max_upload(const vp_config_t *c);
long vp_config_max_json_members(const vp_config_t *c);
long vp_config_max_json_values(const vp_config_t *c);
int vp_config_access_ttl(const vp_config_t *c);
int vp_config_refresh_ttl(const vp_config_t *c);
int vp_config_refresh_grace(const vp_config_t *c);
int vp_config_session_cache(const vp_config_t *c);
int vp_config_list_cache(const vp_config_t *c);
vp_argon2_params_t vp_config_argon2(const vp_config_t *c);
vp_limit_t vp_config_limit(const vp_config_t *c, vp_rl_kind_t kind);
int vp_config_ws_max_per_client(const vp_config_t *c);
/* The zone whose days the calendar uses (default Asia/Seoul). */
const char *vp_config_time_zone(const vp_config_t *c);
/* The plans' endpoint: 1 with url, model, key and timeout (ms) set when
 * VPlanetPlanningEndpoint and a non-empty key file are configured; else 0
 * (no key, no call). */
int vp_config_plan_endpoint(const vp_config_t *c, const char **url, const char **model,
                            const char **key, long *timeout_ms);
/* The socache provider spec of VPlanetRateLimitCache (global), and where
 * it was set (FILE:LINE; NULL: the default). */
const char *vp_config_ratelimit_cache(void);
const char *vp_config_ratelimit_cache_at(void);

/* ---- check.c: what configtest sees ---- */
/* check_config: finds the servers that use the module and checks, for
 * each, every setting and file it needs (reading the keys); logs each
 * problem (VP0001, naming the server, the directive and the fix) and
 * returns how many there were. */
int vp_check_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
/* post_config: what each start makes (the media folders); NULL or why
 * not, naming the server. */
const char *vp_config_start(apr_pool_t *pconf, server_rec *s);
/* post_config: the start-up line (info) of each server using the module. */
void vp_log_started(apr_pool_t *ptemp, server_rec *s);
/* 1 when the server uses the module (check_config said so). */
int vp_server_enabled(const server_rec *s);
/* 1 when some server does. */
int vp_any_enabled(void);
/* How a server is named in messages: the main server, or the virtual
 * host NAME:PORT (FILE:LINE). */
const char *vp_server_desc(apr_pool_t *p, const server_rec *s);

/* ---- request.c ---- */
/* Records an error answer and returns status (>= 400). details may be NULL
 * (borrowed reference). Logs 4xx at info; a 5xx's cause is logged by
 * whoever found it (vp_fail_internal, the db layer). */
int vp_fail(vp_req_t *q, int status, const char *code, const char *message,
            json_t *details);
/* A 5xx whose cause stays in the error log: the client sees only message. */
int vp_fail_internal(vp_req_t *q, int status, const char *message,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* An error about one field: details {field: [msg]}, message "field msg". */
int vp_fail_field(vp_req_t *q, int status, const char *field, const char *msg);
/* Success: records data (stolen) and message, returns status. */
int vp_ok(vp_req_t *q, int status, const char *message, json_t *data);
/* Reads the JSON object body (415 wrong type, 413 too big, 400 malformed)
 * and validates it against fields (400/422). 0 on success. */
int vp_read_json(vp_req_t *q, const vp_field_t *fields, json_t **body);
/* Reads a multipart/form-data body of up to max bytes into the reader m
 * (vpcore/vp_multipart.h), whose callbacks take the parts: 0 at its
 * closing boundary; 400 naming what is malformed; what vp_read_stream or a
 * callback recorded. */
struct vp_multipart;
int vp_read_form(vp_req_t *q, apr_off_t max, struct vp_multipart *m);
/* vp_read_json for a body of up to max bytes (a route that carries more
 * than VPlanetMaxBody, e.g. an image as a data URL). */
int vp_read_json_max(vp_req_t *q, const vp_field_t *fields, apr_off_t max, json_t **body);
/* The second half of vp_read_json: buf (len bytes, NUL-terminated) as the
 * JSON object body validated against fields; 0, or 400/413/422 recorded. */
int vp_parse_json(vp_req_t *q, const char *buf, apr_size_t len, const vp_field_t *fields,
                  json_t **body);
/* Reads the request body through the input filters as it arrives, handing
 * it to sink in pieces: 0 at its end; 413 recorded past max bytes (on
 * Content-Length before reading); 400 when it cannot be read (the client
 * went away); or the status sink returned (non-zero stops the reading).
 * Any stop closes the connection after the answer. */
int vp_read_stream(vp_req_t *q, apr_off_t max, int (*sink)(void *ctx, const char *b, apr_size_t n),
                   void *ctx);
/* Writes the envelope with X-Request-ID and X-Response-Time. */
int vp_respond(vp_req_t *q, int status);
/* For a handler that works on after answering: drains the request body,
 * writes the envelope, flushes it to the client now and closes the
 * connection after it; the handler then returns DONE (nothing it records
 * later reaches the client). */
void vp_respond_now(vp_req_t *q, int status);
/* Absolute URL for a path of this API (VPlanetPublicURL, else the request's). */
const char *vp_url(vp_req_t *q, const char *path);

/* Like vp_read_json, but a request without a body reads as {}. */
int vp_read_json_opt(vp_req_t *q, const vp_field_t *fields, json_t **body);
/* The path parameter name as a UUID in *id: 0, or a recorded 404 with
 * message missing when it cannot name anything. */
int vp_param_uuid(vp_req_t *q, const char *name, const char *missing, const char **id);

/* ---- auth.c ---- */
/* Authenticates the Bearer token for action outside a project (0:
 * VP_ACT_ACCOUNT): sets q->who and returns 0, or records 401 (no/invalid
 * token, user gone, a guest token where the policy lets guests do nothing:
 * spec section 7) and returns it. */
int vp_authenticate(vp_req_t *q, vp_action_t action);
/* Sets q->who from the Bearer token, whatever the policy lets it do, and
 * returns 0; or records 401 and returns it. */
int vp_identify(vp_req_t *q);
/* The client's address as httpd sees it (after mod_remoteip, if used). */
const char *vp_client_ip(vp_req_t *q);
/* The core's statement runner on q's connection (vp_db_exec): a failed
 * statement's answer is recorded and its status kept in *st. */
vp_runner_t vp_db_runner(vp_req_t *q, int *st);
/* Records the answer of a refused verdict (the same statuses, codes and
 * messages for every route) and returns its status; st: the runner's, for
 * VP_ACCESS_UNAVAILABLE. 0 for VP_ACCESS_OK. */
int vp_access_refuse(vp_req_t *q, const vp_verdict_t *v, int st);

/* ---- credentials.c ---- */
/* The account rules several handlers share, with their answers. */
/* argon2id hash of pw with the configured cost; 0 or a recorded 500. */
int vp_hash_password(vp_req_t *q, const char *pw, const char **hash);
/* pw as a new password of the account of email (vp_password_problem):
 * 0 or a recorded 422 naming field. */
int vp_check_password(vp_req_t *q, const char *field, const char *pw, const char *email);
/* The identity key of an email (vpcore/vp_text.h): 0, or a recorded 500. */
int vp_email_key(vp_req_t *q, const char *email, const char **key);
/* The login limits of the client and an email key: 0, or a recorded 429. */
int vp_login_limits(vp_req_t *q, const char *key);

/* ---- authz.c ---- */
/* For routes under /api/v1/projects/{id}: identifies the caller, then
 * requires {id} to name a live project the caller is a member of (404
 * otherwise: other tenants' ids are never confirmed) and the caller's role
 * to allow action (403; a guest as far as the policy lets it, 401 today).
 * Sets q->role, and q->project_id when access is granted (NULL after a
 * refusal, so that nothing later acts on an unchecked id). */
int vp_project_access(vp_req_t *q, vp_action_t action);
/* For routes naming an object of a project (/api/v1/videos/{id}): the
 * statement owner ($1 the object's id) gives the object's project in its
 * first column, then as vp_project_access; a missing object and one of a
 * project the caller is not a member of are the same 404 (message
 * missing). Identifies the caller unless q->who is set already (a signed
 * media URL). When access is granted and row is not NULL, *row is owner's
 * result (freed with the request), for a statement that reads more. */
int vp_object_access(vp_req_t *q, vp_action_t action, vp_sql_id owner, const char *id,
                     const char *missing, PGresult **row);
/* Every write of an existing project, after vp_project_access: runs
 * fn(q, ctx) in one transaction (vp_db_tx) that first locks the project
 * row, then checks the caller's role again under that lock (locking the
 * membership row), so that writes of one project take their locks in one
 * order (no deadlock between a foreign key's KEY SHARE and the event's
 * FOR UPDATE) and act on the role as it is when they commit. */
int vp_project_tx(vp_req_t *q, vp_action_t action, int (*fn)(vp_req_t *q, void *ctx),
                  void *ctx);
/* Inside a restore's transaction, after PROJECT_LOCK: 0 when q's
 * project is deleted (30 days at most) and the caller's role allows
 * VP_ACT_RESTORE; else 409 for a live project of the caller's, 404 for
 * anything else (a deleted project is confirmed to nobody else). */
int vp_restore_access(vp_req_t *q);

/* ---- events.c ---- */
/* Records an event of q's project (type, payload borrowed) and notifies
 * listeners, inside the caller's transaction: only committed changes are
 * ever seen. Its actor is the caller, unless q->anonymous. 0 or a
 * recorded error. */
int vp_event(vp_req_t *q, const char *type, json_t *payload);

/* ---- idempotency.c ---- */
/* For a creating POST by an authenticated caller, after its body is read:
 * 0 to go on (without an Idempotency-Key header, or with a new key, which
 * is remembered for vp_idempotency_record); otherwise the status to return:
 * the stored answer of the same key and request, recorded again with
 * Idempotent-Replayed: true, or a 409 for the same key with another
 * request. */
int vp_idempotency_begin(vp_req_t *q, const json_t *body);
/* Inside the creating transaction: stores the answer under the key (no-op
 * without one). 0, or a 409 when a twin request stored it first. */
int vp_idempotency_record(vp_req_t *q, int status, const char *message, json_t *data);

/* ---- write.c ---- */
/* One write of an existing project, described once per handler: the
 * statement given to vp_write runs under vp_project_tx (the project
 * locked, the caller's role checked again for action), then the project
 * is marked changed (touch), the event recorded and, for a creating write
 * (status 201), the answer stored under the request's Idempotency-Key. */
typedef struct {
    vp_action_t action;
    const char *event;          /* the event's type */
    int touch;                  /* 1: the statement does not set updated_at itself */
    int status;                 /* of the answer; 201 honours Idempotency-Key */
    const char *message;        /* of the answer */
    const char *missing;        /* 404 message when the statement returns no row;
                                   NULL: no check */
    /* Optional, under the lock: checks (and statements that must come
     * first) before the statement, which gets the same parameters. */
    int (*before)(vp_req_t *q, const char *const *params);
    /* Optional, under the lock, after the statement: work the transaction
     * must include (a file put in place under the new row's id); it may
     * set *out as the answer and *event as the event's payload (both
     * pool-owned) when they differ from the row. */
    int (*after)(vp_req_t *q, const PGresult *res, json_t **out, json_t **event);
    /* Optional: reads the answer after the statement, instead of its row. */
    int (*answer)(vp_req_t *q, json_t **out);
} vp_write_t;

/* Runs the write w with statement id (n parameters) and records the
 * answer. data (stolen, may be NULL) is the event's payload and, without
 * w->answer, the answer too, in place of the statement's row. A creating
 * write first answers a replayed Idempotency-Key (vp_idempotency_begin
 * over q->body). Returns the status recorded. */
int vp_write_run(vp_req_t *q, const vp_write_t *w, json_t *data, vp_sql_id id, int n,
                 const char *const *params);

/* vp_write_run with the statement's parameters listed after it, counted
 * at compile time: vp_write(q, &memo_created, NULL, VP_SQL_MEMO_INSERT, a, b). */
#define vp_write(q, w, data, id, ...)                                                              \
    (VP_SQL_CHECK(id, __VA_ARGS__),                                                                \
     vp_write_run(q, w, data, id, VP_NARGS(__VA_ARGS__), VP_PARAMS(__VA_ARGS__)))

/* ---- handlers/invitations.c ---- */
/* Inside a write's transaction: a guest caller's action (and its target,
 * may be NULL) goes to the audit table; a no-op for users. 0 or a
 * recorded error. */
int vp_guest_audit(vp_req_t *q, const char *action, const char *target);

/* ---- list.c ---- */
/* Reads ?page and ?page_size; 0, or 400/422 recorded. */
int vp_list_page(vp_req_t *q, vp_page_t *pg);
/* An optional query argument of a list: one of choices (when not NULL),
 * a UUID (uuid), or any text; *out is set when it is given (and keeps its
 * default otherwise). 0, or a 422 naming it. */
int vp_list_arg(vp_req_t *q, const char *name, const char *const *choices, int uuid,
                const char **out);
/* 1 when ?fields= (keep, from vp_fields_parse; NULL: all) asks for key. */
int vp_list_wanted(const json_t *keep, const char *key);
/* Answers a list from the rows of a VP_SQL_PAGE statement (column 0 the
 * count of all, the item from column 1 on), applying ?fields= against
 * allowed while writing each item. */
int vp_list_ok(vp_req_t *q, const vp_page_t *pg, PGresult *res,
               const char *const *allowed, const char *message);
/* Completes item (row i of res) with what the module adds to the columns;
 * keep: the fields asked for (NULL: all). */
typedef void (*vp_item_fn)(vp_req_t *q, const PGresult *res, int i, json_t *item,
                           const json_t *keep, void *ctx);
/* vp_list_ok, each item passed to each (may be NULL) before it is listed. */
int vp_list_ok_each(vp_req_t *q, const vp_page_t *pg, PGresult *res,
                    const char *const *allowed, const char *message, vp_item_fn each, void *ctx);
/* vp_list_ok_each for a statement whose count part has more columns: the
 * item starts at column from; extra's members (borrowed) join the data. */
int vp_list_ok_from(vp_req_t *q, const vp_page_t *pg, PGresult *res, int from, json_t *extra,
                    const char *const *allowed, const char *message, vp_item_fn each, void *ctx);

/* ---- media.c ---- */
/* The id of a path as the storage names files and media URLs are signed:
 * in the database's spelling, lower case (a path may carry either case). */
const char *vp_media_id(apr_pool_t *p, const char *id);
/* The absolute URL path?args... signed for the caller's session: id and
 * object are what the signature covers (a video and "content", a feedback
 * and "screenshot"); args: query arguments before the signature's, each
 * ending in '&' (or ""). NULL when signing fails. */
const char *vp_media_url(vp_req_t *q, const char *path, const char *id, const char *object,
                         const char *args);
/* The caller of a signed URL of id's object, when the query carries a
 * signature: 0 (q->who set: the session it was made for, still live) or
 * 403 recorded; -1 when there is none (the Authorization header decides). */
int vp_media_caller(vp_req_t *q, const char *id, const char *object);
/* Hands the file at path to httpd's default handler (ranges, ETag,
 * conditional requests, sendfile) as type, named filename when not NULL:
 * returns DECLINED, or 404 recorded when the file is missing. */
int vp_media_serve(vp_req_t *q, const char *path, const char *type, const char *filename);
/* Answers a download made in memory: 200, type, Content-Disposition
 * attachment named filename (UTF-8, RFC 8187, with an ASCII fallback).
 * Returns DONE (the answer is written). */
int vp_media_send(vp_req_t *q, const char *type, const char *filename, const char *body,
                  apr_size_t len);

/* ---- ratelimit.c ---- */
/* Counts a hit of kind for subject (e.g. "ip|email"); 0, or 429 recorded
 * with Retry-After. Sets RateLimit-Limit/Remaining/Reset either way. */
int vp_rate_limit(vp_req_t *q, vp_rl_kind_t kind, const char *subject);
void vp_ratelimit_hooks(void);
/* check_config: the provider of VPlanetRateLimitCache exists and takes its
 * arguments (none is looked for when used is 0: no server uses the
 * module, and post_config then makes no cache). NULL or the problem. */
const char *vp_ratelimit_check(apr_pool_t *ptemp, int used);
/* A counter shared by every child, in the rate-limit cache: adds delta to
 * the one named key (kept ttl seconds after its last change). An increase
 * that would pass max is not made (*allowed 0). APR_SUCCESS, or the
 * cache's error (nothing changed). */
apr_status_t vp_shared_count(server_rec *s, apr_pool_t *p, const char *key, int delta,
                             int max, int ttl, int *allowed);
/* A version: a counter that only moves up (a revocation count, the writes
 * of a project), read on every request of the caches (sessions.c,
 * answers.c) and moved after a write, so every child sees the move before
 * it answers from memory. 0 before any move; APR_EINIT without a cache.
 * Kept ttl seconds after its last move when the cache holds it. */
apr_status_t vp_version_read(server_rec *s, apr_pool_t *p, const char *key, int32_t *v);
apr_status_t vp_version_move(server_rec *s, apr_pool_t *p, const char *key, int ttl);

/* ---- sessions.c ---- */
/* USER_ACTIVE (params: user, session) for the access decision, answered
 * from this child's memory when VPlanetSessionCache allows and no
 * revocation happened since. The result (freed with the request), or NULL
 * with *st the recorded error. */
PGresult *vp_session_check(vp_req_t *q, const char *const *params, int *st);
/* Marks q when statement id revokes sessions (vp_db_run calls it). */
void vp_sessions_note(vp_req_t *q, vp_sql_id id);
/* After such a request's work, before its answer: tells every child. */
void vp_sessions_changed(vp_req_t *q);
void vp_sessions_hooks(void);

/* ---- store.c ---- */
/* A cache of one child: entries by key, under its lock. */
typedef struct vp_store vp_store_t;
/* At child_init: a store of at most max entries, each dropped with drop
 * (what an entry holds outside the store's pool); NULL on failure. */
vp_store_t *vp_store_create(apr_pool_t *p, unsigned max, void (*drop)(void *entry));
void vp_store_lock(vp_store_t *s);
void vp_store_unlock(vp_store_t *s);
/* Under the lock: the entry of key, or NULL. */
void *vp_store_get(vp_store_t *s, const char *key);
/* Under the lock: the entry of key, made (size bytes of zeros) when
 * missing; a full store forgets everything first. */
void *vp_store_slot(vp_store_t *s, const char *key, apr_size_t size);
/* Under the lock: every entry dropped. */
void vp_store_forget(vp_store_t *s);
/* Not under the lock: moves the shared counter key (the VPlanetRateLimitCache
 * socache, kept ttl seconds) by which every child's entries of s are
 * known to be old. APR_SUCCESS (also without a shared cache: nothing is
 * remembered then), or its error after s (may be NULL) forgot everything. */
apr_status_t vp_store_outdate(vp_req_t *q, vp_store_t *s, const char *key, int ttl);

/* ---- answers.c ---- */
/* A polled list's answer remembered per child (VPlanetListCache). */
typedef struct {
    const char *key;        /* NULL: not remembered */
    int32_t version;        /* the project's write count, read first */
} vp_answer_t;
/* For an identified caller of a list of project_id (NULL: of all its
 * projects): 1 when this child remembers the answer of this session and
 * query under the current write count of that project (of every project)
 * (q->data_text set: answer with vp_ok and no data); else 0, a filled in
 * for vp_answer_keep. */
int vp_answer_find(vp_req_t *q, const char *project_id, vp_answer_t *a);
/* After the list answered 200 (q->data): remembers it under a (when a
 * has a key), its data then kept as the answer's text (q->data_text). */
void vp_answer_keep(vp_req_t *q, const vp_answer_t *a);
/* After a committed write of project_id: answers remembered by every
 * child before it are not used any more. */
void vp_answers_changed(vp_req_t *q, const char *project_id);
void vp_answers_hooks(void);

/* ---- wscap.c ---- */
/* r is a WebSocket upgrade that mod_proxy tunnels to vplanetd (/ws/). */
int vp_ws_upgrade_request(const request_rec *r);
void vp_wscap_hooks(void);

/* ---- wsframe.c ---- */
void vp_wsframe_hooks(void);

/* Every log line of a request carries its id. */
#define VP_LOG(q, level, fmt, ...) \
    ap_log_rerror(APLOG_MARK, level, 0, (q)->r, "[rid %s] " fmt, (q)->id, ##__VA_ARGS__)

#endif
