/* Every SQL statement of the module, by label. Prepared by mod_dbd on each
 * pooled connection at configuration time; nothing else runs SQL text.
 * Parameters are PostgreSQL's $n; the text must not contain '%' (apr_dbd
 * reads %s/%d as its own placeholders). */
#ifndef VP_SQL_H
#define VP_SQL_H

#include <apr_pools.h>

typedef struct {
    const char *label;
    const char *sql;
} vp_stmt_t;

extern const vp_stmt_t vp_statements[];   /* ends with {NULL, NULL} */
extern const vp_stmt_t vp_sidecar_statements[];   /* vplanetd's, likewise */

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
