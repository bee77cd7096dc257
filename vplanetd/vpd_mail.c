#include "vpd_mail.h"
#include "vpd_daemon.h"
#include "vpd_log.h"
#include "vpd_message.h"
#include "vpd_outbox.h"
#include "vpd_pg.h"
#include "vpd_retry.h"
#include "vpd_smtp.h"
#include "vpcore/vp_token.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ERROR_MAX 1000   /* bytes of last_error */

typedef enum { O_SENT, O_RETRY, O_RELEASE } outcome_kind_t;

/* what became of a claimed row, until it is recorded */
typedef struct {
    outcome_kind_t kind;
    const char *id;
    int attempts;
    int failed;
    long delay;
    const char *error;
} outcome_t;

struct vpd_mail {
    const vpd_config_t *c;
    pthread_t thread;
    int result;
    vpd_pg_t *db;
    vpd_smtp_t *smtp;
    const char *claimer;          /* host:pid:random, in claimed_by */
    apr_pool_t *pending_pool;     /* holds pending while it is not empty */
    apr_array_header_t *pending;  /* outcome_t not yet recorded */
};

/* 1 recorded (or moot), 0 database error: keep it */
static int record(vpd_mail_t *m, apr_pool_t *p, const outcome_t *o)
{
    int rc;

    switch (o->kind) {
    case O_SENT:
        rc = vpd_outbox_sent(m->db, m->claimer, o->id);
        break;
    case O_RETRY:
        rc = vpd_outbox_retry(m->db, p, m->claimer, o->id, o->attempts, o->failed, o->delay,
                              o->error);
        break;
    default:
        rc = vpd_outbox_release(m->db, m->claimer, o->id);
    }
    if (rc == 0)
        vpd_log(VPD_WARN, "mail", "VPD0307: outbox row %s was no longer ours to record "
                "(taken back after mail_sending_timeout): another attempt may send it again",
                o->id);
    return rc >= 0;
}

/* Records o, or keeps it for when the database is back. */
static void settle(vpd_mail_t *m, apr_pool_t *p, const outcome_t *o)
{
    outcome_t *kept;

    if (record(m, p, o))
        return;
    kept = apr_array_push(m->pending);
    *kept = *o;
    kept->id = apr_pstrdup(m->pending_pool, o->id);
    kept->error = o->error ? apr_pstrdup(m->pending_pool, o->error) : NULL;
}

/* Records what is pending; 0 when some still is. */
static int flush(vpd_mail_t *m, apr_pool_t *p)
{
    outcome_t *o = (outcome_t *)m->pending->elts;
    int i, n = m->pending->nelts, kept = 0;

    for (i = 0; i < n; i++)
        if (!record(m, p, &o[i]))
            o[kept++] = o[i];
    if (kept == 0 && n) {
        vpd_log(VPD_INFO, "mail", "VPD0308: recorded %d outcome%s kept while the database "
                "was away", n, n == 1 ? "" : "s");
        apr_pool_clear(m->pending_pool);
        m->pending = apr_array_make(m->pending_pool, 16, sizeof(outcome_t));
        return 1;
    }
    m->pending->nelts = kept;
    return kept == 0;
}

/* libcurl's message, cut to fit last_error at a character boundary */
static const char *cut(apr_pool_t *p, const char *s)
{
    size_t n = strlen(s);

    if (n <= ERROR_MAX)
        return s;
    n = ERROR_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return apr_pstrmemdup(p, s, n);
}

static void deliver(vpd_mail_t *m, apr_pool_t *p, const vpd_outbox_row_t *row)
{
    const vpd_config_t *c = m->c;
    outcome_t o = {.kind = O_RETRY, .id = row->id};
    vpd_message_t msg = {0};
    vpd_retry_t retry;
    const char *rnd = vp_token_random(p), *rnd2 = vp_token_random(p), *why = NULL;
    char *text = NULL;

    msg.from = c->smtp_from;
    msg.from_name = c->smtp_from_name;
    msg.to = row->recipient;
    msg.subject = row->subject;
    msg.text = row->text;
    msg.html = row->html;
    msg.date = (long)time(NULL);
    if (!rnd || !rnd2)
        why = "the system has no randomness for the Message-ID";   /* retried below */
    else {
        /* 22 base64url characters: 132 random bits each */
        msg.message_id = vpd_message_id(p, atol(row->id), apr_pstrndup(p, rnd, 22), c->smtp_from);
        msg.boundary = apr_pstrndup(p, rnd2, 22);
        if (!(text = vpd_message_build(p, &msg, &why))) {
            /* nothing a later attempt could change */
            o.attempts = row->attempts + 1;
            o.failed = 1;
            o.error = why;
            vpd_log(VPD_ERROR, "mail", "VPD0303: outbox row %s cannot be sent: %s", row->id, why);
            settle(m, p, &o);
            return;
        }
        why = vpd_smtp_send(m->smtp, p, row->recipient, text);
    }
    if (!why) {
        o.kind = O_SENT;
        vpd_log(VPD_INFO, "mail", "VPD0301: outbox row %s sent (attempt %d)", row->id,
                row->attempts + 1);
        settle(m, p, &o);
        return;
    }
    retry = vpd_retry_after_failure(row->attempts, c->mail_max_attempts, c->mail_backoff_base,
                                    c->mail_backoff_max);
    o.attempts = retry.attempts;
    o.failed = retry.failed;
    o.delay = retry.delay;
    o.error = cut(p, why);
    if (retry.failed)
        vpd_log(VPD_ERROR, "mail", "VPD0304: outbox row %s failed for good after %d attempts: %s",
                row->id, retry.attempts, why);
    else
        vpd_log(VPD_WARN, "mail", "VPD0302: outbox row %s: attempt %d of %d failed, next in %ld s: "
                "%s", row->id, retry.attempts, c->mail_max_attempts, retry.delay, why);
    settle(m, p, &o);
}

/* One round: claims a batch and sends it. The number claimed, -1 when the
 * database is away. */
static int round_(vpd_mail_t *m, apr_pool_t *p)
{
    const vpd_config_t *c = m->c;
    apr_array_header_t *rows;
    vpd_outbox_row_t *row;
    int i;

    if (!flush(m, p) || vpd_outbox_recover(m->db, p, c->mail_sending_timeout,
                                           c->mail_max_attempts) < 0)
        return -1;
    if (!(rows = vpd_outbox_claim(m->db, p, m->claimer, c->mail_batch)))
        return -1;
    row = (vpd_outbox_row_t *)rows->elts;
    for (i = 0; i < rows->nelts && !vpd_stopping(); i++)
        deliver(m, p, &row[i]);
    for (; i < rows->nelts; i++) {
        outcome_t o = {.kind = O_RELEASE, .id = row[i].id};

        settle(m, p, &o);
    }
    return rows->nelts;
}

/* Waits for a NOTIFY, the next due row, the poll interval or a stop. */
static void wait_(vpd_mail_t *m)
{
    double due = vpd_outbox_next_due(m->db);
    long ms = m->c->mail_poll_interval * 1000L;

    if (due == -2)
        return;
    if (due >= 0 && due * 1000 < ms)
        ms = (long)(due * 1000) + 1;
    if (ms < 50)
        ms = 50;   /* a due row another transaction keeps locked: no busy loop */
    vpd_pg_wait(m->db, ms);
}

static void *run(void *arg)
{
    vpd_mail_t *m = arg;
    apr_pool_t *root, *p;
    int n, errors = 0;

    /* pools of this thread only */
    if (apr_pool_create_unmanaged_ex(&root, NULL, NULL) != APR_SUCCESS) {
        vpd_log(VPD_ERROR, "mail", "VPD0309: out of memory");
        m->result = 1;
        vpd_stop();
        return NULL;
    }
    apr_pool_create(&p, root);
    apr_pool_create(&m->pending_pool, root);
    m->pending = apr_array_make(m->pending_pool, 16, sizeof(outcome_t));
    m->db = vpd_pg_create(root, m->c->database, "mail", vpd_outbox_channels);
    while (!vpd_stopping()) {
        apr_pool_clear(p);
        if (!vpd_pg_ensure(m->db))
            continue;   /* (it paused) */
        n = round_(m, p);
        if (n < 0) {
            /* a failed statement on a live connection (logged): pause, so
             * an error that persists is not a busy loop */
            vpd_sleep(vpd_backoff(500, 30000, ++errors));
            continue;
        }
        errors = 0;
        if (n < m->c->mail_batch)
            wait_(m);   /* else more rows may be due at once */
    }
    apr_pool_clear(p);
    if (m->pending->nelts && vpd_pg_ensure(m->db) && !flush(m, p))
        vpd_log(VPD_ERROR, "mail", "VPD0310: stopping with %d outcome%s not recorded: those "
                "rows stay `sending` until taken back", m->pending->nelts,
                m->pending->nelts == 1 ? "" : "s");
    vpd_pg_close(m->db);
    apr_pool_destroy(root);
    return NULL;
}

vpd_mail_t *vpd_mail_start(apr_pool_t *p, const vpd_config_t *c, const char **err)
{
    vpd_mail_t *m = apr_pcalloc(p, sizeof *m);
    int rc;

    m->c = c;
    if (!(m->claimer = vpd_claimer(p))) {
        *err = "no randomness";
        return NULL;
    }
    if (!(m->smtp = vpd_smtp_create(c))) {
        *err = "libcurl cannot make a handle";
        return NULL;
    }
    rc = pthread_create(&m->thread, NULL, run, m);
    if (rc != 0) {
        *err = apr_pstrdup(p, strerror(rc));
        vpd_smtp_destroy(m->smtp);
        return NULL;
    }
    vpd_log(VPD_INFO, "mail", "VPD0300: delivering the outbox through %s as %s (claimer %s)",
            c->smtp_url, c->smtp_from, m->claimer);
    return m;
}

int vpd_mail_join(vpd_mail_t *m)
{
    pthread_join(m->thread, NULL);
    vpd_smtp_destroy(m->smtp);
    return m->result;
}
