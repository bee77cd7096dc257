#include "vpd_notify.h"
#include "vpd_daemon.h"
#include "vpd_log.h"
#include "vpd_notify_mail.h"
#include "vpd_pg.h"
#include "vpd_retry.h"

#include <apr_strings.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INSTANT_BATCH 50            /* notifications claimed in one transaction */
#define DIGEST_ITEMS_MAX 200        /* listed in one digest; the rest wait */
#define DIGESTS_PER_ROUND 500       /* then the instant sweep gets its turn */

static const char *const channels[] = {"vplanet_notifications", NULL};

struct vpd_notify {
    const vpd_config_t *c;
    pthread_t thread;
    int result;
    vpd_pg_t *db;
};

static int ok(PGresult *r)
{
    PQclear(r);
    return r != NULL;
}

/* Ends a failed transaction (when the connection still stands). */
static void rollback(vpd_notify_t *n)
{
    if (vpd_pg_conn(n->db))
        PQclear(vpd_pg_run(n->db, VPD_SQL_NOTIFY_ROLLBACK));
}

static int queue(vpd_notify_t *n, const char *to, const vpd_note_mail_t *m, const char *kind)
{
    return ok(vpd_pg_run(n->db, VPD_SQL_NOTIFY_QUEUE, to, m->subject, m->text, m->html, kind));
}

/* One transaction of instant emails: how many notifications it settled,
 * -1 on a database error (rolled back: they stay for the next round). */
static int instant_round(vpd_notify_t *n, apr_pool_t *p)
{
    PGresult *r;
    int i, rows, mailed = 0;

    if (!ok(vpd_pg_run(n->db, VPD_SQL_NOTIFY_BEGIN)))
        return -1;
    if (!(r = vpd_pg_run(n->db, VPD_SQL_INSTANT_CLAIM, apr_itoa(p, INSTANT_BATCH)))) {
        rollback(n);
        return -1;
    }
    rows = PQntuples(r);
    for (i = 0; i < rows; i++) {
        const char *id = PQgetvalue(r, i, 0);
        vpd_note_t note = {PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 2)};
        vpd_note_mail_t m;

        if (strcmp(PQgetvalue(r, i, 8), "t") == 0) {
            vpd_note_mail_instant(p, PQgetvalue(r, i, 6), PQgetvalue(r, i, 7), n->c->public_url,
                                  &note, &m);
            if (!queue(n, PQgetvalue(r, i, 5), &m, "notification"))
                break;
            mailed++;
        }
        if (!ok(vpd_pg_run(n->db, VPD_SQL_NOTIFY_MARK, id)))
            break;
    }
    PQclear(r);
    if (i < rows || !ok(vpd_pg_run(n->db, VPD_SQL_NOTIFY_COMMIT))) {
        rollback(n);
        return -1;
    }
    if (rows)
        vpd_log(VPD_INFO, "notify", "VPD0701: %d notification email%s queued, %d notification%s "
                "without one (setting off, account or project gone)", mailed,
                mailed == 1 ? "" : "s", rows - mailed, rows - mailed == 1 ? "" : "s");
    return rows;
}

/* One closed digest period (one user) in one transaction: 1 done, 0 none
 * was due, -1 on a database error (rolled back: tried again later). */
static int digest_one(vpd_notify_t *n, apr_pool_t *p)
{
    const vpd_config_t *c = n->c;
    PGresult *u, *r = NULL;
    vpd_note_t *notes;
    vpd_note_mail_t m;
    int i, count = 0, rc = -1;

    if (!ok(vpd_pg_run(n->db, VPD_SQL_NOTIFY_BEGIN)))
        return -1;
    if (!(u = vpd_pg_run(n->db, VPD_SQL_DIGEST_CLAIM, apr_itoa(p, c->digest_hourly_seconds),
                         apr_itoa(p, c->digest_daily_seconds)))) {
        rollback(n);
        return -1;
    }
    if (PQntuples(u) == 0) {
        PQclear(u);
        return ok(vpd_pg_run(n->db, VPD_SQL_NOTIFY_COMMIT)) ? 0 : (rollback(n), -1);
    }
    /* user_id, email setting, period end, address, locale, nickname, active */
    if (!(r = vpd_pg_run(n->db, VPD_SQL_DIGEST_ITEMS, PQgetvalue(u, 0, 0), PQgetvalue(u, 0, 2),
                         apr_itoa(p, DIGEST_ITEMS_MAX))))
        goto done;
    count = PQntuples(r);
    if (count && strcmp(PQgetvalue(u, 0, 6), "t") == 0) {
        notes = apr_pcalloc(p, sizeof *notes * (size_t)count);
        for (i = 0; i < count; i++) {
            notes[i].project_id = PQgetvalue(r, i, 1);
            notes[i].project = PQgetvalue(r, i, 2);
            notes[i].text = PQgetvalue(r, i, 3);
        }
        vpd_note_mail_digest(p, PQgetvalue(u, 0, 4), PQgetvalue(u, 0, 5), c->public_url,
                             strcmp(PQgetvalue(u, 0, 1), "daily") == 0, notes, count, &m);
        if (!queue(n, PQgetvalue(u, 0, 3), &m, "notification_digest"))
            goto done;
    }
    for (i = 0; i < count; i++)
        if (!ok(vpd_pg_run(n->db, VPD_SQL_NOTIFY_MARK, PQgetvalue(r, i, 0))))
            goto done;
    if (!ok(vpd_pg_run(n->db, VPD_SQL_DIGEST_DONE, PQgetvalue(u, 0, 0), PQgetvalue(u, 0, 2)))
        || !ok(vpd_pg_run(n->db, VPD_SQL_NOTIFY_COMMIT)))
        goto done;
    vpd_log(VPD_INFO, "notify", "VPD0702: %s digest of user %s for the period ending %s: %d "
            "notification%s%s", PQgetvalue(u, 0, 1), PQgetvalue(u, 0, 0), PQgetvalue(u, 0, 2),
            count, count == 1 ? "" : "s", count ? "" : " (no email)");
    rc = 1;
done:
    if (rc < 0)
        rollback(n);
    PQclear(r);
    PQclear(u);
    return rc;
}

/* The closed periods: 0, or -1 on a database error. */
static int digests(vpd_notify_t *n, apr_pool_t *p)
{
    int i, rc = 0;

    if (!ok(vpd_pg_run(n->db, VPD_SQL_DIGEST_START)))
        return -1;
    for (i = 0; i < DIGESTS_PER_ROUND && (rc = digest_one(n, p)) > 0 && !vpd_stopping(); i++)
        apr_pool_clear(p);
    return rc < 0 ? -1 : 0;
}

static long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void *run(void *arg)
{
    vpd_notify_t *n = arg;
    apr_pool_t *root, *p;
    long next_digest = 0, wait;
    int rc, errors = 0;

    if (apr_pool_create_unmanaged_ex(&root, NULL, NULL) != APR_SUCCESS) {
        vpd_log(VPD_ERROR, "notify", "VPD0709: out of memory");
        n->result = 1;
        vpd_stop();
        return NULL;
    }
    apr_pool_create(&p, root);
    n->db = vpd_pg_create(root, n->c->database, "notify", channels);
    while (!vpd_stopping()) {
        apr_pool_clear(p);
        if (!vpd_pg_ensure(n->db))
            continue;   /* (it paused) */
        /* the instant sweep until it is done, then the digests when due */
        while ((rc = instant_round(n, p)) == INSTANT_BATCH && !vpd_stopping())
            apr_pool_clear(p);
        if (rc >= 0 && now_ms() >= next_digest) {
            apr_pool_clear(p);
            if ((rc = digests(n, p)) == 0)
                next_digest = now_ms() + n->c->digest_check_interval * 1000L;
        }
        if (rc < 0) {
            /* logged; a pause, so an error that persists is not a busy loop */
            vpd_sleep(vpd_backoff(500, 30000, ++errors));
            continue;
        }
        errors = 0;
        wait = next_digest - now_ms();
        if (wait > n->c->mail_poll_interval * 1000L)
            wait = n->c->mail_poll_interval * 1000L;
        vpd_pg_wait(n->db, wait < 10 ? 10 : wait);
    }
    vpd_pg_close(n->db);
    apr_pool_destroy(root);
    return NULL;
}

vpd_notify_t *vpd_notify_start(apr_pool_t *p, const vpd_config_t *c, const char **err)
{
    vpd_notify_t *n = apr_pcalloc(p, sizeof *n);
    int rc;

    n->c = c;
    if ((rc = pthread_create(&n->thread, NULL, run, n)) != 0) {
        *err = apr_pstrdup(p, strerror(rc));
        return NULL;
    }
    vpd_log(VPD_INFO, "notify", "VPD0700: notification emails: instant, digests of %d s "
            "(hourly) and %d s (daily) looked for every %d s, links %s", c->digest_hourly_seconds,
            c->digest_daily_seconds, c->digest_check_interval,
            c->public_url ? c->public_url : "none (public_url is not set)");
    return n;
}

int vpd_notify_join(vpd_notify_t *n)
{
    pthread_join(n->thread, NULL);
    return n->result;
}
