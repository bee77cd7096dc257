/* The connections by project and their send queues. */
#include "vpd_ws_registry.h"
#include "vpd_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLOSE_WAIT 5                /* seconds a close may wait behind the queue */

vpd_ws_state_t vpd_ws;

PGresult *vpd_ws_query(const vp_stmt_t *s, int n, const char *const *params)
{
    int attempt;

    for (attempt = 0; attempt < 2; attempt++) {
        PGresult *r;

        if (!vpd_pg_connect(vpd_ws.db))
            return NULL;
        if ((r = vpd_pg_exec(vpd_ws.db, s, n, params)))
            return r;
        if (vpd_pg_conn(vpd_ws.db))
            return NULL;            /* not a connection problem: no retry */
    }
    return NULL;
}

void vpd_ws_close(conn_t *c, int code, const char *why)
{
    if (!c->close_code) {
        c->close_code = code;
        c->close_why = why;
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, CLOSE_WAIT);
    }
    lws_callback_on_writable(c->wsi);
}

static void drop_queue(conn_t *c)
{
    while (c->head) {
        msg_t *m = c->head;

        c->head = m->next;
        free(m);
    }
    c->tail = NULL;
    c->queued = 0;
}

void vpd_ws_enqueue(conn_t *c, const char *text, size_t len)
{
    msg_t *m;

    if (c->close_code)
        return;
    if (c->queued >= vpd_ws.o->queue_max) {
        /* it does not read, so a close frame would not get through either */
        vpd_log(VPD_INFO, "ws", "VPD0404: dropping a slow client of %s %s",
                c->me ? "the notifications of user" : "project",
                c->me ? c->user_id : c->project_id);
        drop_queue(c);
        c->close_code = CLOSE_TOO_SLOW;
        c->close_why = "too slow";
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    if (!(m = malloc(sizeof *m + LWS_PRE + len))) {
        vpd_ws_close(c, CLOSE_UNAVAILABLE, "out of memory");
        return;
    }
    m->next = NULL;
    m->len = len;
    memcpy(m->buf + LWS_PRE, text, len);
    if (c->tail)
        c->tail->next = m;
    else
        c->head = m;
    c->tail = m;
    c->queued++;
    lws_callback_on_writable(c->wsi);
}

void vpd_ws_enqueue_json(conn_t *c, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);

    if (text)
        vpd_ws_enqueue(c, text, strlen(text));
    free(text);
    json_decref(j);
}

msg_t *vpd_ws_dequeue(conn_t *c)
{
    msg_t *m = c->head;

    if (!m)
        return NULL;
    c->head = m->next;
    if (!c->head)
        c->tail = NULL;
    c->queued--;
    return m;
}

static project_t *find(const char *id, int user)
{
    project_t *p;

    for (p = vpd_ws.projects; p && (p->user != user || strcmp(p->id, id)); p = p->next)
        ;
    return p;
}

project_t *vpd_ws_project_find(const char *id)
{
    return find(id, 0);
}

project_t *vpd_ws_user_find(const char *id)
{
    return find(id, 1);
}

int vpd_ws_attach(conn_t *c, const char *id, long long cursor)
{
    project_t *p = find(id, c->me);

    if (!p) {
        if (!(p = calloc(1, sizeof *p)))
            return -1;
        snprintf(p->id, sizeof p->id, "%s", id);
        p->user = c->me;
        p->cursor = cursor;
        p->next = vpd_ws.projects;
        vpd_ws.projects = p;
    }
    c->project = p;
    c->next = p->conns;
    p->conns = c;
    return 0;
}

static void project_leave(conn_t *c)
{
    project_t *p = c->project, **pp;
    conn_t **cp;

    if (!p)
        return;
    for (cp = &p->conns; *cp; cp = &(*cp)->next)
        if (*cp == c) {
            *cp = c->next;
            break;
        }
    c->project = NULL;
    if (p->conns)
        return;
    for (pp = &vpd_ws.projects; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    free(p);
}

void vpd_ws_forget(conn_t *c)
{
    project_leave(c);
    drop_queue(c);
    free(c->rx);
    c->rx = NULL;
}
