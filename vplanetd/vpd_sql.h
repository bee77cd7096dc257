/* vplanetd's own statements, by name, made as the core's are
 * (vpcore/vp_sql.h) from the rows of vplanetd/sql/PART.def: an id
 * VPD_SQL_NAME (an index of vpd_statements) and VPD_SQL_NAME_ARGS. */
#ifndef VPD_SQL_H
#define VPD_SQL_H

#include "vpcore/vp_sql.h"

typedef enum {
#define VPD_SQL(name, n, text) VPD_SQL_##name,
#include "sql/all.def"
#undef VPD_SQL
    VPD_SQL_COUNT
} vpd_sql_id;

enum {
#define VPD_SQL(name, n, text) VPD_SQL_##name##_ARGS = n,
#include "sql/all.def"
#undef VPD_SQL
};

extern const vp_stmt_t vpd_statements[VPD_SQL_COUNT + 1]; /* ends with {NULL} */

#endif
