/* Frames and SMPTE timecode from a video's frame rate (spec section 6):
 * a position in seconds names the frame it falls in, a frame starts at an
 * exact rational time, and a timecode counts frames at the nominal rate
 * (24, 25, 30, 60...), with drop-frame counting (';') at 29.97 and 59.94.
 * Exact integer arithmetic on the rational rate; httpd-free. */
#ifndef VP_TIMECODE_H
#define VP_TIMECODE_H

#include <apr_pools.h>
#include <stdint.h>

typedef struct {
    int64_t num, den;       /* frames per second = num / den, both > 0 */
} vp_rate_t;

/* "30000/1001", "25/1" or "25": 0, or -1 for anything else (a rate of at
 * most 1000 frames per second). */
int vp_rate_parse(const char *s, vp_rate_t *r);
/* The whole frames per second a timecode counts: 30 for 29.97. */
int vp_rate_nominal(vp_rate_t r);
/* 1 for 30000/1001 and 60000/1001, the rates drop-frame counting is for. */
int vp_rate_drops(vp_rate_t r);

/* The frame that time t (seconds, >= 0) falls in; a time within a
 * microsecond before a frame's start counts as that frame (JSON numbers
 * carry binary fractions). */
int64_t vp_frame_at(vp_rate_t r, double t);
/* The frames of a clip of duration seconds as vplanetd stores it (the
 * stream's length rounded to a millisecond): the nearest whole number. */
int64_t vp_frame_count(vp_rate_t r, double duration);
/* When frame f starts, in seconds. */
double vp_frame_start(vp_rate_t r, int64_t f);

/* Frame f as HH:MM:SS:FF, or HH:MM:SS;FF with drop-frame counting when
 * drop is set and the rate drops frames. Hours go past 23 (no wrap). */
char *vp_timecode(apr_pool_t *p, vp_rate_t r, int64_t f, int drop);
/* A timecode (':' throughout, or ';' or '.' before the frames for
 * drop-frame, only at rates that drop) into its frame: NULL, or why not
 * (bad form, FF not below the nominal rate, a label drop-frame skips). */
const char *vp_timecode_parse(vp_rate_t r, const char *tc, int64_t *frame);

#endif
