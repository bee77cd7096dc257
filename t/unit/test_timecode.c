/* Unit tests of frames and SMPTE timecode (vpcore/vp_timecode.c) on
 * published values: SMPTE 12M drop-frame counting at 29.97 (2 labels
 * skipped each minute but every tenth: 17,982 frames in ten minutes,
 * 107,892 in an hour) and 59.94 (4 skipped: 215,784 an hour), and the
 * plain counts at 23.976, 24, 25, 30, 50 and 60. */
#include "tap.h"
#include "vpcore/vp_timecode.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <math.h>

static apr_pool_t *pool;

static vp_rate_t rate(const char *s)
{
    vp_rate_t r = {0, 0};

    vp_rate_parse(s, &r);
    return r;
}

/* frame -> timecode, and the timecode back to the frame */
static void both(const char *rs, int64_t f, int drop, const char *want)
{
    vp_rate_t r = rate(rs);
    int64_t back = -1;
    const char *err;

    is_str(vp_timecode(pool, r, f, drop), want, apr_psprintf(pool, "%s frame %" APR_INT64_T_FMT
                                                             " is %s", rs, (apr_int64_t)f, want));
    err = vp_timecode_parse(r, want, &back);
    ok(!err && back == f, apr_psprintf(pool, "%s %s is frame %" APR_INT64_T_FMT, rs, want,
                                       (apr_int64_t)f));
}

int main(void)
{
    vp_rate_t r;
    int64_t f = 0, i;
    int all;

    apr_initialize();
    apr_pool_create(&pool, NULL);

    ok(vp_rate_parse("30000/1001", &r) == 0 && r.num == 30000 && r.den == 1001, "30000/1001");
    ok(vp_rate_parse("25", &r) == 0 && r.num == 25 && r.den == 1, "25");
    ok(vp_rate_parse("0/1", &r) && vp_rate_parse("25/0", &r) && vp_rate_parse("x", &r)
       && vp_rate_parse("25/", &r) && vp_rate_parse("-25", &r) && vp_rate_parse("2000", &r),
       "0/1, 25/0, x, 25/, -25 and 2000 fps are no rates");
    is_int(vp_rate_nominal(rate("24000/1001")), 24, "23.976 counts 24");
    is_int(vp_rate_nominal(rate("30000/1001")), 30, "29.97 counts 30");
    is_int(vp_rate_nominal(rate("60000/1001")), 60, "59.94 counts 60");
    ok(vp_rate_drops(rate("30000/1001")) && vp_rate_drops(rate("60000/1001"))
       && !vp_rate_drops(rate("24000/1001")) && !vp_rate_drops(rate("25")),
       "only 29.97 and 59.94 drop");

    /* 29.97 drop-frame, around the minute and ten-minute boundaries */
    both("30000/1001", 0, 1, "00:00:00;00");
    both("30000/1001", 1799, 1, "00:00:59;29");
    both("30000/1001", 1800, 1, "00:01:00;02");
    both("30000/1001", 1801, 1, "00:01:00;03");
    both("30000/1001", 3597, 1, "00:01:59;29");
    both("30000/1001", 3598, 1, "00:02:00;02");
    both("30000/1001", 17981, 1, "00:09:59;29");
    both("30000/1001", 17982, 1, "00:10:00;00");
    both("30000/1001", 17983, 1, "00:10:00;01");
    both("30000/1001", 19781, 1, "00:10:59;29");
    both("30000/1001", 19782, 1, "00:11:00;02");
    both("30000/1001", 107891, 1, "00:59:59;29");
    both("30000/1001", 107892, 1, "01:00:00;00");
    /* 29.97 non-drop counts 30 labels a second */
    both("30000/1001", 1800, 0, "00:01:00:00");
    both("30000/1001", 107892, 0, "00:59:56:12");
    /* 59.94 drop-frame: 4 labels a minute */
    both("60000/1001", 3599, 1, "00:00:59;59");
    both("60000/1001", 3600, 1, "00:01:00;04");
    both("60000/1001", 35963, 1, "00:09:59;59");
    both("60000/1001", 35964, 1, "00:10:00;00");
    both("60000/1001", 215784, 1, "01:00:00;00");
    /* plain rates */
    both("24000/1001", 86400, 0, "01:00:00:00");
    both("24", 86399, 0, "00:59:59:23");
    /* a stored duration (rounded to a millisecond) is its nearest whole
     * number of frames: 1859 frames of 29.97 last 62.028633 s, stored 62.029 */
    is_int((int)vp_frame_count(rate("30000/1001"), 62.029), 1859, "62.029 s of 29.97: 1859 frames");
    is_int((int)vp_frame_count(rate("25"), 2.0), 50, "2 s of 25: 50 frames");
    is_int((int)vp_frame_count(rate("24000/1001"), 0.0), 0, "no time, no frames");
    both("25", 90000, 0, "01:00:00:00");
    both("25", 1524, 0, "00:01:00:24");
    both("30", 108000, 0, "01:00:00:00");
    both("50", 180001, 0, "01:00:00:01");
    both("60", 216059, 0, "01:00:00:59");
    both("25", 24 * 3600 * 25 + 1, 0, "24:00:00:01");

    /* every frame of two hours at 29.97 DF: labels strictly increase,
     * skip exactly the dropped ones, and parse back */
    all = 1;
    {
        char prev[16] = "";

        for (i = 0; i < 2 * 107892 && all; i++) {
            const char *tc = vp_timecode(pool, rate("30000/1001"), i, 1);

            if (vp_timecode_parse(rate("30000/1001"), tc, &f) || f != i
                || (i && strcmp(prev, tc) >= 0))
                all = 0;
            apr_cpystrn(prev, tc, sizeof prev);
            if (i % 4096 == 0)
                apr_pool_clear(pool);
        }
    }
    ok(all, "two hours of 29.97 drop-frame labels round-trip, in order");

    /* labels drop-frame skips, and malformed ones */
    ok(vp_timecode_parse(rate("30000/1001"), "00:01:00;00", &f) != NULL, "00:01:00;00 is skipped");
    ok(vp_timecode_parse(rate("30000/1001"), "00:01:00;01", &f) != NULL, "00:01:00;01 is skipped");
    ok(vp_timecode_parse(rate("30000/1001"), "00:10:00;00", &f) == NULL, "00:10:00;00 exists");
    ok(vp_timecode_parse(rate("60000/1001"), "00:02:00;03", &f) != NULL, "59.94: ;03 is skipped");
    ok(vp_timecode_parse(rate("25"), "00:00:01;00", &f) != NULL, "no drop-frame at 25");
    ok(vp_timecode_parse(rate("25"), "00:00:00:25", &f) != NULL, "FF 25 at 25 fps");
    ok(vp_timecode_parse(rate("25"), "00:60:00:00", &f) != NULL, "minute 60");
    ok(vp_timecode_parse(rate("25"), "0:00:00:00", &f) != NULL
       && vp_timecode_parse(rate("25"), "00:00:00:00x", &f) != NULL
       && vp_timecode_parse(rate("25"), "00-00-00-00", &f) != NULL
       && vp_timecode_parse(rate("25"), "", &f) != NULL, "malformed timecodes");
    ok(vp_timecode_parse(rate("30000/1001"), "00:01:00.02", &f) == NULL && f == 1800,
       "'.' is drop-frame too");

    /* seconds <-> frames: a frame starts at an exact rational time */
    r = rate("30000/1001");
    is_int(vp_frame_at(r, 0), 0, "t=0 is frame 0");
    is_int(vp_frame_at(r, vp_frame_start(r, 1)), 1, "frame 1's start is frame 1");
    is_int(vp_frame_at(r, 0.0333), 0, "0.0333 s is still frame 0 at 29.97");
    is_int(vp_frame_at(r, 1.0), 29, "1 s is frame 29 at 29.97");
    all = 1;
    for (i = 0; i < 200000; i += 7)
        if (vp_frame_at(r, vp_frame_start(r, i)) != i
            || vp_frame_at(r, vp_frame_start(r, i + 1) - 0.0001) != i)
            all = 0;
    ok(all, "every frame's start maps to it, and just before the next start too");
    ok(fabs(vp_frame_start(rate("24000/1001"), 86400) - 3603.6) < 1e-9,
       "23.976: frame 86400 starts at 3603.6 s");
    is_int(vp_frame_at(rate("25"), 3600.0), 90000, "25 fps: one hour is frame 90000");
    return done_testing();
}
