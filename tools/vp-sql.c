/* vp-sql NAME: prints the text of the core's statement VP_SQL_NAME as the
 * module prepares it (for EXPLAIN by hand or by bench/seed-projects);
 * vp-sql alone lists the names with their parameter counts. Not installed. */
#include "vpcore/vp_sql.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    const vp_stmt_t *s;

    for (s = vp_statements; s->label; s++) {
        if (argc < 2)
            printf("%s %d\n", s->label, s->nargs);
        else if (strcmp(s->label, argv[1]) == 0) {
            puts(s->sql);
            return 0;
        }
    }
    if (argc < 2)
        return 0;
    fprintf(stderr, "vp-sql: no statement %s\n", argv[1]);
    return 1;
}
