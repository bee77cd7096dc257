/* The locale of a signup (vpcore/vp_locale.c): the input is an
 * Accept-Language value as httpd hands it (a C string). The answer is "ko"
 * or "en", the same each time; a header that names neither letter pair
 * gives "ko"; a header led by a range of weight 1 gives that range's
 * language whatever follows (nothing outweighs 1, and a tie keeps the
 * earlier range); a range of weight 0 appended changes nothing. */
#include "fuzz.h"
#include "vpcore/vp_locale.h"

#include <apr_strings.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int either(const char *l)
{
    return !strcmp(l, "ko") || !strcmp(l, "en");
}

/* 1 when s holds pair (two letters, any case) anywhere */
static int holds(const char *s, const char *pair)
{
    for (; s[0] && s[1]; s++)
        if (!strncasecmp(s, pair, 2))
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *h = fuzz_text(p, data, size), *l = vp_locale_pick(h);
    char *led_en = apr_pstrcat(p, "en,", h, NULL), *led_ko = apr_pstrcat(p, "ko-KR;q=1.0,", h, NULL);

    FUZZ_CHECK(either(l) && !strcmp(l, vp_locale_pick(h)));
    if (!holds(h, "en"))
        FUZZ_CHECK(!strcmp(l, "ko"));
    FUZZ_CHECK(!strcmp(vp_locale_pick(led_en), "en"));
    FUZZ_CHECK(!strcmp(vp_locale_pick(led_ko), "ko"));
    FUZZ_CHECK(!strcmp(vp_locale_pick(apr_pstrcat(p, h, ",en;q=0,ko;q=0", NULL)), l));
    apr_pool_destroy(p);
    return 0;
}
