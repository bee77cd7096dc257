/* The outbox table as the mail part sees it: claim due rows, record what
 * became of each, take back rows a stopped daemon left `sending`. Several
 * daemons may share one outbox: a row is claimed by one of them (FOR UPDATE
 * SKIP LOCKED) and only its claimer records its outcome. */
#ifndef VPD_OUTBOX_H
#define VPD_OUTBOX_H

#include "vpd_pg.h"

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct {
    const char *id;
    const char *recipient;
    const char *subject;
    const char *text;
    const char *html;
    int attempts;               /* made before this one */
} vpd_outbox_row_t;

extern const char *const vpd_outbox_channels[];   /* vplanet_outbox */

/* Claims up to n due rows for claimer (status sending), oldest first:
 * an array of vpd_outbox_row_t in p, or NULL on a database error. */
apr_array_header_t *vpd_outbox_claim(vpd_pg_t *db, apr_pool_t *p, const char *claimer, int n);

/* The outcomes. Each returns 1 when recorded, 0 when the row was no longer
 * this claimer's (taken back meanwhile), -1 on a database error. */
int vpd_outbox_sent(vpd_pg_t *db, const char *claimer, const char *id);
int vpd_outbox_retry(vpd_pg_t *db, apr_pool_t *p, const char *claimer, const char *id,
                     int attempts, int failed, long delay, const char *error);
int vpd_outbox_release(vpd_pg_t *db, const char *claimer, const char *id);

/* Rows `sending` for more than stale seconds (their daemon stopped in the
 * middle) count an attempt and are queued again (or failed at max):
 * how many, or -1. */
int vpd_outbox_recover(vpd_pg_t *db, apr_pool_t *p, int stale, int max_attempts);

/* Seconds until the earliest queued row is due (0 when one is), -1 when
 * none is queued, -2 on a database error. */
double vpd_outbox_next_due(vpd_pg_t *db);

#endif
