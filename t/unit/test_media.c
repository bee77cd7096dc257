/* Unit tests of the media core: container sniffing, signed media URLs, the
 * disk storage and the screenshot rules (image sniffing, data URLs) (the
 * multipart reader: test_multipart.c). */
#include "tap.h"
#include "vpcore/vp_media.h"
#include "vpcore/vp_storage.h"

#include <apr_file_info.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static apr_pool_t *pool;

static void sniffing(void)
{
    static const unsigned char mp4[] = "\0\0\0\x20" "ftypisom\0\0\x02\0isomiso2avc1mp41";
    static const unsigned char mov[] = "\0\0\0\x14" "ftypqt  \0\0\x02\0qt  ";
    static const unsigned char oldmov[] = "\0\0\0\x08" "wide\0\0\0\0mdat";
    static const unsigned char webm[] = "\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01"
                                        "\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm";
    static const unsigned char mkv[] = "\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska";
    static const unsigned char avi[] = "RIFF\x10\0\0\0AVI LIST";
    static const unsigned char wav[] = "RIFF\x10\0\0\0WAVEfmt ";
    static const char text[] = "hello, this is not a video at all";

    is_str(vp_media_sniff(mp4, sizeof mp4 - 1), "video/mp4", "ftyp isom: mp4");
    is_str(vp_media_sniff(mov, sizeof mov - 1), "video/quicktime", "ftyp qt: mov");
    is_str(vp_media_sniff(oldmov, sizeof oldmov - 1), "video/quicktime", "wide atom: old mov");
    is_str(vp_media_sniff(webm, sizeof webm - 1), "video/webm", "EBML DocType webm");
    is_str(vp_media_sniff(mkv, sizeof mkv - 1), "video/x-matroska", "EBML DocType matroska");
    is_str(vp_media_sniff(avi, sizeof avi - 1), "video/x-msvideo", "RIFF AVI");
    ok(!vp_media_sniff(wav, sizeof wav - 1), "RIFF WAVE is no video");
    ok(!vp_media_sniff((const unsigned char *)text, sizeof text - 1), "text is no video");
    ok(!vp_media_sniff(mp4, 7), "seven bytes decide nothing");
    ok(!vp_media_sniff(NULL, 0), "nothing is no video");
}

/* 2x2 red images made by ffmpeg 5.1 (`ffmpeg -f lavfi -i color=red:s=2x2
 * -frames:v 1 x.png`, likewise x.jpg, x.webp and with -c:v libwebp
 * -lossless 1), whole. */
static const unsigned char png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
    0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,
    0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a, 0x73, 0x00, 0x00, 0x00,
    0x09, 0x70, 0x48, 0x59, 0x73, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x4f, 0x25, 0xc4, 0xd6, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44,
    0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcb, 0xc0, 0x00, 0x44, 0x0c, 0x10,
    0x0a, 0x00, 0x1f, 0xae, 0x03, 0xf5, 0xf6, 0x18, 0x2a, 0x59, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82
};
static const unsigned char jpeg[] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01,
    0x02, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x10,
    0x4c, 0x61, 0x76, 0x63, 0x35, 0x39, 0x2e, 0x33, 0x37, 0x2e, 0x31, 0x30,
    0x30, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x08, 0x04, 0x04, 0x04, 0x04,
    0x04, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x06, 0x06, 0x06, 0x06, 0x06,
    0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x07, 0x07, 0x07, 0x08,
    0x08, 0x08, 0x07, 0x07, 0x07, 0x06, 0x06, 0x07, 0x07, 0x08, 0x08, 0x08,
    0x08, 0x09, 0x09, 0x09, 0x08, 0x08, 0x08, 0x08, 0x09, 0x09, 0x0a, 0x0a,
    0x0a, 0x0c, 0x0c, 0x0b, 0x0b, 0x0e, 0x0e, 0x0e, 0x11, 0x11, 0x14, 0xff,
    0xc4, 0x00, 0x4c, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, 0x01,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x06, 0x07, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x02,
    0x00, 0x02, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00,
    0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00,
    0x3f, 0x00, 0x8b, 0x00, 0x51, 0x7f, 0x7f, 0xff, 0xd9
};
static const unsigned char webp_lossy[] = {
    0x52, 0x49, 0x46, 0x46, 0x3c, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
    0x56, 0x50, 0x38, 0x20, 0x30, 0x00, 0x00, 0x00, 0xd0, 0x01, 0x00, 0x9d,
    0x01, 0x2a, 0x02, 0x00, 0x02, 0x00, 0x02, 0x00, 0x34, 0x25, 0xa0, 0x02,
    0x74, 0xba, 0x01, 0xf8, 0x00, 0x03, 0xb0, 0x00, 0xfe, 0xf0, 0xe8, 0xf7,
    0xff, 0x20, 0xb9, 0x61, 0x75, 0xc8, 0xd7, 0xff, 0x20, 0x3f, 0xe4, 0x07,
    0xfc, 0x80, 0xff, 0xf8, 0xf2, 0x00, 0x00, 0x00
};
static const unsigned char webp_lossless[] = {
    0x52, 0x49, 0x46, 0x46, 0x1c, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
    0x56, 0x50, 0x38, 0x4c, 0x0f, 0x00, 0x00, 0x00, 0x2f, 0x01, 0x40, 0x00,
    0x00, 0x07, 0x10, 0xf5, 0x8f, 0xfe, 0x07, 0x22, 0xa2, 0xff, 0x01, 0x00
};
/* the first bytes of the GIF ffmpeg makes the same way */
static const unsigned char gif[] = "GIF89a\x02\0\x02\0\xf7\x1f\x31\0\0\0";

static void image_sniffing(void)
{
    static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>x()</script></svg>";
    static const unsigned char mp4[] = "\0\0\0\x20" "ftypisom\0\0\x02\0isomiso2avc1mp41";
    static const unsigned char avi[] = "RIFF\x10\0\0\0AVI LIST\x04\0\0\0";
    static const unsigned char alph[] = "RIFF\x10\0\0\0WEBPALPH\x04\0\0\0";
    unsigned char other[sizeof png];

    is_str(vp_image_sniff(png, sizeof png), "image/png", "ffmpeg's PNG");
    is_str(vp_image_sniff(jpeg, sizeof jpeg), "image/jpeg", "ffmpeg's JPEG");
    is_str(vp_image_sniff(webp_lossy, sizeof webp_lossy), "image/webp", "ffmpeg's WebP (VP8)");
    is_str(vp_image_sniff(webp_lossless, sizeof webp_lossless), "image/webp",
           "ffmpeg's lossless WebP (VP8L)");
    is_str(vp_image_sniff(png, VP_IMAGE_SNIFF_BYTES), "image/png",
           "VP_IMAGE_SNIFF_BYTES are enough for a PNG");
    is_str(vp_image_sniff(webp_lossy, VP_IMAGE_SNIFF_BYTES), "image/webp", "and a WebP");
    ok(!vp_image_sniff(png, 15), "a PNG cut before IHDR is no image");
    ok(!vp_image_sniff(webp_lossy, 15), "a WebP cut in its chunk name is no image");
    ok(!vp_image_sniff(jpeg, 2), "FF D8 alone is no image");
    memcpy(other, png, sizeof png);
    memcpy(other + 12, "tEXt", 4);
    ok(!vp_image_sniff(other, sizeof other), "a PNG whose first chunk is not IHDR is no image");
    ok(!vp_image_sniff(gif, sizeof gif - 1), "GIF is refused");
    ok(!vp_image_sniff((const unsigned char *)svg, sizeof svg - 1), "SVG is refused");
    ok(!vp_image_sniff(mp4, sizeof mp4 - 1), "an MP4 is no image");
    ok(!vp_image_sniff(avi, sizeof avi - 1), "RIFF AVI is no image");
    ok(!vp_image_sniff(alph, sizeof alph - 1), "RIFF WEBP without a VP8 chunk first is no image");
    ok(!vp_image_sniff(NULL, 0), "nothing is no image");
    ok(!vp_media_sniff(png, sizeof png) && !vp_media_sniff(webp_lossy, sizeof webp_lossy),
       "images are no videos");
}

/* head, then b in base64 (OpenSSL's encoder, not ours). */
static char *data_url(const char *head, const unsigned char *b, size_t n)
{
    size_t hn = strlen(head);
    char *s = apr_palloc(pool, hn + (n + 2) / 3 * 4 + 1);

    memcpy(s, head, hn);
    EVP_EncodeBlock((unsigned char *)s + hn, b, (int)n);
    return s;
}

/* The reason vp_data_url_image gives for s (NULL: none) with max; on
 * success the bytes must be want (n of them) and the type want_type. */
static const char *decode(const char *s, size_t max, const unsigned char *want, size_t n,
                          const char *want_type)
{
    const unsigned char *b = (const unsigned char *)"x";
    const char *type = "x", *why;
    size_t len = 1;

    why = vp_data_url_image(pool, s, max, &b, &len, &type);
    if (why)
        return b || len || type ? "(outputs set on a refusal)" : why;
    if (len != n || memcmp(b, want, n) || strcmp(type, want_type))
        return "(other bytes or type)";
    return NULL;
}

/* b's data URL (head, b in base64) ends in pad '='s; without them, with
 * "=A" for "==", or with a bit set after b's last byte (another spelling
 * of the same bytes) it is refused. */
static void padding(const char *head, const unsigned char *b, size_t n, size_t pad)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *s = data_url(head, b, n), *last = s + strlen(s) - pad - 1;
    const char *what = pad == 2 ? "==" : "=";

    ok(strspn(last + 1, "=") == pad && *last != '=',
       apr_psprintf(pool, "(%d bytes end in %s)", (int)n, what));
    last[1] = '\0';
    is_str(decode(s, VP_SCREENSHOT_MAX, NULL, 0, NULL), "is not valid base64",
           apr_psprintf(pool, "%s left out", what));
    last[1] = '=';
    if (pad == 2) {
        last[2] = 'A';
        is_str(decode(s, VP_SCREENSHOT_MAX, NULL, 0, NULL), "is not valid base64", "=A");
        last[2] = '=';
    }
    *last = b64[(strchr(b64, *last) - b64) | 1];
    is_str(decode(s, VP_SCREENSHOT_MAX, NULL, 0, NULL), "is not valid base64",
           apr_psprintf(pool, "a bit set after the last byte (%s)", what));
}

static void data_urls(void)
{
    /* head, then b in base64 (b NULL: head alone); want: the type of a
     * success, the reason of a refusal */
    struct url_case {
        const char *head;
        const unsigned char *b;
        size_t n;
        const char *want, *name;
    };
    static const struct url_case good[] = {
        {"data:image/png;base64,", png, sizeof png, "image/png", "a PNG data URL"},
        {"data:image/jpeg;base64,", jpeg, sizeof jpeg, "image/jpeg", "a JPEG data URL"},
        {"data:image/webp;base64,", webp_lossy, sizeof webp_lossy, "image/webp",
         "a WebP data URL"},
        {"data:image/webp;base64,", webp_lossless, sizeof webp_lossless, "image/webp",
         "a lossless WebP data URL"},
        {"DATA:IMAGE/PNG;BASE64,", png, sizeof png, "image/png",
         "DATA:IMAGE/PNG;BASE64, (the type comes back in lower case)"},
        {"data:image/png;name=x.png;base64,", png, sizeof png, "image/png", "with ;name=x.png"},
        {"data:image/jpeg;charset=utf-8;name=a%20b.jpg;base64,", jpeg, sizeof jpeg,
         "image/jpeg", "with ;charset= and ;name="},
    };
    static const struct url_case bad[] = {
        {"data:image/png;base64", png, sizeof png, "is not a data URL", "no comma"},
        {"https://example.com/x.png;base64,", png, sizeof png, "is not a data URL",
         "a URL of another scheme"},
        {"data:image/png;base64;x=y,", png, sizeof png, "is not a data URL", ";base64 not last"},
        {"data:image/png;x.png;base64,", png, sizeof png, "is not a data URL",
         "a parameter without ="},
        {"", NULL, 0, "is not a data URL", "an empty string"},
        {"data:image/png,%89PNG%0D%0A%1A%0A", NULL, 0, "must be base64",
         "percent-encoded data is refused"},
        {"data:image/png;charset=utf-8,abcd", NULL, 0, "must be base64",
         "parameters but no base64"},
        {"data:image/png;base64,A===", NULL, 0, "is not valid base64", "three = of padding"},
        {"data:image/png;base64,iVBORw0KGgo\n", NULL, 0, "is not valid base64", "a line feed"},
        {"data:image/png;base64,", jpeg, sizeof jpeg, "declares image/png but is image/jpeg",
         "declared PNG, sent JPEG"},
        {"data:image/webp;base64,", png, sizeof png, "declares image/webp but is image/png",
         "declared WebP, sent PNG"},
        {"data:image/gif;base64,", gif, sizeof gif - 1, "is not a PNG, JPEG or WebP image",
         "a GIF"},
        {"data:image/gif;base64,", png, sizeof png, "is not a PNG, JPEG or WebP image",
         "a PNG declared image/gif"},
        {"data:image/png;base64,", gif, sizeof gif - 1, "is not a PNG, JPEG or WebP image",
         "a GIF declared image/png"},
        {"data:image/svg+xml;base64,", (const unsigned char *)"<svg/>", 6,
         "is not a PNG, JPEG or WebP image", "an SVG"},
        {"data:;base64,", png, sizeof png, "is not a PNG, JPEG or WebP image",
         "no media type (text/plain by RFC 2397)"},
        {"data:image/png;base64,", NULL, 0, "is not a PNG, JPEG or WebP image", "no data"},
    };
    const size_t M = VP_SCREENSHOT_MAX;
    char *s;
    unsigned char *big;
    size_t i;

    for (i = 0; i < sizeof good / sizeof *good; i++)
        is_str(decode(data_url(good[i].head, good[i].b, good[i].n), M, good[i].b, good[i].n,
                      good[i].want), NULL, good[i].name);
    for (i = 0; i < sizeof bad / sizeof *bad; i++)
        is_str(decode(bad[i].b ? data_url(bad[i].head, bad[i].b, bad[i].n) : bad[i].head, M,
                      NULL, 0, NULL), bad[i].want, bad[i].name);

    s = data_url("data:image/png;base64,", png, sizeof png);
    s[30] = '!';
    is_str(decode(s, M, NULL, 0, NULL), "is not valid base64", "a character outside base64");
    s[30] = ' ';
    is_str(decode(s, M, NULL, 0, NULL), "is not valid base64", "a space");
    s[30] = '-';
    is_str(decode(s, M, NULL, 0, NULL), "is not valid base64", "base64url's - is not base64");
    s[30] = '=';
    is_str(decode(s, M, NULL, 0, NULL), "is not valid base64", "an = inside");
    s = data_url("data:image/png;base64,", png, sizeof png);
    is_str(decode(apr_pstrcat(pool, s, "====", NULL), M, NULL, 0, NULL), "is not valid base64",
           "a group of = after the end");
    padding("data:image/png;base64,", png, sizeof png, 2);
    padding("data:image/webp;base64,", webp_lossy, sizeof webp_lossy, 1);

    /* the limit: exactly max decoded bytes pass, one more does not */
    s = data_url("data:image/png;base64,", png, sizeof png);
    is_str(decode(s, sizeof png, png, sizeof png, "image/png"), NULL, "exactly at a limit of 94");
    is_str(decode(s, sizeof png - 1, NULL, 0, NULL), "is larger than 93 bytes", "over it by one");
    big = apr_pcalloc(pool, M + 2);
    memcpy(big, png, sizeof png);
    s = data_url("data:image/png;base64,", big, M);
    is_str(decode(s, M, big, M, "image/png"), NULL, "a PNG of exactly 5 MiB");
    s = data_url("data:image/png;base64,", big, M + 1);
    is_str(decode(s, M, NULL, 0, NULL), "is larger than 5 MiB",
           "5 MiB + 1 (the encoded length would do for 5 MiB + 2)");
    s = data_url("data:image/png;base64,", big, M + 2);
    is_str(decode(s, M, NULL, 0, NULL), "is larger than 5 MiB", "5 MiB + 2");
}

/* The rule for a multipart part: its Content-Type (or none) and its bytes. */
static void part_types(void)
{
    const char *type = NULL;

    ok(!vp_image_check(pool, NULL, png, VP_IMAGE_SNIFF_BYTES, &type)
       && !strcmp(type, "image/png"), "no declared type: the sniffed one");
    type = NULL;
    ok(!vp_image_check(pool, "Image/JPEG; name=\"x.jpg\"", jpeg, sizeof jpeg, &type)
       && !strcmp(type, "image/jpeg"), "a Content-Type with a parameter, in any case");
    is_str(vp_image_check(pool, "image/jpeg", png, sizeof png, &type),
           "declares image/jpeg but is image/png", "declared JPEG, sent PNG");
    is_str(vp_image_check(pool, "application/octet-stream", png, sizeof png, &type),
           "is not a PNG, JPEG or WebP image", "application/octet-stream is no image type");
    is_str(vp_image_check(pool, NULL, gif, sizeof gif - 1, &type),
           "is not a PNG, JPEG or WebP image", "GIF bytes, no type declared");
    is_str(vp_image_check(pool, "image/png", png, 15, &type), "is not a PNG, JPEG or WebP image",
           "fewer than VP_IMAGE_SNIFF_BYTES of a PNG");
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#ifndef UNDER_ASAN
/* A pool that could not allocate (else apr_palloc's NULL might go unseen). */
static int out_of_memory(int rc)
{
    _exit(4);
}
#endif

/* A data URL over the limit is refused by its length, before its data is
 * read or a byte allocated for it. */
static void oversize(void)
{
    static const char head[] = "data:image/png;base64,";
    size_t n = 50 * 1024 * 1024, h = sizeof head - 1;
    char *s = malloc(h + n + 1);

    memcpy(s, head, h);
    memset(s + h, '!', n);
    s[h + n] = '\0';
    is_str(decode(s, VP_SCREENSHOT_MAX, NULL, 0, NULL), "is larger than 5 MiB",
           "50 MiB of non-base64: the length decides, not the characters");
    s[h + n - 1] = '\0';
    is_str(decode(s, VP_SCREENSHOT_MAX, NULL, 0, NULL), "is larger than 5 MiB",
           "a length that is no multiple of 4 is too large before it is invalid");
    s[h + n - 1] = '!';
    memset(s + h, 'A', n);
#ifndef UNDER_ASAN
    {
        pid_t pid;
        int status = -1;

        fflush(stdout);
        if ((pid = fork()) == 0) {
            /* room for the stack and a pool block, none for 37 MiB */
            struct rlimit rl;
            long pages = 0;
            FILE *f = fopen("/proc/self/statm", "r");

            if (!f || fscanf(f, "%ld", &pages) != 1)
                _exit(3);
            fclose(f);
            rl.rlim_cur = rl.rlim_max = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE)
                                        + 16 * 1024 * 1024;
            if (setrlimit(RLIMIT_AS, &rl))
                _exit(3);
            if (malloc(n / 4 * 3))
                _exit(2);   /* the limit would prove nothing */
            apr_pool_abort_set(out_of_memory, pool);
            _exit(strcmp(decode(s, VP_SCREENSHOT_MAX, NULL, 0, NULL), "is larger than 5 MiB"));
        }
        waitpid(pid, &status, 0);
        ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "50 MiB of valid base64 refused where 37 MiB cannot be allocated");
        if (!WIFEXITED(status) || WEXITSTATUS(status))
            printf("#   child: %s %d\n", WIFEXITED(status) ? "exit" : "signal",
                   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    }
#else
    printf("# no address-space limit under AddressSanitizer: its shadow memory needs it\n");
#endif
    free(s);
}

static void signing(void)
{
    vp_media_key_t k, k2;
    const char *v = "0b7c3f7e-1111-4222-8333-944455556666", *u = "u1:s1";
    char *sig;

    ok(vp_media_key((const unsigned char *)"0123456789abcdef0123456789abcdef", 32, &k)
       && vp_media_key((const unsigned char *)"0123456789abcdef0123456789abcdeF", 32, &k2),
       "keys derived");
    sig = vp_media_sign(pool, &k, v, "content", u, 1800000000);
    ok(sig && strlen(sig) == 43, "a signature is 43 base64url characters");
    ok(vp_media_signed(pool, &k, v, "content", u, 1800000000, sig), "it verifies");
    ok(!vp_media_signed(pool, &k2, v, "content", u, 1800000000, sig), "not under another key");
    ok(!vp_media_signed(pool, &k, v, "poster", u, 1800000000, sig), "not for another medium");
    ok(!vp_media_signed(pool, &k, v, "content", "u1:s2", 1800000000, sig),
       "not for another session");
    ok(!vp_media_signed(pool, &k, v, "content", u, 1800000001, sig), "not with another expiry");
    ok(!vp_media_signed(pool, &k, "0b7c3f7e-1111-4222-8333-944455556667", "content", u,
                        1800000000, sig), "not for another video");
    sig[3] = sig[3] == 'A' ? 'B' : 'A';
    ok(!vp_media_signed(pool, &k, v, "content", u, 1800000000, sig), "a changed character fails");
    ok(!vp_media_signed(pool, &k, v, "content", u, 1800000000, ""), "an empty one fails");

    {
        vp_digest_t *h = vp_digest_begin(pool);

        vp_digest_update(h, "a", 1);
        vp_digest_update(h, "bc", 2);
        is_str(vp_digest_hex(h, pool),
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
               "SHA-256 of abc fed in two pieces (FIPS 180-2 vector)");
    }
}

static int exists(const char *path)
{
    struct stat st;

    return path && stat(path, &st) == 0;
}

static void storage(void)
{
    char tmpl[] = "/tmp/vp-storage-XXXXXX";
    const char *root = mkdtemp(tmpl), *id = "d969b48f-aced-4c44-aba9-b16f3b07aa33", *path;
    vp_storage_t *st;
    vp_put_t *put;
    apr_pool_t *sub;
    apr_file_t *f;
    char buf[16];
    apr_size_t n = sizeof buf;

    ok(vp_storage_open(pool, "relative/path", &st) != NULL, "a relative root is refused");
    ok(root && vp_storage_open(pool, root, &st) == NULL, "a root is made with its folders");
    ok(exists(apr_pstrcat(pool, root, "/originals", NULL))
       && exists(apr_pstrcat(pool, root, "/tmp", NULL)), "originals/ and tmp/ exist");

    apr_pool_create(&sub, pool);
    ok(vp_put_begin(st, sub, &put) == APR_SUCCESS, "a put begins");
    vp_put_write(put, "hello ", 6);
    vp_put_write(put, "world", 5);
    is_int(vp_put_size(put), 11, "it counts what was written");
    path = apr_pstrdup(pool, vp_put_path(put));
    ok(exists(path), "its temporary file exists");
    ok(vp_put_commit(put, VP_OBJ_ORIGINAL, id, NULL) == APR_SUCCESS, "it is committed");
    ok(!exists(path), "the temporary name is gone");
    is_str(vp_storage_path(st, pool, VP_OBJ_ORIGINAL, id, NULL),
           apr_pstrcat(pool, root, "/originals/d9/", id, NULL), "originals/ab/ID");
    ok(vp_storage_read(st, pool, VP_OBJ_ORIGINAL, id, NULL, &f) == APR_SUCCESS
       && apr_file_read(f, buf, &n) == APR_SUCCESS && n == 11 && !memcmp(buf, "hello world", 11),
       "the object reads back");
    apr_pool_destroy(sub);
    ok(exists(vp_storage_path(st, pool, VP_OBJ_ORIGINAL, id, NULL)),
       "a committed put outlives its pool");

    apr_pool_create(&sub, pool);
    vp_put_begin(st, sub, &put);
    vp_put_write(put, "partial", 7);
    path = apr_pstrdup(pool, vp_put_path(put));
    apr_pool_destroy(sub);
    ok(!exists(path), "an uncommitted put is removed with its pool");

    ok(vp_storage_append(st, pool, VP_OBJ_UPLOAD, id, 0, &f) == APR_SUCCESS
       && apr_file_write_full(f, "0123456789", 10, NULL) == APR_SUCCESS
       && apr_file_close(f) == APR_SUCCESS, "an upload is written from 0");
    ok(vp_storage_append(st, pool, VP_OBJ_UPLOAD, id, 4, &f) == APR_SUCCESS
       && apr_file_write_full(f, "ab", 2, NULL) == APR_SUCCESS && apr_file_close(f) == APR_SUCCESS,
       "and again from offset 4 (the rest cut off)");
    n = sizeof buf;
    ok(vp_storage_read(st, pool, VP_OBJ_UPLOAD, id, NULL, &f) == APR_SUCCESS
       && apr_file_read(f, buf, &n) == APR_SUCCESS && n == 6 && !memcmp(buf, "0123ab", 6),
       "holds 0123ab");
    ok(vp_storage_append(st, pool, VP_OBJ_UPLOAD, "0000aaaa-0000-4000-8000-000000000000", 5, &f)
       != APR_SUCCESS, "appending at an offset to a missing upload fails");

    apr_pool_create(&sub, pool);
    vp_put_begin(st, sub, &put);
    vp_put_write(put, "x", 1);
    ok(vp_put_commit(put, VP_OBJ_RENDITION, id, "web.mp4") == APR_SUCCESS, "a rendition");
    vp_put_begin(st, sub, &put);
    vp_put_write(put, "y", 1);
    vp_put_commit(put, VP_OBJ_RENDITION, id, "720p.mp4");
    apr_pool_destroy(sub);
    ok(vp_storage_remove(st, pool, VP_OBJ_RENDITION, id, NULL) == APR_SUCCESS
       && !exists(vp_storage_path(st, pool, VP_OBJ_RENDITION, id, "web.mp4"))
       && !exists(vp_storage_path(st, pool, VP_OBJ_RENDITION, id, NULL)),
       "removing all renditions removes their folder");
    ok(vp_storage_remove(st, pool, VP_OBJ_POSTER, id, NULL) == APR_SUCCESS,
       "removing a missing object is no error");
    ok(!vp_storage_path(st, pool, VP_OBJ_ORIGINAL, "../../etc/passwd", NULL)
       && !vp_storage_path(st, pool, VP_OBJ_RENDITION, id, "../x")
       && vp_storage_read(st, pool, VP_OBJ_ORIGINAL, "a/b", NULL, &f) == APR_EINVAL,
       "ids and names that could leave the folder are refused");
    ok(vp_storage_move(st, pool, VP_OBJ_UPLOAD, id, VP_OBJ_ORIGINAL,
                       "aaaa0000-0000-4000-8000-000000000000") == APR_SUCCESS
       && exists(vp_storage_path(st, pool, VP_OBJ_ORIGINAL, "aaaa0000-0000-4000-8000-000000000000",
                                 NULL))
       && !exists(vp_storage_path(st, pool, VP_OBJ_UPLOAD, id, NULL)),
       "an upload moves to an original");
    if (root)
        system(apr_pstrcat(pool, "rm -rf ", root, NULL));
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    sniffing();
    image_sniffing();
    data_urls();
    part_types();
    oversize();
    signing();
    storage();
    apr_pool_destroy(pool);     /* its cleanups free OpenSSL's digest contexts */
    return done_testing();
}
