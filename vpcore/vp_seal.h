/* Sealing a short text under a key derived from a secret text (AES-256-GCM):
 * only who presents the secret again can open it. httpd-free. */
#ifndef VP_SEAL_H
#define VP_SEAL_H

#include <apr_pools.h>

/* base64 of nonce, ciphertext and tag; NULL when OpenSSL or randomness fail. */
char *vp_seal(apr_pool_t *p, const char *secret, const char *plain);
/* The sealed text, or NULL when sealed was not made under secret (or is
 * damaged). */
char *vp_unseal(apr_pool_t *p, const char *secret, const char *sealed);

#endif
