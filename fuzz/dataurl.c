/* A feedback's screenshot as a data URL (vpcore/vp_media.c:
 * vp_data_url_image, vp_image_check, vp_image_sniff). The first byte: its
 * low bit picks the mode, the other seven the limit (N * 128 bytes, 127:
 * VP_SCREENSHOT_MAX).
 *   0: the rest is the string the client sent. A success must give at most
 *      the limit, one of the three types, the type the bytes sniff as and
 *      the declared one; its base64 must be the one encoding of the bytes
 *      (OpenSSL's), which decodes again to the same; a limit one byte lower
 *      refuses it. A refusal sets no output and says one of the reasons.
 *   1: the next byte picks the declared type (png, jpeg, webp, or the
 *      sniffed one), the rest is the image: its data URL, encoded here,
 *      must have the outcome the rules give, and a success the same bytes. */
#include "fuzz.h"
#include "vpcore/vp_media.h"

#include <apr_strings.h>
#include <openssl/evp.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const types[] = {"image/png", "image/jpeg", "image/webp"};

/* "data:TYPE;base64," and the bytes in OpenSSL's base64. */
static char *data_url(apr_pool_t *p, const char *type, const unsigned char *b, size_t n,
                      char **b64)
{
    *b64 = apr_palloc(p, (n + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)*b64, b, (int)n);
    return apr_pstrcat(p, "data:", type, ";base64,", *b64, NULL);
}

static int one_of_types(const char *t)
{
    return t && (!strcmp(t, types[0]) || !strcmp(t, types[1]) || !strcmp(t, types[2]));
}

static int starts(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

/* The reasons vp_data_url_image gives, and nothing else. */
static int known_reason(apr_pool_t *p, const char *r, size_t max)
{
    size_t i, j;

    if (!strcmp(r, "is not a data URL") || !strcmp(r, "must be base64")
        || !strcmp(r, "is not valid base64") || !strcmp(r, "is not a PNG, JPEG or WebP image"))
        return 1;
    if (!strcmp(r, !max || max % (1024 * 1024)
                   ? apr_psprintf(p, "is larger than %" APR_SIZE_T_FMT " bytes", max)
                   : apr_psprintf(p, "is larger than %" APR_SIZE_T_FMT " MiB", max >> 20)))
        return 1;
    for (i = 0; i < 3; i++)
        for (j = 0; j < 3; j++)
            if (i != j && !strcmp(r, apr_psprintf(p, "declares %s but is %s", types[i], types[j])))
                return 1;
    return 0;
}

/* Mode 0: s as a client sent it. */
static void client_string(apr_pool_t *p, const char *s, size_t max)
{
    const unsigned char *b = (const unsigned char *)"x", *b2;
    const char *type = "x", *type2, *r, *comma;
    size_t len = 1, len2, mt_len;
    char *b64, *again;

    r = vp_data_url_image(p, s, max, &b, &len, &type);
    if (r) {
        FUZZ_CHECK(!b && !len && !type);
        FUZZ_CHECK(known_reason(p, r, max));
        return;
    }
    FUZZ_CHECK(b && len <= max && one_of_types(type));
    FUZZ_CHECK(!strcmp(vp_image_sniff(b, len), type));
    /* what it declared, up to the first ; */
    FUZZ_CHECK(!strncasecmp(s, "data:", 5));
    mt_len = strcspn(s + 5, ";,");
    FUZZ_CHECK(mt_len == strlen(type) && !strncasecmp(s + 5, type, mt_len));
    FUZZ_CHECK(!vp_image_check(p, apr_pstrndup(p, s + 5, mt_len), b, len, &type2)
               && !strcmp(type2, type));
    /* strict: the data is the one base64 spelling of the bytes */
    again = data_url(p, type, b, len, &b64);
    FUZZ_CHECK((comma = strchr(s, ',')) && !strcmp(comma + 1, b64));
    FUZZ_CHECK(!vp_data_url_image(p, again, max, &b2, &len2, &type2));
    FUZZ_CHECK(len2 == len && !memcmp(b2, b, len) && !strcmp(type2, type));
    /* and the limit holds to the byte */
    FUZZ_CHECK(!vp_data_url_image(p, s, len, &b2, &len2, &type2) && len2 == len);
    if (len) {
        r = vp_data_url_image(p, s, len - 1, &b2, &len2, &type2);
        FUZZ_CHECK(r && starts(r, "is larger than "));
    }
}

/* Mode 1: the image b, declared as choice says. */
static void image_bytes(apr_pool_t *p, unsigned choice, const unsigned char *b, size_t n,
                        size_t max)
{
    const char *sniffed = vp_image_sniff(b, n), *declared, *r, *type, *type2, *want;
    const unsigned char *got;
    size_t len;
    char *b64, *s;

    declared = choice % 4 < 3 ? types[choice % 4] : sniffed ? sniffed : types[0];
    s = data_url(p, declared, b, n, &b64);
    if (n > max)
        want = "is larger than ";
    else if (!sniffed)
        want = "is not a PNG, JPEG or WebP image";
    else if (strcmp(declared, sniffed))
        want = apr_psprintf(p, "declares %s but is %s", declared, sniffed);
    else
        want = NULL;
    r = vp_data_url_image(p, s, max, &got, &len, &type);
    if (!want) {
        FUZZ_CHECK(!r && len == n && !memcmp(got, b, n) && !strcmp(type, sniffed));
    } else {
        FUZZ_CHECK(r && starts(r, want) && known_reason(p, r, max));
    }
    /* a multipart part of these bytes, typed so, meets the same rule */
    r = vp_image_check(p, declared, b, n, &type2);
    FUZZ_CHECK(sniffed && !strcmp(declared, sniffed) ? !r && !strcmp(type2, sniffed)
                                                     : r && known_reason(p, r, max));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    size_t max;

    if (size < 1)
        return 0;
    max = data[0] >> 1 == 127 ? VP_SCREENSHOT_MAX : (size_t)(data[0] >> 1) * 128;
    p = fuzz_pool();
    if (!(data[0] & 1))
        client_string(p, fuzz_text(p, data + 1, size - 1), max);
    else if (size >= 2)
        image_bytes(p, data[1], data + 2, size - 2, max);
    apr_pool_destroy(p);
    return 0;
}
