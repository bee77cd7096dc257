#include "vp_seal.h"
#include "vp_token.h"

#include <apr_general.h>
#include <openssl/evp.h>
#include <string.h>

#define NONCE 12
#define TAG 16

/* The key: SHA-256 of a label and the secret; domain-separated from the
 * plain SHA-256 that stores tokens, so a stored hash opens nothing. */
/* 1, or 0 when the digest failed (then nothing is sealed or opened) */
static int derive(const char *secret, unsigned char key[32])
{
    return vp_derive_key("vplanet seal v1\n", secret, strlen(secret), key);
}

/* AES-256-GCM over in (len bytes) into out; with enc 0 the tag is read
 * from tag and checked. 1 on success. */
static int seal_cipher(int enc, const char *secret, const unsigned char *nonce,
                 const unsigned char *in, int len, unsigned char *out, unsigned char *tag)
{
    unsigned char key[32];
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0, ok;

    ok = c && derive(secret, key) && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc)
         && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL)
         && EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc)
         && EVP_CipherUpdate(c, out, &n, in, len)
         && (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG, tag))
         && EVP_CipherFinal_ex(c, out + n, &fin)
         && (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG, tag));
    EVP_CIPHER_CTX_free(c);
    OPENSSL_cleanse(key, sizeof key);
    return ok && n + fin == len;
}

char *vp_seal(apr_pool_t *p, const char *secret, const char *plain)
{
    int len = (int)strlen(plain), total = NONCE + len + TAG;
    unsigned char *buf = apr_palloc(p, (apr_size_t)total);
    char *out = apr_palloc(p, (apr_size_t)(4 * ((total + 2) / 3) + 1));

    if (apr_generate_random_bytes(buf, NONCE) != APR_SUCCESS
        || !seal_cipher(1, secret, buf, (const unsigned char *)plain, len, buf + NONCE,
                  buf + NONCE + len))
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, buf, total);
    return out;
}

char *vp_unseal(apr_pool_t *p, const char *secret, const char *sealed)
{
    int in = (int)strlen(sealed), total, len;
    unsigned char *buf;
    char *plain;

    if (in == 0 || in % 4)
        return NULL;
    buf = apr_palloc(p, (apr_size_t)(in / 4 * 3));
    total = EVP_DecodeBlock(buf, (const unsigned char *)sealed, in);
    total -= (sealed[in - 1] == '=') + (sealed[in - 2] == '=');
    len = total - NONCE - TAG;
    if (len < 0)
        return NULL;
    plain = apr_palloc(p, (apr_size_t)len + 1);
    if (!seal_cipher(0, secret, buf, buf + NONCE, len, (unsigned char *)plain, buf + NONCE + len))
        return NULL;
    plain[len] = '\0';
    return plain;
}
