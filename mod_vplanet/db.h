/* Database access on mod_dbd: pooled connections, statements prepared by
 * name at configuration time (vpcore/vp_sql.h), executed through libpq so
 * results keep their types, NULLs and SQLSTATEs. */
#ifndef VP_DB_H
#define VP_DB_H

#include <libpq-fe.h>
#include "vplanet.h"
#include "vpcore/vp_sql.h"

/* Registers every statement with mod_dbd for every server using the module (post_config,
 * before mod_dbd's own). NULL or an error text. */
const char *vp_db_register(apr_pool_t *p, server_rec *s);

/* Acquires this request's connection; 0, or 503 recorded with vp_fail. */
int vp_db_open(vp_req_t *q);

/* Runs the prepared statement id with n text parameters (NULL = SQL NULL).
 * 0 with *res (freed with the request; res may be NULL), or a recorded
 * 503/500. A count that is not the statement's is a 500 (VP0109). */
int vp_db_run(vp_req_t *q, vp_sql_id id, PGresult **res, int n, const char *const *params);

/* vp_db_run for a statement named at compile time, its parameters listed
 * after res: vp_db_exec(q, VP_SQL_MEMO_GET, &res, project_id, memo_id).
 * A wrong count does not compile. */
#define vp_db_exec(q, id, res, ...)                                                                \
    (VP_SQL_CHECK(id, __VA_ARGS__),                                                                \
     vp_db_run(q, id, res, VP_NARGS(__VA_ARGS__), VP_PARAMS(__VA_ARGS__)))

/* Hands res to the request: PQclear'ed when the request ends. Returns res. */
PGresult *vp_db_keep(vp_req_t *q, PGresult *res);

/* Runs fn(q, ctx) inside one transaction: committed when fn returns 0,
 * rolled back otherwise. Returns fn's status or the commit's. */
int vp_db_tx(vp_req_t *q, int (*fn)(vp_req_t *q, void *ctx), void *ctx);

/* Row i of res as an object (column names, values typed by column type);
 * new reference. A column named "a.b" is b of the object a (a is null when
 * its first column is NULL). */
json_t *vp_db_row(const PGresult *res, int i);
/* vp_db_row from column from on, keeping only the top-level names that
 * keep (an object) holds: NULL keeps all. */
json_t *vp_db_object(const PGresult *res, int i, int from, const json_t *keep);
/* All rows as an array; new reference. */
json_t *vp_db_rows(const PGresult *res);
/* The first column of the first row as JSON (freed with the request), or
 * NULL when there is no row: for statements that build their answer. */
json_t *vp_db_value(vp_req_t *q, const PGresult *res);

#endif
