/* Accept-Language to a user's locale (vp_locale.h). */
#include "vp_locale.h"

#include <string.h>
#include <strings.h>

#define HOME "ko"

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* The qvalue at s (n bytes, spaces trimmed) in thousandths: "0", "0.5",
 * "1.000"; -1 when it is none (RFC 9110: 0 or 1, at most three decimals,
 * 1 only with zeros). */
static int qvalue(const char *s, size_t n)
{
    int v, scale = 100;
    size_t i;

    if (n == 0 || (s[0] != '0' && s[0] != '1'))
        return -1;
    v = (s[0] - '0') * 1000;
    if (n == 1)
        return v;
    if (s[1] != '.' || n > 5)
        return -1;
    for (i = 2; i < n; i++, scale /= 10) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v += (s[i] - '0') * scale;
    }
    return v > 1000 ? -1 : v;
}

/* The weight of the parameters at p (n bytes, after the range's first
 * ';'): the q parameter's, 1000 without one, -1 when it is malformed. */
static int weight(const char *p, size_t n)
{
    const char *end = p + n;

    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p)), *stop = semi ? semi : end;
        const char *a = p, *b = stop;

        while (a < b && is_space(*a))
            a++;
        while (b > a && is_space(b[-1]))
            b--;
        if (b - a >= 2 && (a[0] == 'q' || a[0] == 'Q')) {
            const char *v = a + 1;

            while (v < b && is_space(*v))
                v++;
            if (v < b && *v == '=') {
                for (v++; v < b && is_space(*v); v++)
                    ;
                return qvalue(v, (size_t)(b - v));
            }
        }
        p = stop + 1;
    }
    return 1000;
}

const char *vp_locale_pick(const char *h)
{
    const char *best = HOME;
    int best_w = 0;

    while (h && *h) {
        const char *comma = strchr(h, ','), *stop = comma ? comma : h + strlen(h);
        const char *semi = memchr(h, ';', (size_t)(stop - h)), *a = h, *b = semi ? semi : stop;
        const char *lang = NULL;
        int w;

        while (a < b && is_space(*a))
            a++;
        while (b > a && is_space(b[-1]))
            b--;
        /* the primary subtag alone, or followed by '-' and a subtag */
        if (b - a >= 2 && (b - a == 2 || a[2] == '-')) {
            if (!strncasecmp(a, "ko", 2))
                lang = "ko";
            else if (!strncasecmp(a, "en", 2))
                lang = "en";
        }
        if (lang) {
            w = semi ? weight(semi + 1, (size_t)(stop - semi - 1)) : 1000;
            if (w > best_w) {       /* strictly: an earlier range wins a tie */
                best = lang;
                best_w = w;
            }
        }
        h = comma ? comma + 1 : stop;
    }
    return best;
}
