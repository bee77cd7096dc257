/* Rate-limit arithmetic: a window that opens at the first hit of a key and
 * counts hits until it closes. The shared store (an httpd socache) lives in
 * the glue; this part is httpd-free so it can be unit-tested. */
#ifndef VP_RATELIMIT_H
#define VP_RATELIMIT_H

#include <stdint.h>

typedef enum {
    VP_RL_LOGIN,            /* per client IP + email, short window */
    VP_RL_LOGIN_LONG,       /* per client IP + email, long window */
    VP_RL_SIGNUP,           /* per client IP */
    VP_RL_PASSWORD_RESET,   /* per email */
    VP_RL_FEEDBACK,         /* per user */
    VP_RL_DEFAULT,          /* per client IP, every /api/v1 request but media */
    VP_RL_MEDIA,            /* per client IP, video content and posters */
    VP_RL_GUEST,            /* per invitation: a guest's feedback and comments */
    VP_RL_VERIFY,           /* per client IP: invitation links verified */
    VP_RL_COUNT
} vp_rl_kind_t;

typedef struct {
    int count;              /* hits allowed per window; 0: no limit; -1: unset */
    int seconds;            /* window length */
} vp_limit_t;

/* What the store keeps per key (fixed size, host byte order). */
typedef struct {
    int64_t start;          /* window start, seconds since the epoch */
    int64_t hits;
} vp_rl_state_t;

typedef struct {
    int allowed;
    long limit, remaining;
    long reset;             /* seconds until the window closes (>= 1) */
} vp_rl_result_t;

/* Name used by the VPlanetRateLimit directive; NULL past the end. */
const char *vp_rl_name(vp_rl_kind_t kind);
/* Kind for a name; -1 when unknown. */
int vp_rl_kind(const char *name);
/* The documented default of a kind. */
vp_limit_t vp_rl_default(vp_rl_kind_t kind);

/* Applies one hit at now to st (have: st holds a stored state) and fills
 * res. st is updated for storing back; a refused hit is not counted, so a
 * client that keeps trying does not extend its own lock-out. */
void vp_rl_hit(vp_rl_state_t *st, int have, vp_limit_t lim, int64_t now,
               vp_rl_result_t *res);

#endif
