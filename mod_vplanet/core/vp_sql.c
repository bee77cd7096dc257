#include "vp_sql.h"

#include <stddef.h>

const vp_stmt_t vp_statements[] = {
    {"vp_ping", "SELECT 1"},
    {"vp_schema_version",
     "SELECT version, count(*) OVER () AS applied, rfc3339(applied_at) AS applied_at"
     " FROM schema_migrations ORDER BY version DESC LIMIT 1"},
    {NULL, NULL}
};
