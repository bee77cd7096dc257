#include "vpd_outbox.h"
#include "vpd_log.h"

#include <apr_strings.h>
#include <stdlib.h>

const char *const vpd_outbox_channels[] = {"vplanet_outbox", NULL};

const vp_stmt_t vpd_outbox_statements[] = {
    {"vpd_outbox_claim",        /* $1 how many, $2 the claimer */
     "WITH claimed AS (UPDATE outbox SET status = 'sending', claimed_at = now(), claimed_by = $2"
     "  WHERE id IN (SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= now()"
     "               ORDER BY id LIMIT $1::int FOR UPDATE SKIP LOCKED)"
     "  RETURNING id, recipient, subject, body_text, body_html, attempts)"
     " SELECT id, recipient, subject, body_text, body_html, attempts FROM claimed ORDER BY id"},
    {"vpd_outbox_sent",
     "UPDATE outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1"
     " WHERE id = $1::bigint AND status = 'sending' AND claimed_by = $2"},
    {"vpd_outbox_retry",        /* $3 attempts, $4 error, $5 failed, $6 seconds */
     "UPDATE outbox SET attempts = $3::int, last_error = $4,"
     " status = CASE WHEN $5::boolean THEN 'failed' ELSE 'queued' END,"
     " next_attempt_at = now() + $6::int * interval '1 second'"
     " WHERE id = $1::bigint AND status = 'sending' AND claimed_by = $2"},
    {"vpd_outbox_release",
     "UPDATE outbox SET status = 'queued'"
     " WHERE id = $1::bigint AND status = 'sending' AND claimed_by = $2"},
    {"vpd_outbox_recover",      /* $1 seconds, $2 max attempts */
     "UPDATE outbox SET attempts = attempts + 1,"
     " status = CASE WHEN attempts + 1 >= $2::int THEN 'failed' ELSE 'queued' END,"
     " last_error = 'taken back: the daemon sending it (' || coalesce(claimed_by, '?')"
     "  || ') stopped before recording the outcome; it may have been delivered'"
     " WHERE status = 'sending'"
     " AND (claimed_at IS NULL OR claimed_at < now() - $1::int * interval '1 second')"
     " RETURNING id"},
    {"vpd_outbox_next_due",
     "SELECT greatest(0, extract(epoch FROM min(next_attempt_at) - now()))"
     " FROM outbox WHERE status = 'queued'"},
    {NULL, NULL}
};

apr_array_header_t *vpd_outbox_claim(vpd_pg_t *db, apr_pool_t *p, const char *claimer, int n)
{
    const char *params[] = {apr_itoa(p, n), claimer};
    PGresult *r = vpd_pg_exec(db, "vpd_outbox_claim", 2, params);
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
    const char *params[] = {id, claimer};

    return changed(vpd_pg_exec(db, "vpd_outbox_sent", 2, params));
}

int vpd_outbox_retry(vpd_pg_t *db, apr_pool_t *p, const char *claimer, const char *id,
                     int attempts, int failed, long delay, const char *error)
{
    const char *params[] = {id, claimer, apr_itoa(p, attempts), error, failed ? "true" : "false",
                            apr_ltoa(p, delay)};

    return changed(vpd_pg_exec(db, "vpd_outbox_retry", 6, params));
}

int vpd_outbox_release(vpd_pg_t *db, const char *claimer, const char *id)
{
    const char *params[] = {id, claimer};

    return changed(vpd_pg_exec(db, "vpd_outbox_release", 2, params));
}

int vpd_outbox_recover(vpd_pg_t *db, apr_pool_t *p, int stale, int max_attempts)
{
    const char *params[] = {apr_itoa(p, stale), apr_itoa(p, max_attempts)};
    PGresult *r = vpd_pg_exec(db, "vpd_outbox_recover", 2, params);
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
    PGresult *r = vpd_pg_exec(db, "vpd_outbox_next_due", 0, NULL);
    double d;

    if (!r)
        return -2;
    d = PQgetisnull(r, 0, 0) ? -1 : atof(PQgetvalue(r, 0, 0));
    PQclear(r);
    return d;
}
