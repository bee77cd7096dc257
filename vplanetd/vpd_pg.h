/* One PostgreSQL connection of a part of the daemon (libpq): connects with
 * a growing pause while the database is down, prepares the part's
 * statements and LISTENs on its channels on every new connection, and
 * waits for notifications. Statements are prepared (PQprepare) and run with
 * parameters only: no SQL text is built from data. One thread per
 * connection. A lost connection is logged once per outage. */
#ifndef VPD_PG_H
#define VPD_PG_H

#include "vpcore/vp_sql.h"

#include <apr_pools.h>
#include <libpq-fe.h>

typedef struct vpd_pg vpd_pg_t;

/* stmts ends with {NULL, NULL}; channels (constant names) with NULL. part
 * names the connection in logs and in application_name (vplanetd-PART). */
vpd_pg_t *vpd_pg_create(apr_pool_t *p, const char *conninfo, const char *part,
                        const vp_stmt_t *stmts, const char *const *channels);

/* Connected, prepared and listening: 1. Otherwise one connection attempt,
 * without a pause: 1 when it worked, else 0 (for an event loop, which
 * schedules its own retry). */
int vpd_pg_connect(vpd_pg_t *db);

/* vpd_pg_connect, and when it fails, waits the reconnect pause (0.5 s
 * doubling to 10 s; less when a stop is asked) and returns 0. */
int vpd_pg_ensure(vpd_pg_t *db);

/* The open connection (for its socket and notifications), or NULL. */
PGconn *vpd_pg_conn(vpd_pg_t *db);

/* Runs a prepared statement. Returns the result (PGRES_TUPLES_OK or
 * PGRES_COMMAND_OK) for the caller to PQclear, or NULL after logging the
 * error; a lost connection is closed, for vpd_pg_ensure to reopen. */
PGresult *vpd_pg_exec(vpd_pg_t *db, const char *stmt, int nparams, const char *const *params);

/* Waits up to ms for a notification on the connection or a stop. Returns
 * the number of notifications taken (0 on time-out or stop), or -1 when the
 * connection was lost. */
int vpd_pg_wait(vpd_pg_t *db, long ms);

void vpd_pg_close(vpd_pg_t *db);

#endif
