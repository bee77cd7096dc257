#include "vpd_ws_events.h"
#include "vpd_ws_me.h"
#include "vpd_log.h"
#include "vpcore/vp_authz.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FETCH_PAGE 500

typedef struct {                    /* a row of VPD_SQL_EVENTS_AFTER */
    long long id;
    const char *text, *type;
    const char *member;             /* the member it concerns, or NULL */
    const char *role;               /* member.role_changed: the new role */
} event_t;

/* Reads up to max events of a project after `after` (in pages), handing
 * each to deliver. Returns how many it read, or -1 on a database error. */
static int read_events(const char *project_id, long long after, int max,
                       void (*deliver)(void *ctx, const event_t *ev), void *ctx)
{
    int total = 0;

    while (total < max) {
        char since[24], limit[12];
        int want = max - total < FETCH_PAGE ? max - total : FETCH_PAGE;
        PGresult *r;
        int i, n;

        snprintf(since, sizeof since, "%lld", after);
        snprintf(limit, sizeof limit, "%d", want);
        if (!(r = vpd_ws_exec(VPD_SQL_EVENTS_AFTER, project_id, since, limit)))
            return -1;
        n = PQntuples(r);
        for (i = 0; i < n; i++) {
            event_t ev = {strtoll(PQgetvalue(r, i, 0), NULL, 10), PQgetvalue(r, i, 1),
                          PQgetvalue(r, i, 2),
                          PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3),
                          PQgetisnull(r, i, 4) ? NULL : PQgetvalue(r, i, 4)};

            deliver(ctx, &ev);
            after = ev.id;
        }
        PQclear(r);
        total += n;
        if (n < want)
            break;
    }
    return total;
}

/* Whether the project is gone now (a project.deleted of the past may
 * have been undone by a restore): 1 gone, 0 live, -1 unknown. */
static int project_gone(const char *id)
{
    PGresult *r = vpd_ws_exec(VPD_SQL_PROJECT_LIVE, id);
    int gone = r ? !PQntuples(r) : -1;

    PQclear(r);
    return gone;
}

/* ev to c, and what ev does to c's access: the last event a member gets
 * is its own member.left (or a role_changed to a role the policy does not
 * let read), then the socket closes; project.deleted likewise. gone:
 * project_gone's answer for a project.deleted. Nothing is queued once c is
 * closing. */
static void deliver(conn_t *c, const event_t *ev, int gone)
{
    int mine = ev->member && strcasecmp(ev->member, c->user_id) == 0;

    if (ev->id <= c->last_sent)
        return;
    vpd_ws_enqueue(c, ev->text, strlen(ev->text));
    c->last_sent = ev->id;
    if (mine && strcmp(ev->type, "member.left") == 0)
        vpd_ws_close(c, CLOSE_NOT_MEMBER, "no longer a member of the project");
    /* a guest's invitation ended (cancelled, declined, accepted): so did
     * its guest tokens (its id is the invitation's) */
    else if (mine && strncmp(ev->type, "invitation.", 11) == 0)
        vpd_ws_close(c, CLOSE_NOT_MEMBER, "the invitation ended");
    else if (mine && strcmp(ev->type, "member.role_changed") == 0
             && !vp_may(VP_KIND_USER, vp_role_parse(ev->role), VP_ACT_READ))
        vpd_ws_close(c, CLOSE_NOT_MEMBER, "the new role does not read the project");
    else if (gone && strcmp(ev->type, "project.deleted") == 0)
        vpd_ws_close(c, gone > 0 ? CLOSE_DELETED : CLOSE_UNAVAILABLE,
                     gone > 0 ? "the project was deleted" : "database unavailable");
}

static int deleted(const event_t *ev, const char *project_id)
{
    return strcmp(ev->type, "project.deleted") == 0 ? project_gone(project_id) : 0;
}

static void deliver_project(void *ctx, const event_t *ev)
{
    project_t *p = ctx;
    int gone = deleted(ev, p->id);
    conn_t *c;

    /* a client still catching up reads this one from the table later */
    for (c = p->conns; c; c = c->next)
        if (c->authed && !c->catching_up)
            deliver(c, ev, gone);
    p->cursor = ev->id;
}

static void deliver_conn(void *ctx, const event_t *ev)
{
    conn_t *c = ctx;

    deliver(c, ev, deleted(ev, c->project_id));
}

void vpd_ws_catch_up(conn_t *c)
{
    int room = vpd_ws.o->queue_max / 2 > 0 ? vpd_ws.o->queue_max / 2 : 1;
    int n;

    if (c->me) {
        vpd_ws_me_catch_up(c);
        return;
    }
    n = read_events(c->project_id, c->last_sent, room, deliver_conn, c);
    if (n < 0)
        vpd_ws_close(c, CLOSE_UNAVAILABLE, "database unavailable");
    else if (n < room)
        c->catching_up = 0;
}

void vpd_ws_advance(project_t *p)
{
    if (read_events(p->id, p->cursor, INT_MAX, deliver_project, p) < 0)
        vpd_log(VPD_ERROR, "ws", "VPD0405: cannot read the events of project %s; retrying at the next "
             "notification or reconnect", p->id);
}
