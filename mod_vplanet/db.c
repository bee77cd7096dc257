/* Connections come from mod_dbd and are healed here: after a PostgreSQL
 * restart a pooled connection fails its next command; when nothing of a
 * transaction is lost yet we reconnect, prepare the statements again and
 * retry once, so only requests issued while the database is really down
 * see a 503. */
#include "db.h"
#include "vpcore/vp_json.h"
#include "vpcore/vp_sql.h"

#include <apr_hash.h>
#include <apr_dbd.h>
#include <apr_optional.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <apr_general.h>
#include <mod_dbd.h>
#include <stdlib.h>

struct vp_db {
    ap_dbd_t *dbd;
    PGconn *conn;
    int in_tx;
    int conflict;   /* the transaction lost a deadlock or serialization race */
};

/* Attempts of a transaction (or of a lone statement) that loses a
 * deadlock or serialization race before the client gets a 503. */
#define CONFLICT_ATTEMPTS 3

static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare;
static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire;

/* Backend pid for which this connection's statements were prepared: kept in
 * the connection's own record, so a reset done by mod_dbd's health check
 * (which loses prepared statements) is noticed on the next use. */
#define PID_KEY "vplanet:backend-pid"

/* The prepared name of each statement: apr_dbd_pgsql prepares with an SQL
 * PREPARE, which folds the name to lower case, so the module prepares and
 * runs them all under the folded name. Made once, before the children. */
static const char *labels[VP_SQL_COUNT];

const char *vp_db_register(apr_pool_t *p, server_rec *s)
{
    int i;

    dbd_prepare = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    if (!dbd_prepare || !dbd_acquire)
        return "mod_dbd is not loaded: LoadModule dbd_module before mod_vplanet";
    for (i = 0; i < VP_SQL_COUNT; i++) {
        char *l = apr_pstrcat(p, "vp_", vp_statements[i].label, NULL);

        ap_str_tolower(l);
        labels[i] = l;
    }
    for (; s; s = s->next)
        for (i = 0; vp_server_enabled(s) && i < VP_SQL_COUNT; i++)
            dbd_prepare(s, vp_statements[i].sql, labels[i]);
    return NULL;
}

static int prepare_all(vp_req_t *q, PGconn *conn)
{
    int i;

    for (i = 0; i < VP_SQL_COUNT; i++) {
        PGresult *res = PQprepare(conn, labels[i], vp_statements[i].sql, 0, NULL);
        int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

        if (!ok)
            VP_LOG(q, APLOG_ERR, "VP0101: preparing %s failed: %s", labels[i],
                   PQerrorMessage(conn));
        PQclear(res);
        if (!ok)
            return 0;
    }
    return 1;
}

static void remember_pid(struct vp_db *db)
{
    int *pid = apr_hash_get(db->dbd->prepared, PID_KEY, APR_HASH_KEY_STRING);

    if (!pid) {
        pid = apr_palloc(db->dbd->pool, sizeof *pid);
        apr_hash_set(db->dbd->prepared, PID_KEY, APR_HASH_KEY_STRING, pid);
    }
    *pid = PQbackendPID(db->conn);
}

/* Reconnects a broken connection and restores its statements. */
static int heal(vp_req_t *q)
{
    struct vp_db *db = q->db;

    PQreset(db->conn);
    if (PQstatus(db->conn) != CONNECTION_OK)
        return 0;
    if (!prepare_all(q, db->conn))
        return 0;
    remember_pid(db);
    VP_LOG(q, APLOG_NOTICE, "VP0102: database connection re-established");
    return 1;
}

static apr_status_t end_tx(void *data)
{
    struct vp_db *db = data;

    /* A handler that bailed out mid-transaction must not hand the next user
     * of this pooled connection an open transaction. */
    if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
        PQclear(PQexec(db->conn, "ROLLBACK"));
    return APR_SUCCESS;
}

int vp_db_open(vp_req_t *q)
{
    struct vp_db *db;
    int *pid;

    if (q->db)
        return 0;
    db = apr_pcalloc(q->r->pool, sizeof *db);
    db->dbd = dbd_acquire ? dbd_acquire(q->r) : NULL;
    if (!db->dbd)
        return vp_fail_internal(q, HTTP_SERVICE_UNAVAILABLE, "the database is unavailable",
                                "VP0103: no database connection (mod_dbd acquire failed)");
    db->conn = apr_dbd_native_handle(db->dbd->driver, db->dbd->handle);
    q->db = db;
    pid = apr_hash_get(db->dbd->prepared, PID_KEY, APR_HASH_KEY_STRING);
    if (!pid)
        remember_pid(db);
    else if (*pid != PQbackendPID(db->conn) && !heal(q))
        return vp_fail_internal(q, HTTP_SERVICE_UNAVAILABLE, "the database is unavailable",
                                "VP0104: cannot restore a reset connection: %s",
                                PQerrorMessage(db->conn));
    apr_pool_cleanup_register(q->r->pool, db, end_tx, apr_pool_cleanup_null);
    return 0;
}

static int result_ok(const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static apr_status_t clear_result(void *res)
{
    PQclear(res);
    return APR_SUCCESS;
}

PGresult *vp_db_keep(vp_req_t *q, PGresult *res)
{
    apr_pool_cleanup_register(q->r->pool, res, clear_result, apr_pool_cleanup_null);
    return res;
}

/* Runs a prepared statement (label) or a plain command (label NULL). */
static PGresult *run(struct vp_db *db, const char *label, const char *command,
                     int n, const char *const *params)
{
    return label ? PQexecPrepared(db->conn, label, n, params, NULL, NULL, 0)
                 : PQexec(db->conn, command);
}

/* A unique (23505: 409) or check (23514: 422) constraint refused the
 * client's data: the answer names the field when the constraint is known. */
static int constraint_failed(vp_req_t *q, const char *state, const char *name)
{
    const vp_constraint_t *c = vp_constraint(name);
    int status = strcmp(state, "23505") == 0 ? HTTP_CONFLICT : HTTP_UNPROCESSABLE_ENTITY;

    if (!c)
        VP_LOG(q, APLOG_WARNING, "VP0106: constraint %s has no entry in vpcore/vp_sql.c",
               name ? name : "(unnamed)");
    return c ? vp_fail_field(q, status, c->field, c->message)
             : vp_fail(q, status, NULL, status == HTTP_CONFLICT ? "the data conflicts with "
                       "existing data" : "the data breaks a rule", NULL);
}

/* 40P01 deadlock detected, 40001 serialization failure: PostgreSQL rolled
 * the work back, and running it again may well succeed. */
static int conflict_state(const char *state)
{
    return state && (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0);
}

/* Waits before attempt n+1: a few milliseconds, growing, jittered so that
 * the parties of a deadlock do not meet again in step. */
static void conflict_backoff(int n)
{
    unsigned jitter = (unsigned)apr_time_now();    /* if no randomness: still varied */

    apr_generate_random_bytes((unsigned char *)&jitter, sizeof jitter);
    apr_sleep((apr_interval_time_t)(5000 * n + jitter % (10000u * (unsigned)n)));
}

/* The answer when lock conflicts won every attempt (VP0108, logged with
 * what lost them). */
static int busy(vp_req_t *q, const char *what)
{
    VP_LOG(q, APLOG_ERR, "VP0108: %s lost %d lock conflicts in a row", what, CONFLICT_ATTEMPTS);
    apr_table_setn(q->r->err_headers_out, "Retry-After", "1");
    return vp_fail(q, HTTP_SERVICE_UNAVAILABLE, NULL, "the server is busy; try again", NULL);
}

static int exec(vp_req_t *q, const char *label, const char *command,
                PGresult **out, int n, const char *const *params)
{
    struct vp_db *db = q->db;
    PGresult *res;
    const char *state;
    int attempt, down;

    /* outside a transaction a statement is its own: run it again */
    for (attempt = 1;; attempt++) {
        res = run(db, label, command, n, params);
        if (result_ok(res) || db->in_tx || attempt == CONFLICT_ATTEMPTS
            || !conflict_state(PQresultErrorField(res, PG_DIAG_SQLSTATE)))
            break;
        VP_LOG(q, APLOG_NOTICE, "VP0107: %s lost a lock conflict; attempt %d",
               label ? label : command, attempt + 1);
        PQclear(res);
        conflict_backoff(attempt);
    }
    if (!result_ok(res) && PQstatus(db->conn) == CONNECTION_BAD && !db->in_tx) {
        PQclear(res);
        res = heal(q) ? run(db, label, command, n, params) : NULL;
    }
    if (res && result_ok(res)) {
        vp_db_keep(q, res);
        if (out)
            *out = res;
        else
            apr_pool_cleanup_run(q->r->pool, res, clear_result);
        return 0;
    }
    state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state && (strcmp(state, "23505") == 0 || strcmp(state, "23514") == 0)) {
        int st = constraint_failed(q, state, PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME));

        PQclear(res);
        return st;
    }
    if (conflict_state(state) && !db->in_tx) {
        PQclear(res);
        return busy(q, label ? label : command);
    }
    if (conflict_state(state)) {
        /* vp_db_tx runs the whole transaction again: nothing is recorded */
        VP_LOG(q, APLOG_NOTICE, "VP0107: %s lost a lock conflict (SQLSTATE %s)",
               label ? label : command, state);
        PQclear(res);
        db->conflict = 1;
        return HTTP_SERVICE_UNAVAILABLE;
    }
    VP_LOG(q, APLOG_ERR, "VP0105: %s failed (SQLSTATE %s): %s",
           label ? label : command, state ? state : "none", PQerrorMessage(db->conn));
    /* class 08: connection exception; 57P0x: server shutting down; no
     * SQLSTATE at all: libpq's own failure (a connection the server closed
     * in a crash), as every error of the server carries one. (state lives
     * in res: read before PQclear.) */
    down = !state || PQstatus(db->conn) == CONNECTION_BAD
           || strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0;
    PQclear(res);
    if (down)
        return vp_fail(q, HTTP_SERVICE_UNAVAILABLE, NULL, "the database is unavailable", NULL);
    return vp_fail(q, HTTP_INTERNAL_SERVER_ERROR, NULL, "internal error", NULL);
}

int vp_db_run(vp_req_t *q, vp_sql_id id, PGresult **res, int n, const char *const *params)
{
    int rc;

    if (id >= VP_SQL_COUNT || n != vp_statements[id].nargs) {
        VP_LOG(q, APLOG_ERR, "VP0109: statement %d run with %d parameters", (int)id, n);
        return vp_fail(q, HTTP_INTERNAL_SERVER_ERROR, NULL, "internal error", NULL);
    }
    if ((rc = vp_db_open(q)))
        return rc;
    vp_sessions_note(q, id);
    return exec(q, labels[id], NULL, res, n, params);
}

static int attempt_tx(vp_req_t *q, int (*fn)(vp_req_t *q, void *ctx), void *ctx)
{
    int rc = exec(q, NULL, "BEGIN", NULL, 0, NULL);

    if (rc)
        return rc;
    q->db->in_tx = 1;
    rc = fn(q, ctx);
    q->db->in_tx = 0;
    if (rc) {
        PQclear(PQexec(q->db->conn, "ROLLBACK"));
        return rc;
    }
    q->db->in_tx = 1;   /* a failed COMMIT must not be retried on a new connection */
    rc = exec(q, NULL, "COMMIT", NULL, 0, NULL);
    q->db->in_tx = 0;
    return rc;
}

int vp_db_tx(vp_req_t *q, int (*fn)(vp_req_t *q, void *ctx), void *ctx)
{
    int rc = vp_db_open(q), attempt;

    if (rc)
        return rc;
    for (attempt = 1;; attempt++) {
        q->db->conflict = 0;
        rc = attempt_tx(q, fn, ctx);
        if (!q->db->conflict)
            return rc;
        /* what the lost attempt recorded is no answer */
        q->message = q->error_code = NULL;
        q->details = q->data = NULL;
        if (attempt == CONFLICT_ATTEMPTS)
            break;
        conflict_backoff(attempt);
    }
    return busy(q, "a transaction");
}

static json_t *value(const PGresult *res, int i, int col)
{
    const char *v = PQgetvalue(res, i, col);

    if (PQgetisnull(res, i, col))
        return json_null();
    switch (PQftype(res, col)) {
    case 16:                        /* bool */
        return json_boolean(v[0] == 't');
    case 20: case 21: case 23:      /* int8, int2, int4 */
        return json_integer(strtoll(v, NULL, 10));
    case 700: case 701: case 1700:  /* float4, float8, numeric */
        return json_real(strtod(v, NULL));
    case 114: case 3802: {          /* json, jsonb */
        json_t *j = json_loads(v, JSON_DECODE_ANY, NULL);
        return j ? j : json_null();
    }
    default:
        return json_string(v);
    }
}

json_t *vp_db_object(const PGresult *res, int i, int from, const json_t *keep)
{
    json_t *o = json_object(), *into;
    int col, ncols = PQnfields(res);
    char top[64];

    for (col = from; col < ncols; col++) {
        const char *name = PQfname(res, col), *dot = strchr(name, '.');
        size_t n = dot ? (size_t)(dot - name) : strlen(name);

        if (n >= sizeof top)        /* not a name of our statements */
            continue;
        memcpy(top, name, n);
        top[n] = '\0';
        if (keep && !json_object_get(keep, top))
            continue;
        into = o;
        /* "owner.id": id of the object owner; null as a whole when its
         * first column is (a left join that found nothing) */
        if (dot && !(into = json_object_get(o, top))) {
            if (PQgetisnull(res, i, col)) {
                json_object_set_new(o, top, json_null());
                continue;
            }
            json_object_set_new(o, top, into = json_object());
        }
        if (json_is_object(into))
            json_object_set_new(into, dot ? dot + 1 : name, value(res, i, col));
    }
    return o;
}

json_t *vp_db_row(const PGresult *res, int i)
{
    return vp_db_object(res, i, 0, NULL);
}

json_t *vp_db_rows(const PGresult *res)
{
    json_t *a = json_array();
    int i, n = PQntuples(res);

    for (i = 0; i < n; i++)
        json_array_append_new(a, vp_db_row(res, i));
    return a;
}

json_t *vp_db_value(vp_req_t *q, const PGresult *res)
{
    return PQntuples(res) > 0 ? vp_json_pool(q->r->pool, value(res, 0, 0)) : NULL;
}
