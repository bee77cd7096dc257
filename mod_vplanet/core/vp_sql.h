/* Every SQL statement of the module, by label. Prepared by mod_dbd on each
 * pooled connection at configuration time; nothing else runs SQL text.
 * Parameters are PostgreSQL's $n; the text must not contain '%' (apr_dbd
 * reads %s/%d as its own placeholders). */
#ifndef VP_SQL_H
#define VP_SQL_H

typedef struct {
    const char *label;
    const char *sql;
} vp_stmt_t;

extern const vp_stmt_t vp_statements[];   /* ends with {NULL, NULL} */

#endif
