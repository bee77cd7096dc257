/* Media rules (vp_media.h). */
#include "vp_media.h"
#include "vp_token.h"

#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <strings.h>

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

const char *vp_image_sniff(const unsigned char *b, size_t n)
{
    /* the signature, then IHDR's length (13) and name: IHDR must be first */
    if (n >= 16 && !memcmp(b, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16))
        return "image/png";
    /* SOI and the first marker's FF */
    if (n >= 3 && !memcmp(b, "\xff\xd8\xff", 3))
        return "image/jpeg";
    /* lossy (VP8 ), lossless (VP8L) or extended (VP8X) */
    if (n >= 16 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBPVP8", 7)
        && (b[15] == ' ' || b[15] == 'L' || b[15] == 'X'))
        return "image/webp";
    return NULL;
}

static const char *const image_types[] = {"image/png", "image/jpeg", "image/webp"};

/* One of image_types spelt as the n characters at t in any case, or NULL. */
static const char *image_type(const char *t, size_t n)
{
    size_t i;

    for (i = 0; i < sizeof image_types / sizeof *image_types; i++)
        if (strlen(image_types[i]) == n && !strncasecmp(t, image_types[i], n))
            return image_types[i];
    return NULL;
}

static const char not_image[] = "is not a PNG, JPEG or WebP image";

/* vp_image_check with the declared type as n characters (t NULL: none). */
static const char *check_image(apr_pool_t *p, const char *t, size_t n, const unsigned char *b,
                               size_t len, const char **type)
{
    const char *declared = t ? image_type(t, n) : NULL, *sniffed = vp_image_sniff(b, len);

    if ((t && !declared) || !sniffed)
        return not_image;
    if (declared && strcmp(declared, sniffed))
        return apr_psprintf(p, "declares %s but is %s", declared, sniffed);
    *type = sniffed;
    return NULL;
}

const char *vp_image_check(apr_pool_t *p, const char *declared, const unsigned char *b,
                           size_t n, const char **type)
{
    size_t dn = declared ? strcspn(declared, "; \t") : 0;

    /* a Content-Type may carry parameters and the space before them */
    return check_image(p, declared, dn, b, n, type);
}

/* The value of a base64 character (standard alphabet), -1 for any other. */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes the n characters at in (a multiple of 4, the last pad of them
 * '=') into out; 0 when a character is outside the alphabet ('=' included)
 * or the bits after the last byte are not zero. */
static int b64_decode(const char *in, size_t n, size_t pad, unsigned char *out)
{
    size_t i, o = 0;
    int v[4] = {0}, k;

    for (i = 0; i < n; i += 4) {
        for (k = 0; k < 4; k++)
            if ((v[k] = i + k < n - pad ? b64_value((unsigned char)in[i + k]) : 0) < 0)
                return 0;
        out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
        if (i + 4 < n || pad < 2)
            out[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
        if (i + 4 < n || pad < 1)
            out[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
    }
    /* the encoding of these bytes is one string: what padding leaves over
     * is zero */
    return !(pad == 2 && (v[1] & 15)) && !(pad == 1 && (v[2] & 3));
}

const char *vp_data_url_image(apr_pool_t *p, const char *s, size_t max,
                              const unsigned char **bytes, size_t *len, const char **type)
{
    const char *comma, *mt, *param, *next, *data, *why;
    size_t mt_len, n, pad, out_len;
    int base64 = 0;
    unsigned char *out;

    *bytes = NULL;
    *len = 0;
    *type = NULL;
    if (strncasecmp(s, "data:", 5) || !(comma = strchr(s + 5, ',')))
        return "is not a data URL";
    mt = s + 5;
    mt_len = strcspn(mt, ";,");
    /* parameters NAME=VALUE, then ;base64 last (RFC 2397) */
    for (param = mt + mt_len; param < comma; param = next) {
        next = param + 1 + strcspn(param + 1, ";,");
        if (next == comma && next - param == 7 && !strncasecmp(param + 1, "base64", 6))
            base64 = 1;
        else if (!memchr(param + 1, '=', (size_t)(next - param - 1)) || param[1] == '=')
            return "is not a data URL";
    }
    if (!base64)
        return "must be base64";
    if (!image_type(mt, mt_len))
        return not_image;
    data = comma + 1;
    n = strlen(data);
    /* 4 characters a 3 bytes: too long for max whatever they are (so a
     * huge string is named too large, not invalid), then exactly; both
     * before a byte is allocated */
    if ((n + 3) / 4 > max / 3 + (max % 3 != 0))
        goto too_large;
    if (n % 4)
        return "is not valid base64";
    pad = n && data[n - 1] == '=' ? (data[n - 2] == '=' ? 2 : 1) : 0;
    if ((out_len = n / 4 * 3 - pad) > max)
        goto too_large;
    out = apr_palloc(p, out_len ? out_len : 1);
    if (!b64_decode(data, n, pad, out))
        return "is not valid base64";
    if ((why = check_image(p, mt, mt_len, out, out_len, type)))
        return why;
    *bytes = out;
    *len = out_len;
    return NULL;
too_large:
    return !max || max % (1024 * 1024) ? apr_psprintf(p, "is larger than %" APR_SIZE_T_FMT " bytes", max)
                               : apr_psprintf(p, "is larger than %" APR_SIZE_T_FMT " MiB",
                                              max / (1024 * 1024));
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
