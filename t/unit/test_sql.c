/* Unit tests of the statement tables: the core's (the rows of vpcore/sql/) and
 * vplanetd's (vplanetd/sql/). Each row's parameter count is the one
 * its text uses, so the compile-time check of a call (VP_SQL_CHECK, see
 * t/unit/sql-miscount) checks against the truth; names are unique and the
 * text is safe for apr_dbd. */
#include "tap.h"

#include <stdlib.h>

#include "vpcore/vp_sql.h"
#include "vpd_sql.h"

/* The highest $n of text, and whether every $1..$n appears. */
static int highest_param(const char *text, int *dense)
{
    char seen[100] = {0};
    const char *c;
    int max = 0, i;

    for (c = text; (c = strchr(c, '$')); c++) {
        int n = atoi(c + 1);

        if (n > 0 && n < 100) {
            seen[n] = 1;
            if (n > max)
                max = n;
        }
    }
    *dense = 1;
    for (i = 1; i <= max; i++)
        *dense &= seen[i];
    return max;
}

static void check_table(const char *what, const vp_stmt_t *t, int count)
{
    int i, j, counted = 1, dense = 1, unique = 1, clean = 1, d;
    char name[96];

    for (i = 0; i < count; i++) {
        if (highest_param(t[i].sql, &d) != t[i].nargs) {
            counted = 0;
            printf("# %s: %d parameters declared, $%d used\n", t[i].label, t[i].nargs,
                   highest_param(t[i].sql, &d));
        }
        if (!d) {
            dense = 0;
            printf("# %s: a parameter below the highest is never used\n", t[i].label);
        }
        if (strchr(t[i].sql, '%'))
            clean = 0;
        for (j = 0; j < i; j++)
            if (strcasecmp(t[i].label, t[j].label) == 0)
                unique = 0;
    }
    snprintf(name, sizeof name, "%s: the table ends after its %d statements", what, count);
    ok(t[count].label == NULL && count > 0, name);
    snprintf(name, sizeof name, "%s: each row's count is the highest $n of its text", what);
    ok(counted, name);
    snprintf(name, sizeof name, "%s: no parameter below the highest goes unused", what);
    ok(dense, name);
    snprintf(name, sizeof name, "%s: names are unique, letter case aside", what);
    ok(unique, name);
    snprintf(name, sizeof name, "%s: no text contains '%%' (apr_dbd placeholder syntax)", what);
    ok(clean, name);
}

int main(void)
{
    const char *a = "a", *b = "b";

    check_table("core", vp_statements, VP_SQL_COUNT);
    check_table("vplanetd", vpd_statements, VPD_SQL_COUNT);

    is_int(VP_NARGS(), 0, "VP_NARGS counts none");
    is_int(VP_NARGS(a), 1, "VP_NARGS counts one");
    is_int(VP_NARGS(a, NULL, b), 3, "VP_NARGS counts three, NULL included");
    is_int(VP_NARGS(a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, b), 16,
           "VP_NARGS counts sixteen");
    is_str(VP_PARAMS(a, NULL, b)[2], "b", "VP_PARAMS keeps the order");
    ok(VP_PARAMS(a, NULL, b)[1] == NULL, "VP_PARAMS keeps a NULL (SQL NULL)");
    is_int(VP_SQL_MEMO_INSERT_ARGS, 4, "a statement's count is a constant of its name");
    return done_testing();
}
