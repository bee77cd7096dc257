/* Frames and SMPTE timecode (vp_timecode.h). */
#include "vp_timecode.h"

#include <apr_strings.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int vp_rate_parse(const char *s, vp_rate_t *r)
{
    char *end;
    long long num, den = 1;

    if (!s || *s < '0' || *s > '9')
        return -1;
    num = strtoll(s, &end, 10);
    if (*end == '/') {
        if (end[1] < '0' || end[1] > '9')
            return -1;
        den = strtoll(end + 1, &end, 10);
    }
    if (*end || num <= 0 || den <= 0 || num > 1000 * den || num > 10000000 || den > 10000000)
        return -1;
    r->num = num;
    r->den = den;
    return 0;
}

int vp_rate_nominal(vp_rate_t r)
{
    return (int)((r.num + r.den / 2) / r.den);
}

int vp_rate_drops(vp_rate_t r)
{
    return r.den == 1001 && (r.num == 30000 || r.num == 60000);
}

int64_t vp_frame_at(vp_rate_t r, double t)
{
    /* microseconds, then exact: frame = floor(us * num / (den * 1e6)) */
    long double us = floorl((long double)t * 1000000.0L + 0.5L);

    if (us <= 0)
        return 0;
    return (int64_t)floorl((us + 1.0L) * r.num / (r.den * 1000000.0L));
}

int64_t vp_frame_count(vp_rate_t r, double duration)
{
    /* a probed duration is the frames' own, rounded to a millisecond */
    long double n = (long double)duration * r.num / r.den;

    return n <= 0 ? 0 : (int64_t)floorl(n + 0.5L);
}

double vp_frame_start(vp_rate_t r, int64_t f)
{
    return (double)((long double)f * r.den / r.num);
}

/* Frames dropped per minute (2 at 29.97, 4 at 59.94) or 0. */
static int dropped(vp_rate_t r)
{
    return vp_rate_drops(r) ? vp_rate_nominal(r) / 15 : 0;
}

char *vp_timecode(apr_pool_t *p, vp_rate_t r, int64_t f, int drop)
{
    int64_t fps = vp_rate_nominal(r), d = drop ? dropped(r) : 0;

    if (f < 0)
        f = 0;
    if (d) {
        /* the labels drop-frame skips, added back: d labels each minute
         * but every tenth */
        int64_t per10 = fps * 600 - d * 9, per1 = fps * 60 - d;
        int64_t tens = f / per10, rest = f % per10;

        f += d * 9 * tens + (rest >= d ? d * ((rest - d) / per1) : 0);
    }
    return apr_psprintf(p, "%02" APR_INT64_T_FMT ":%02" APR_INT64_T_FMT ":%02" APR_INT64_T_FMT
                        "%c%02" APR_INT64_T_FMT, (apr_int64_t)(f / (fps * 3600)),
                        (apr_int64_t)(f / (fps * 60) % 60), (apr_int64_t)(f / fps % 60),
                        d ? ';' : ':', (apr_int64_t)(f % fps));
}

const char *vp_timecode_parse(vp_rate_t r, const char *tc, int64_t *frame)
{
    int64_t fps = vp_rate_nominal(r), d = 0, hh, mm, ss, ff, minutes;
    char sep;
    int n = 0;

    if (!tc || sscanf(tc, "%2" SCNd64 ":%2" SCNd64 ":%2" SCNd64 "%c%3" SCNd64 "%n", &hh, &mm,
                      &ss, &sep, &ff, &n) != 5 || tc[n] || n < 11 || n > 12)
        return "must be HH:MM:SS:FF (or HH:MM:SS;FF, drop-frame)";
    if (sep == ';' || sep == '.') {
        if (!(d = dropped(r)))
            return "drop-frame timecode (;) exists only at 29.97 and 59.94 frames per second";
    }
    else if (sep != ':')
        return "must be HH:MM:SS:FF (or HH:MM:SS;FF, drop-frame)";
    if (hh < 0 || mm < 0 || mm > 59 || ss < 0 || ss > 59 || ff < 0)
        return "has minutes or seconds out of range";
    if (ff >= fps)
        return "has a frame number not below the frames per second";
    minutes = hh * 60 + mm;
    if (d && ss == 0 && ff < d && mm % 10)
        return "names a frame label drop-frame counting skips";
    *frame = fps * 3600 * hh + fps * 60 * mm + fps * ss + ff - d * (minutes - minutes / 10);
    return NULL;
}
