#include "vpd_ws_me.h"
#include "vpd_log.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_PAGE 500

static int in_ring(const long long *ring, int n, long long seq)
{
    int i, k = n < RECENT ? n : RECENT;

    for (i = 0; i < k; i++)
        if (ring[i] == seq)
            return 1;
    return 0;
}

static void ring_add(long long *ring, int *n, long long seq)
{
    ring[*n % RECENT] = seq;
    /* (stays within int: 2 RECENT and RECENT index alike) */
    *n = *n + 1 == 2 * RECENT ? RECENT : *n + 1;
}

/* Reads up to max notifications of user after `after` and the one with
 * seq also (-1: none), in pages, handing each to deliver: how many, or -1
 * on a database error. */
static int read_notes(const char *user, long long after, long long also, int max,
                      void (*deliver)(void *ctx, long long seq, const char *text), void *ctx)
{
    int total = 0;

    while (total < max) {
        char since[24], limit[12], named[24];
        int want = max - total < FETCH_PAGE ? max - total : FETCH_PAGE;
        PGresult *r;
        int i, n;

        snprintf(since, sizeof since, "%lld", after);
        snprintf(limit, sizeof limit, "%d", want);
        snprintf(named, sizeof named, "%lld", also);
        if (!(r = vpd_ws_exec(VPD_SQL_ME_AFTER, user, since, limit, named)))
            return -1;
        n = PQntuples(r);
        for (i = 0; i < n; i++) {
            long long seq = strtoll(PQgetvalue(r, i, 0), NULL, 10);

            deliver(ctx, seq, PQgetvalue(r, i, 1));
            if (seq > after)
                after = seq;
        }
        PQclear(r);
        total += n;
        also = -1;
        if (n < want)
            break;
    }
    return total;
}

/* seq to c, unless c has it: one after its last, or a late commit c
 * has not had and that is not from before c started. */
static void deliver(conn_t *c, long long seq, const char *text)
{
    if (seq > c->last_sent)
        c->last_sent = seq;
    else if (seq <= c->start || in_ring(c->recent, c->nrecent, seq))
        return;
    vpd_ws_enqueue(c, text, strlen(text));
    ring_add(c->recent, &c->nrecent, seq);
}

static void deliver_channel(void *ctx, long long seq, const char *text)
{
    project_t *p = ctx;
    conn_t *c;

    /* a client still catching up reads this one from the table later */
    for (c = p->conns; c; c = c->next)
        if (c->authed && !c->catching_up)
            deliver(c, seq, text);
    ring_add(p->recent, &p->nrecent, seq);
    if (seq > p->cursor)
        p->cursor = seq;
}

static void deliver_conn(void *ctx, long long seq, const char *text)
{
    deliver(ctx, seq, text);
}

void vpd_ws_me_advance(project_t *p, long long named)
{
    long long also = -1;

    if (named >= 0 && named <= p->cursor) {
        if (in_ring(p->recent, p->nrecent, named))
            return;                 /* read already; later ones have their NOTIFY */
        also = named;               /* committed after a later one was read */
    }
    if (read_notes(p->id, p->cursor, also, INT_MAX, deliver_channel, p) < 0)
        vpd_log(VPD_ERROR, "ws", "VPD0705: cannot read the notifications of user %s; retrying "
                "at the next notification or reconnect", p->id);
}

void vpd_ws_me_catch_up(conn_t *c)
{
    int room = vpd_ws.o->queue_max / 2 > 0 ? vpd_ws.o->queue_max / 2 : 1;
    int n = read_notes(c->user_id, c->last_sent, -1, room, deliver_conn, c);

    if (n < 0)
        vpd_ws_close(c, CLOSE_UNAVAILABLE, "database unavailable");
    else if (n < room)
        c->catching_up = 0;
}
