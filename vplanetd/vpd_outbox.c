#include "vpd_outbox.h"
#include "vpd_log.h"

#include <apr_strings.h>
#include <stdlib.h>

const char *const vpd_outbox_channels[] = {"vplanet_outbox", NULL};

apr_array_header_t *vpd_outbox_claim(vpd_pg_t *db, apr_pool_t *p, const char *claimer, int n)
{
    PGresult *r = vpd_pg_run(db, VPD_SQL_OUTBOX_CLAIM, apr_itoa(p, n), claimer);
    apr_array_header_t *rows;
    int i;

    if (!r)
        return NULL;
    rows = apr_array_make(p, PQntuples(r) ? PQntuples(r) : 1, sizeof(vpd_outbox_row_t));
    for (i = 0; i < PQntuples(r); i++) {
        vpd_outbox_row_t *row = apr_array_push(rows);

        row->id = apr_pstrdup(p, PQgetvalue(r, i, 0));
        row->recipient = apr_pstrdup(p, PQgetvalue(r, i, 1));
        row->subject = apr_pstrdup(p, PQgetvalue(r, i, 2));
        row->text = apr_pstrdup(p, PQgetvalue(r, i, 3));
        row->html = apr_pstrdup(p, PQgetvalue(r, i, 4));
        row->attempts = atoi(PQgetvalue(r, i, 5));
    }
    PQclear(r);
    return rows;
}

/* 1 when one row changed, 0 when none, -1 on error */
static int changed(PGresult *r)
{
    int n;

    if (!r)
        return -1;
    n = atoi(PQcmdTuples(r));
    PQclear(r);
    return n > 0;
}

int vpd_outbox_sent(vpd_pg_t *db, const char *claimer, const char *id)
{
    return changed(vpd_pg_run(db, VPD_SQL_OUTBOX_SENT, id, claimer));
}

int vpd_outbox_retry(vpd_pg_t *db, apr_pool_t *p, const char *claimer, const char *id,
                     int attempts, int failed, long delay, const char *error)
{
    return changed(vpd_pg_run(db, VPD_SQL_OUTBOX_RETRY, id, claimer, apr_itoa(p, attempts), error,
                              failed ? "true" : "false", apr_ltoa(p, delay)));
}

int vpd_outbox_release(vpd_pg_t *db, const char *claimer, const char *id)
{
    return changed(vpd_pg_run(db, VPD_SQL_OUTBOX_RELEASE, id, claimer));
}

int vpd_outbox_recover(vpd_pg_t *db, apr_pool_t *p, int stale, int max_attempts)
{
    PGresult *r = vpd_pg_run(db, VPD_SQL_OUTBOX_RECOVER, apr_itoa(p, stale),
                             apr_itoa(p, max_attempts));
    int n, i;

    if (!r)
        return -1;
    n = PQntuples(r);
    for (i = 0; i < n; i++)
        vpd_log(VPD_WARN, "mail", "VPD0306: outbox row %s was left `sending` for over %d s "
                "by a daemon that stopped: taken back (it may have been delivered already)",
                PQgetvalue(r, i, 0), stale);
    PQclear(r);
    return n;
}

double vpd_outbox_next_due(vpd_pg_t *db)
{
    PGresult *r = vpd_pg_run(db, VPD_SQL_OUTBOX_NEXT_DUE);
    double d;

    if (!r)
        return -2;
    d = PQgetisnull(r, 0, 0) ? -1 : atof(PQgetvalue(r, 0, 0));
    PQclear(r);
    return d;
}
