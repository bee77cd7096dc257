/* JWTs (libjwt) and opaque single-use tokens. httpd-free.
 *
 * Verification pins the configured algorithm (an HS256 token signed with the
 * PEM text of an RS256 key is refused), refuses "none", and checks exp, nbf,
 * iss, aud and typ itself: libjwt 1.10 checks only the signature. */
#ifndef VP_TOKEN_H
#define VP_TOKEN_H

#include <apr_pools.h>
#include <jwt.h>

typedef struct {
    jwt_alg_t alg;                 /* HS256 (default), RS256 or ES256 */
    const unsigned char *sign_key; /* HS: the secret; RS/ES: private key PEM */
    size_t sign_len;
    const unsigned char *verify_key; /* HS: the secret; RS/ES: public key PEM */
    size_t verify_len;
    const char *issuer;
    const char *audience;
} vp_token_keys_t;

#define VP_TOKEN_HS_KEY_MIN 32

#define VP_TOKEN_KEY_FILE_MAX (64 * 1024)

/* Reads the key file path (32 bytes to 64 KiB) and fills the keys of k for
 * alg (vp_token_keys_init; issuer and audience are left to the caller).
 * NULL, or why not, naming the file as `what PATH` (what: the directive or
 * configuration key that named it). */
const char *vp_token_keys_load(apr_pool_t *p, vp_token_keys_t *k, jwt_alg_t alg,
                               const char *what, const char *path);

/* Fills the keys of k for alg from the key file's bytes: HS256 takes them
 * as the secret (at least 32 bytes); RS256 wants a PEM RSA private key of
 * 2048 bits or more, ES256 a PEM P-256 private key, and the public key is
 * derived from it. NULL, or why the key is unusable. */
const char *vp_token_keys_init(apr_pool_t *p, vp_token_keys_t *k, jwt_alg_t alg,
                               const unsigned char *data, size_t len);

typedef struct {
    const char *typ;               /* access | refresh | guest */
    const char *sub;               /* user id (guest: invitation id) */
    const char *jti;
    const char *sid;               /* session: the refresh-token family */
    const char *project_id;        /* guest only */
    const char *role;              /* guest only */
    const char *email;             /* guest only */
    long ver;                      /* guest only: the invitation's token version */
    long iat, exp;
} vp_claims_t;

/* Signs claims (iss and aud from keys); NULL on failure. */
char *vp_token_sign(apr_pool_t *p, const vp_token_keys_t *k, const vp_claims_t *c);

/* Verifies token and fills out; NULL when valid, else why not (for logs).
 * typ NULL accepts any type (the caller checks out->typ). */
const char *vp_token_verify(apr_pool_t *p, const vp_token_keys_t *k,
                            const char *token, const char *typ, long now,
                            vp_claims_t *out);

/* Reads "HS256" | "RS256" | "ES256"; JWT_ALG_INVAL otherwise. */
jwt_alg_t vp_token_alg(const char *name);

/* A 32-byte key for one use: SHA-256 of label and secret (a label per use
 * keeps the keys of one secret apart). 1, or 0 when OpenSSL failed. */
int vp_derive_key(const char *label, const void *secret, size_t len, unsigned char key[32]);

/* Bytes as unpadded base64url, and as lower-case hex. */
char *vp_b64url(apr_pool_t *p, const unsigned char *b, size_t n);
char *vp_hex(apr_pool_t *p, const unsigned char *b, size_t n);

/* 32 random bytes, base64url without padding (43 characters); NULL when
 * the system has no randomness to give. */
char *vp_token_random(apr_pool_t *p);

/* Lower-case hex SHA-256 of s: what is stored instead of a token. */
char *vp_sha256_hex(apr_pool_t *p, const char *s);

#endif
