/* Password hashing: argon2id (libargon2), with the parameters stored in
 * the hash so they can be raised later; Django pbkdf2_sha256 hashes of
 * users imported from the legacy backend verify too. httpd-free. */
#ifndef VP_PASSWORD_H
#define VP_PASSWORD_H

#include <apr_pools.h>
#include <stdint.h>

typedef struct {
    uint32_t m_kib;     /* memory in KiB (>= 19456) */
    uint32_t t;         /* iterations (>= 2) */
    uint32_t p;         /* lanes (>= 1) */
} vp_argon2_params_t;

#define VP_ARGON2_DEFAULT {19456, 2, 1}

/* An encoded argon2id hash with a random salt; NULL on failure. */
char *vp_password_hash(apr_pool_t *p, const vp_argon2_params_t *prm, const char *pw);

/* 1 when pw matches stored (argon2id or pbkdf2_sha256), else 0. */
int vp_password_verify(const char *stored, const char *pw);

/* 1 when stored is not argon2id, or uses weaker parameters than prm. */
int vp_password_needs_rehash(const char *stored, const vp_argon2_params_t *prm);

/* Why pw may not be chosen by the account of email (NULL: unknown), as a
 * message for the client ("must not be the email address"); NULL when it
 * may. The length rules are the field tables'. */
const char *vp_password_problem(const char *pw, const char *email);

#endif
