/* The notification emails: in a thread of its own with its own database
 * connection, vplanetd turns notifications (sql/0012) into outbox rows,
 * which the mail part delivers.
 *
 * Instant: it wakes on NOTIFY vplanet_notifications, every
 * mail_poll_interval seconds and at start, claims the notifications not
 * yet mailed of users whose setting is instant (FOR UPDATE SKIP LOCKED:
 * two daemons never take one), and queues one email each with
 * notifications.emailed_at set in the same transaction: a restart neither
 * loses nor repeats one. Digests: every digest_check_interval seconds it
 * closes the periods that ended (notification_settings.last_digest_at +
 * the period's length <= now), one email per user listing that period's
 * unread, not yet mailed notifications by project (none when there are
 * none), and moves last_digest_at to the period's end, in one
 * transaction. */
#ifndef VPD_NOTIFY_H
#define VPD_NOTIFY_H

#include "vpd_config.h"

#include <apr_pools.h>

typedef struct vpd_notify vpd_notify_t;

/* Starts the thread; NULL with *err when it cannot. */
vpd_notify_t *vpd_notify_start(apr_pool_t *p, const vpd_config_t *c, const char **err);

/* After a stop was asked: waits for the thread; 0 when it ended well. */
int vpd_notify_join(vpd_notify_t *n);

#endif
