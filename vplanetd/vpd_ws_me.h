/* /ws/me: a user's notifications as they are made (sql/0012: NOTIFY
 * vplanet_notifications {user_id, seq} at each insert's commit), read from
 * the table (never from the NOTIFY's payload) and queued to that user's
 * sockets only, as {"type":"notification.created","id":seq,"payload":
 * notification_json,"at"}. seq is the cursor, as the event id is a
 * project's: resume with last_event_id.
 *
 * Notifications of one user may commit out of seq order (two causes in
 * different projects at once): the channel follows seq, and a NOTIFY
 * naming a seq it has passed without reading it (a late commit) brings
 * that one row to the clients that started before it and have not had it
 * (each channel and client remembers its last RECENT seqs). A resume
 * after a late commit cannot tell it is missing: the REST list has it. */
#ifndef VPD_WS_ME_H
#define VPD_WS_ME_H

#include "vpd_ws_registry.h"

/* New notifications of user channel p after its cursor, and the one with
 * seq named (its NOTIFY; -1: none), queued to p's clients. */
void vpd_ws_me_advance(project_t *p, long long named);

/* Resume: the next notifications of c after its last_sent, as many as
 * half its queue holds (as vpd_ws_catch_up). */
void vpd_ws_me_catch_up(conn_t *c);

#endif
