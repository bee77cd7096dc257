/* Every SQL statement of the core, by name. The text lives beside its
 * resource in vpcore/sql/NAME.def as VP_SQL(NAME, parameters, text) rows;
 * this header makes of each row an id VP_SQL_NAME (an index of
 * vp_statements) and its parameter count VP_SQL_NAME_ARGS. mod_dbd
 * prepares them all on each pooled connection at configuration time,
 * vplanetd those it runs; nothing else runs SQL text. Parameters are
 * PostgreSQL's $n; the text must not contain '%' (apr_dbd reads %s/%d as
 * its own placeholders). */
#ifndef VP_SQL_H
#define VP_SQL_H

#include <apr_pools.h>
#include <stddef.h>

typedef struct {
    const char *label;      /* its prepared name */
    int nargs;              /* how many parameters it takes */
    const char *sql;
} vp_stmt_t;

typedef enum {
#define VP_SQL(name, n, text) VP_SQL_##name,
#include "sql/all.def"
#undef VP_SQL
    VP_SQL_COUNT
} vp_sql_id;

enum {
#define VP_SQL(name, n, text) VP_SQL_##name##_ARGS = n,
#include "sql/all.def"
#undef VP_SQL
};

extern const vp_stmt_t vp_statements[VP_SQL_COUNT + 1];   /* ends with {NULL} */

/* How a call names its parameters: VP_NARGS counts them (0 to 16),
 * VP_PARAMS makes the array libpq takes. Counting none needs GNU C's
 * ", ##__VA_ARGS__" (configure.ac asks for gnu11). */
#define VP_NARGS(...) VP_NARGS_(_, ##__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, \
                                5, 4, 3, 2, 1, 0)
#define VP_NARGS_(_, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, \
                  a16, n, ...) n
#define VP_PARAMS(...) ((const char *const *)(const char *[]){NULL, __VA_ARGS__} + 1)

/* A compile error unless the call gives statement id (a VP_SQL_ or VPD_SQL_
 * constant) as many parameters as its text has. */
#define VP_SQL_CHECK(id, ...) \
    ((void)sizeof(struct { _Static_assert(VP_NARGS(__VA_ARGS__) == id##_ARGS, \
                                          "wrong number of SQL parameters for " #id); int x; }))

/* A list statement (mod_vplanet/list.c, vp_list_ok): the count of all
 * items (count_sql, one row with total) beside one page of them (page_sql,
 * its ORDER BY and LIMIT/OFFSET), each item a row with total in column 0;
 * a page past the end is one row of total alone (column 1 NULL). */
#define VP_SQL_PAGE(count_sql, page_sql) \
    "SELECT c.total, pg.* FROM (" count_sql ") c LEFT JOIN LATERAL (" page_sql ") pg ON true"
/* The same with every column of the count part before the item's (totals
 * beside the total: vp_list_ok_from). */
#define VP_SQL_PAGE_TOTALS(count_sql, page_sql) \
    "SELECT c.*, pg.* FROM (" count_sql ") c LEFT JOIN LATERAL (" page_sql ") pg ON true"

/* What a violated constraint means to the client: the field it concerns
 * and the message. Unique constraints answer 409, checks 422. */
typedef struct {
    const char *constraint;
    const char *field;
    const char *message;
} vp_constraint_t;

/* A LIKE pattern matching the NFC of term as a prefix (anywhere: as a
 * substring); the term's own % _ and \ match themselves (ESCAPE '\'). */
char *vp_like_pattern(apr_pool_t *p, const char *term, int anywhere);

/* The entry for a constraint name, or NULL. */
const vp_constraint_t *vp_constraint(const char *name);

#endif
