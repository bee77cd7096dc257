#include "vp_ratelimit.h"

#include <stddef.h>
#include <string.h>

static const struct {
    const char *name;
    vp_limit_t dflt;
} kinds[VP_RL_COUNT] = {
    [VP_RL_LOGIN]          = {"login", {5, 60}},
    [VP_RL_LOGIN_LONG]     = {"login_long", {10, 300}},
    [VP_RL_SIGNUP]         = {"signup", {3, 3600}},
    [VP_RL_PASSWORD_RESET] = {"password_reset", {3, 3600}},
    [VP_RL_FEEDBACK]       = {"feedback", {100, 3600}},
    [VP_RL_DEFAULT]        = {"default", {1000, 3600}},
    /* a <video> element seeking asks for many ranges */
    [VP_RL_MEDIA]          = {"media", {20000, 3600}},
    /* spec section 7: guest writes 30 an hour per invitation */
    [VP_RL_GUEST]          = {"guest", {30, 3600}},
    /* a link's token is 256 random bits; this keeps guessing loud */
    [VP_RL_VERIFY]         = {"verify", {20, 600}},
};

const char *vp_rl_name(vp_rl_kind_t kind)
{
    return kind >= 0 && kind < VP_RL_COUNT ? kinds[kind].name : NULL;
}

int vp_rl_kind(const char *name)
{
    int i;

    for (i = 0; i < VP_RL_COUNT; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return i;
    return -1;
}

vp_limit_t vp_rl_default(vp_rl_kind_t kind)
{
    return kinds[kind].dflt;
}

void vp_rl_hit(vp_rl_state_t *st, int have, vp_limit_t lim, int64_t now,
               vp_rl_result_t *res)
{
    /* a stored window that closed, or one from a clock far ahead, starts over */
    if (!have || now >= st->start + lim.seconds || st->start > now) {
        st->start = now;
        st->hits = 0;
    }
    res->limit = lim.count;
    res->reset = (long)(st->start + lim.seconds - now);
    res->allowed = st->hits < lim.count;
    if (res->allowed)
        st->hits++;
    res->remaining = lim.count > st->hits ? (long)(lim.count - st->hits) : 0;
}
