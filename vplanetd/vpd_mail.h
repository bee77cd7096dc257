/* The mail part: delivers the outbox over SMTP, in a thread of its own
 * with its own database connection (so the WebSocket part's event loop
 * never waits for a relay).
 *
 * It wakes on NOTIFY vplanet_outbox, when the earliest queued row falls
 * due, or every mail_poll_interval seconds; claims up to mail_batch due
 * rows; sends each; records sent, or the failure with the next attempt
 * after an exponential backoff (failed at mail_max_attempts). A stop lets
 * the message being sent finish, gives the rest of the batch back and
 * ends the thread. Outcomes that could not be recorded while the database
 * was away are kept and recorded once it is back. */
#ifndef VPD_MAIL_H
#define VPD_MAIL_H

#include "vpd_config.h"

#include <apr_pools.h>

typedef struct vpd_mail vpd_mail_t;

/* Starts the thread (p: the main thread's, for what the part keeps); NULL
 * with *err when it cannot. */
vpd_mail_t *vpd_mail_start(apr_pool_t *p, const vpd_config_t *c, const char **err);

/* After a stop was asked: waits for the thread; 0 when it ended well. */
int vpd_mail_join(vpd_mail_t *m);

#endif
