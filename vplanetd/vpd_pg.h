/* One PostgreSQL connection of a part of the daemon (libpq): connects with
 * a growing pause while the database is down, LISTENs on the part's
 * channels on every new connection, prepares each statement on its first
 * use there, and waits for notifications. Statements are prepared
 * (PQprepare) and run with parameters only: no SQL text is built from
 * data. One thread per connection. A lost connection is logged once per
 * outage. */
#ifndef VPD_PG_H
#define VPD_PG_H

#include "vpd_sql.h"

#include <apr_pools.h>
#include <libpq-fe.h>

typedef struct vpd_pg vpd_pg_t;

/* channels (constant names) ends with NULL. part names the connection in
 * logs and in application_name (vplanetd-PART). */
vpd_pg_t *vpd_pg_create(apr_pool_t *p, const char *conninfo, const char *part,
                        const char *const *channels);

/* Connected, prepared and listening: 1. Otherwise one connection attempt,
 * without a pause: 1 when it worked, else 0 (for an event loop, which
 * schedules its own retry). */
int vpd_pg_connect(vpd_pg_t *db);

/* vpd_pg_connect, and when it fails, waits the reconnect pause (0.5 s
 * doubling to 10 s; less when a stop is asked) and returns 0. */
int vpd_pg_ensure(vpd_pg_t *db);

/* The open connection (for its socket and notifications), or NULL. */
PGconn *vpd_pg_conn(vpd_pg_t *db);

/* Runs statement s (of vp_statements or vpd_statements) with its nparams
 * parameters, preparing it first on a connection that has not seen it.
 * Returns the result (PGRES_TUPLES_OK or PGRES_COMMAND_OK) for the caller
 * to PQclear, or NULL after logging the error; a lost connection is
 * closed, for vpd_pg_ensure to reopen. */
PGresult *vpd_pg_exec(vpd_pg_t *db, const vp_stmt_t *s, int nparams, const char *const *params);

/* vpd_pg_exec of vplanetd's statement id, its parameters listed after it
 * and counted at compile time. */
#define vpd_pg_run(db, id, ...)                                                                    \
    (VP_SQL_CHECK(id, __VA_ARGS__),                                                                \
     vpd_pg_exec(db, &vpd_statements[id], VP_NARGS(__VA_ARGS__), VP_PARAMS(__VA_ARGS__)))

/* Waits up to ms for a notification on the connection or a stop. Returns
 * the number of notifications taken (0 on time-out or stop), or -1 when the
 * connection was lost. */
int vpd_pg_wait(vpd_pg_t *db, long ms);

void vpd_pg_close(vpd_pg_t *db);

#endif
