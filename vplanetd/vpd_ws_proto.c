#include "vpd_ws_proto.h"
#include "vpd_ws_auth.h"
#include "vpd_ws_events.h"

#include <stdlib.h>
#include <string.h>

#define MSG_MAX 65536               /* a client message, all fragments together */

static void relay_typing(conn_t *from, json_t *msg)
{
    conn_t *c;
    json_t *out = json_pack("{s:s, s:s, s:O?}", "type", "typing", "user_id", from->user_id,
                            "feedback_id", json_object_get(msg, "feedback_id"));
    char *text = out ? json_dumps(out, JSON_COMPACT) : NULL;

    for (c = from->project->conns; text && c; c = c->next)
        if (c != from && c->authed)
            vpd_ws_enqueue(c, text, strlen(text));
    free(text);
    json_decref(out);
}

static void received(conn_t *c, const char *in, size_t len)
{
    json_t *msg = json_loadb(in, len, JSON_REJECT_DUPLICATES, NULL);
    const char *type = json_string_value(json_object_get(msg, "type"));

    if (!type)
        vpd_ws_enqueue_json(c, json_pack("{s:s, s:s}", "type", "error",
                                         "message", "messages are JSON objects with a type"));
    else if (strcmp(type, "ping") == 0)
        vpd_ws_enqueue_json(c, json_pack("{s:s}", "type", "pong"));
    else if (strcmp(type, "auth") == 0 && !c->authed) {
        const char *token = json_string_value(json_object_get(msg, "token"));
        json_t *last = json_object_get(msg, "last_event_id");

        if (!token)
            vpd_ws_close(c, CLOSE_UNAUTHORIZED, "auth needs a token");
        else
            vpd_ws_authenticate(c, token, json_is_integer(last) && json_integer_value(last) >= 0
                                          ? (long long)json_integer_value(last) : -1);
    }
    else if (!c->authed)
        vpd_ws_close(c, CLOSE_UNAUTHORIZED, "authenticate first");
    else if (strcmp(type, "typing") == 0 && !c->me)    /* a project's, not /ws/me */
        relay_typing(c, msg);
    else
        vpd_ws_enqueue_json(c, json_pack("{s:s, s:s}", "type", "error", "message", "unknown type"));
    json_decref(msg);
}

void vpd_ws_receive(conn_t *c, const char *in, size_t len)
{
    char *rx;

    /* a new message drops what a message left unfinished (lws may never
     * hand over an empty final continuation frame) */
    if (lws_is_first_fragment(c->wsi))
        c->rx_len = 0;
    if (c->rx_len + len > MSG_MAX) {
        vpd_ws_close(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "messages are at most 64 KiB");
        return;
    }
    /* never realloc(p, 0): glibc frees p and returns NULL */
    if (len) {
        if (!(rx = realloc(c->rx, c->rx_len + len))) {
            vpd_ws_close(c, CLOSE_UNAVAILABLE, "out of memory");
            return;
        }
        c->rx = rx;
        memcpy(c->rx + c->rx_len, in, len);
        c->rx_len += len;
    }
    if (!lws_is_final_fragment(c->wsi))
        return;
    received(c, c->rx, c->rx_len);
    c->rx_len = 0;
}

int vpd_ws_writeable(conn_t *c)
{
    msg_t *m = c->head;

    if (c->close_code && !m) {
        lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
                         (unsigned char *)c->close_why, strlen(c->close_why));
        return -1;
    }
    if (!m)
        return 0;
    if (lws_write(c->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len)
        return -1;
    free(vpd_ws_dequeue(c));
    if (c->catching_up && !c->close_code && c->queued <= vpd_ws.o->queue_max / 4)
        vpd_ws_catch_up(c);
    if (c->head || c->close_code)
        lws_callback_on_writable(c->wsi);
    return 0;
}
