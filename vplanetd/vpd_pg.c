#include "vpd_pg.h"
#include "vpd_daemon.h"
#include "vpd_log.h"
#include "vpd_retry.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#define RECONNECT_FIRST_MS 500
#define RECONNECT_MAX_MS 10000

struct vpd_pg {
    PGconn *conn;
    const char *conninfo;
    const char *part;
    const char *app_name;
    const char *const *channels;
    apr_hash_t *prepared;           /* the statements the connection has */
    int failures;         /* connection attempts failed in a row */
    int lost;             /* a connection was lost: say when it is back */
    char err[1024];
};

vpd_pg_t *vpd_pg_create(apr_pool_t *p, const char *conninfo, const char *part,
                        const char *const *channels)
{
    vpd_pg_t *db = apr_pcalloc(p, sizeof *db);

    db->conninfo = conninfo;
    db->part = part;
    db->app_name = apr_pstrcat(p, "vplanetd-", part, NULL);
    db->channels = channels;
    db->prepared = apr_hash_make(p);
    return db;
}

void vpd_pg_close(vpd_pg_t *db)
{
    if (db->conn)
        PQfinish(db->conn);
    db->conn = NULL;
    apr_hash_clear(db->prepared);
}

/* libpq's last message (vpd_log makes one line of it) */
static const char *pq_error(vpd_pg_t *db)
{
    const char *m = db->conn ? PQerrorMessage(db->conn) : "out of memory";

    return *m ? m : "no error message";
}

/* What the server says outside a command (a NOTICE, or the FATAL of a
 * shutdown that check_lost reports anyway): debug. */
static void on_notice(void *arg, const char *message)
{
    vpd_pg_t *db = arg;

    vpd_log(VPD_DEBUG, db->part, "VPD0109: the database says: %s", message);
}

/* LISTENs on the part's channels; NULL, or why not (in db->err). */
static const char *set_up(vpd_pg_t *db)
{
    const char *const *ch;
    char sql[128];
    PGresult *r;

    /* LISTEN takes no parameters; the channel names are constants of ours */
    for (ch = db->channels; ch && *ch; ch++) {
        snprintf(sql, sizeof sql, "LISTEN %s", *ch);
        r = PQexec(db->conn, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            snprintf(db->err, sizeof db->err, "%s: %s", sql,
                     r ? PQresultErrorMessage(r) : pq_error(db));
            PQclear(r);
            return db->err;
        }
        PQclear(r);
    }
    return NULL;
}

int vpd_pg_connect(vpd_pg_t *db)
{
    static const char *const keys[] = {"dbname", "fallback_application_name", NULL};
    const char *values[] = {db->conninfo, db->app_name, NULL};
    const char *why;

    if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
        return 1;
    vpd_pg_close(db);
    db->conn = PQconnectdbParams(keys, values, 1);
    if (db->conn)
        PQsetNoticeProcessor(db->conn, on_notice, db);
    why = !db->conn || PQstatus(db->conn) != CONNECTION_OK ? pq_error(db) : set_up(db);
    if (!why) {
        if (db->failures)
            vpd_log(VPD_INFO, db->part, "VPD0104: connected to the database after %d failed "
                    "attempt%s", db->failures, db->failures == 1 ? "" : "s");
        else
            vpd_log(VPD_INFO, db->part, "VPD0101: connected to the database%s",
                    db->lost ? " again" : "");
        db->failures = 0;
        db->lost = 0;
        return 1;
    }
    /* the first failure of an outage is an error; the retries are debug */
    vpd_log(db->failures ? VPD_DEBUG : VPD_ERROR, db->part,
            "VPD0105: the database is not usable (trying again every few seconds): %s", why);
    vpd_pg_close(db);
    db->lost = 1;
    db->failures++;
    return 0;
}

int vpd_pg_ensure(vpd_pg_t *db)
{
    if (vpd_pg_connect(db))
        return 1;
    vpd_sleep(vpd_backoff(RECONNECT_FIRST_MS, RECONNECT_MAX_MS, db->failures));
    return 0;
}

PGconn *vpd_pg_conn(vpd_pg_t *db)
{
    return db->conn && PQstatus(db->conn) == CONNECTION_OK ? db->conn : NULL;
}

/* After a failed command: a lost connection is closed (and said once). */
static void check_lost(vpd_pg_t *db)
{
    if (db->conn && PQstatus(db->conn) != CONNECTION_OK) {
        vpd_log(VPD_ERROR, db->part, "VPD0106: lost the database connection: %s", pq_error(db));
        vpd_pg_close(db);
        db->lost = 1;
    }
}

/* s on this connection: 1 prepared (now or before), 0 failed (logged). */
static int prepare(vpd_pg_t *db, const vp_stmt_t *s)
{
    PGresult *r;

    if (apr_hash_get(db->prepared, s, sizeof *s))
        return 1;
    r = PQprepare(db->conn, s->label, s->sql, 0, NULL);
    if (PQresultStatus(r) == PGRES_COMMAND_OK) {
        apr_hash_set(db->prepared, s, sizeof *s, s);
        PQclear(r);
        return 1;
    }
    if (PQstatus(db->conn) == CONNECTION_OK)
        vpd_log(VPD_ERROR, db->part, "VPD0111: preparing %s: %s", s->label,
                r ? PQresultErrorMessage(r) : pq_error(db));
    PQclear(r);
    check_lost(db);
    return 0;
}

PGresult *vpd_pg_exec(vpd_pg_t *db, const vp_stmt_t *s, int nparams, const char *const *params)
{
    const char *stmt = s->label;
    PGresult *r;
    ExecStatusType st;

    if (nparams != s->nargs) {
        vpd_log(VPD_ERROR, db->part, "VPD0112: %s run with %d parameters, not %d", stmt, nparams,
                s->nargs);
        return NULL;
    }
    if (!db->conn || !prepare(db, s))
        return NULL;
    r = PQexecPrepared(db->conn, stmt, nparams, params, NULL, NULL, 0);
    st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
        return r;
    if (PQstatus(db->conn) == CONNECTION_OK)
        vpd_log(VPD_ERROR, db->part, "VPD0107: %s: %s", stmt,
                r ? PQresultErrorMessage(r) : pq_error(db));
    PQclear(r);
    check_lost(db);
    return NULL;
}

static int take_notifications(vpd_pg_t *db)
{
    PGnotify *n;
    int count = 0;

    while ((n = PQnotifies(db->conn))) {
        vpd_log(VPD_DEBUG, db->part, "notification on %s: %s", n->relname, n->extra);
        PQfreemem(n);
        count++;
    }
    return count;
}

int vpd_pg_wait(vpd_pg_t *db, long ms)
{
    struct pollfd pfd[2];
    int count, rc;

    if (!db->conn)
        return -1;
    /* what an earlier command already read */
    if (!PQconsumeInput(db->conn)) {
        check_lost(db);
        return -1;
    }
    if ((count = take_notifications(db)) > 0 || vpd_stopping())
        return count;
    pfd[0].fd = PQsocket(db->conn);
    pfd[0].events = POLLIN;
    pfd[1].fd = vpd_stop_fd();
    pfd[1].events = POLLIN;
    rc = poll(pfd, 2, ms > 0x7fffffffL ? 0x7fffffff : ms < 0 ? 0 : (int)ms);
    if (rc < 0 && errno != EINTR)
        vpd_log(VPD_WARN, db->part, "VPD0108: poll: %s", strerror(errno));
    if (rc <= 0 || !(pfd[0].revents & (POLLIN | POLLERR | POLLHUP)))
        return 0;
    if (!PQconsumeInput(db->conn)) {
        check_lost(db);
        return -1;
    }
    return take_notifications(db);
}
