#include "vp_password.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SALT_LEN 16
#define HASH_LEN 32
#define DJANGO_PREFIX "pbkdf2_sha256$"

char *vp_password_hash(apr_pool_t *p, const vp_argon2_params_t *prm, const char *pw)
{
    unsigned char salt[SALT_LEN];
    size_t len = argon2_encodedlen(prm->t, prm->m_kib, prm->p, SALT_LEN, HASH_LEN,
                                   Argon2_id);
    char *out = apr_palloc(p, len);

    if (apr_generate_random_bytes(salt, sizeof salt) != APR_SUCCESS)
        return NULL;
    if (argon2id_hash_encoded(prm->t, prm->m_kib, prm->p, pw, strlen(pw), salt,
                              SALT_LEN, HASH_LEN, out, len) != ARGON2_OK)
        return NULL;
    return out;
}

/* pbkdf2_sha256$<iterations>$<salt>$<base64 hash> */
static int django_verify(const char *stored, const char *pw)
{
    char salt[256], want[128];
    unsigned char dk[32];
    char got[64];
    long iter;

    if (sscanf(stored + strlen(DJANGO_PREFIX), "%ld$%255[^$]$%127s", &iter, salt, want) != 3
        || iter < 1 || iter > 10000000)
        return 0;
    if (!PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), (unsigned char *)salt, (int)strlen(salt),
                           (int)iter, EVP_sha256(), sizeof dk, dk))
        return 0;
    EVP_EncodeBlock((unsigned char *)got, dk, sizeof dk);
    return strlen(got) == strlen(want) && CRYPTO_memcmp(got, want, strlen(want)) == 0;
}

int vp_password_verify(const char *stored, const char *pw)
{
    if (!stored || !*stored)
        return 0;
    if (strncmp(stored, "$argon2id$", 10) == 0)
        return argon2id_verify(stored, pw, strlen(pw)) == ARGON2_OK;
    if (strncmp(stored, DJANGO_PREFIX, strlen(DJANGO_PREFIX)) == 0)
        return django_verify(stored, pw);
    return 0;
}

int vp_password_needs_rehash(const char *stored, const vp_argon2_params_t *prm)
{
    unsigned m, t, par;

    if (sscanf(stored, "$argon2id$v=%*u$m=%u,t=%u,p=%u$", &m, &t, &par) != 3)
        return 1;
    return m < prm->m_kib || t < prm->t || par < prm->p;
}

const char *vp_password_problem(const char *pw, const char *email)
{
    return email && strcasecmp(pw, email) == 0 ? "must not be the email address" : NULL;
}
