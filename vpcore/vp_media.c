/* Media rules (vp_media.h). */
#include "vp_media.h"
#include "vp_token.h"

#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

const char *vp_media_sniff(const unsigned char *b, size_t n)
{
    /* ISO base media (mp4, mov): a box size, then its type; a file starts
     * with ftyp, or (QuickTime before ftyp existed) with another top box */
    if (n >= 12 && !memcmp(b + 4, "ftyp", 4))
        return !memcmp(b + 8, "qt  ", 4) ? "video/quicktime" : "video/mp4";
    if (n >= 8 && (!memcmp(b + 4, "moov", 4) || !memcmp(b + 4, "mdat", 4)
                   || !memcmp(b + 4, "wide", 4)))
        return "video/quicktime";
    /* EBML header; its DocType tells WebM from Matroska */
    if (n >= 4 && !memcmp(b, "\x1a\x45\xdf\xa3", 4)) {
        size_t i;

        for (i = 4; i + 6 <= n; i++)
            if (!memcmp(b + i, "\x42\x82", 2) && b[i + 2] == 0x84 && !memcmp(b + i + 3, "webm", 4))
                return "video/webm";
        return "video/x-matroska";
    }
    if (n >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "AVI ", 4))
        return "video/x-msvideo";
    return NULL;
}

struct vp_digest {
    EVP_MD_CTX *md;
    int ok;
};

static apr_status_t digest_free(void *data)
{
    EVP_MD_CTX_free(((vp_digest_t *)data)->md);
    return APR_SUCCESS;
}

vp_digest_t *vp_digest_begin(apr_pool_t *p)
{
    vp_digest_t *h = apr_pcalloc(p, sizeof *h);

    if (!(h->md = EVP_MD_CTX_new()))
        return NULL;
    apr_pool_cleanup_register(p, h, digest_free, apr_pool_cleanup_null);
    h->ok = EVP_DigestInit_ex(h->md, EVP_sha256(), NULL);
    return h;
}

void vp_digest_update(vp_digest_t *h, const void *b, size_t n)
{
    h->ok = h->ok && EVP_DigestUpdate(h->md, b, n);
}

char *vp_digest_hex(vp_digest_t *h, apr_pool_t *p)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (!h->ok || !EVP_DigestFinal_ex(h->md, md, &n))
        return NULL;
    h->ok = 0;
    return vp_hex(p, md, n);
}

int vp_media_key(const unsigned char *secret, size_t len, vp_media_key_t *key)
{
    return vp_derive_key("vplanet media url v1\n", secret, len, key->k);
}

/* The raw MAC of one URL; 0 on failure. */
static int mac(const vp_media_key_t *key, apr_pool_t *p, const char *video_id, const char *object,
               const char *user_id, int64_t expires, unsigned char out[32])
{
    const char *msg = apr_psprintf(p, "%s\n%s\n%s\n%" APR_INT64_T_FMT, video_id, object,
                                   user_id, (apr_int64_t)expires);
    unsigned int n = 0;

    return HMAC(EVP_sha256(), key->k, sizeof key->k, (const unsigned char *)msg, strlen(msg),
                out, &n) && n == 32;
}

char *vp_media_sign(apr_pool_t *p, const vp_media_key_t *key, const char *video_id,
                    const char *object, const char *user_id, int64_t expires)
{
    unsigned char m[32];

    return mac(key, p, video_id, object, user_id, expires, m) ? vp_b64url(p, m, sizeof m) : NULL;
}

int vp_media_signed(apr_pool_t *p, const vp_media_key_t *key, const char *video_id,
                    const char *object, const char *user_id, int64_t expires, const char *sig)
{
    char *want = vp_media_sign(p, key, video_id, object, user_id, expires);

    return want && sig && strlen(sig) == strlen(want) && !CRYPTO_memcmp(want, sig, strlen(want));
}
