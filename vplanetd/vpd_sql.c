#include "vpd_sql.h"

/* prepared names apart from the core's, which vplanetd prepares too */
const vp_stmt_t vpd_statements[VPD_SQL_COUNT + 1] = {
#define VPD_SQL(name, n, text) [VPD_SQL_##name] = {"vpd_" #name, n, text},
#include "sql/all.def"
#undef VPD_SQL
    {NULL, 0, NULL}};
