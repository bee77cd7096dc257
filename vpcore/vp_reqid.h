/* Request ids: accept a sane client-supplied one, else make one. */
#ifndef VP_REQID_H
#define VP_REQID_H

#include <apr_pools.h>

/* 1 when s is 1..64 characters of [A-Za-z0-9._:-] (safe for logs and headers). */
int vp_reqid_sane(const char *s);

/* A new random UUID (version 4) in pool memory. */
char *vp_uuid_new(apr_pool_t *p);

#endif
