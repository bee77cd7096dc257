/* Sends one message over SMTP with libcurl: relay, TLS, credentials and
 * time-outs from the configuration. One sender per thread; it keeps the
 * relay connection open between messages (libcurl's connection cache). */
#ifndef VPD_SMTP_H
#define VPD_SMTP_H

#include "vpd_config.h"

#include <apr_pools.h>

typedef struct vpd_smtp vpd_smtp_t;

/* NULL when libcurl cannot make a handle (logged). */
vpd_smtp_t *vpd_smtp_create(const vpd_config_t *c);
void vpd_smtp_destroy(vpd_smtp_t *s);

/* Sends message (CRLF lines, not dot-stuffed) from the configured sender
 * to rcpt. NULL when the relay accepted it, else why not: libcurl's
 * message with the SMTP reply code, never a credential (allocated in p). */
const char *vpd_smtp_send(vpd_smtp_t *s, apr_pool_t *p, const char *rcpt, const char *message);

#endif
