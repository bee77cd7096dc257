#include "vp_authz.h"

#include <stddef.h>
#include <string.h>

static const char *const names[] = {
    [VP_ROLE_NONE] = "none", [VP_ROLE_VIEWER] = "viewer", [VP_ROLE_REVIEWER] = "reviewer",
    [VP_ROLE_EDITOR] = "editor", [VP_ROLE_ADMIN] = "admin", [VP_ROLE_OWNER] = "owner",
};

/* The least role that may perform each action. */
static const vp_role_t least[VP_ACT_COUNT] = {
    [VP_ACT_READ]     = VP_ROLE_VIEWER,
    [VP_ACT_UPDATE]   = VP_ROLE_ADMIN,
    [VP_ACT_DELETE]   = VP_ROLE_OWNER,
    [VP_ACT_TRANSFER] = VP_ROLE_OWNER,
    [VP_ACT_MEMBERS]  = VP_ROLE_ADMIN,
    [VP_ACT_LEAVE]    = VP_ROLE_VIEWER,
    [VP_ACT_SCHEDULE] = VP_ROLE_EDITOR,
    [VP_ACT_MEMOS]    = VP_ROLE_EDITOR,
};

vp_role_t vp_role_parse(const char *name)
{
    int r;

    for (r = VP_ROLE_VIEWER; name && r <= VP_ROLE_OWNER; r++)
        if (strcmp(names[r], name) == 0)
            return (vp_role_t)r;
    return VP_ROLE_NONE;
}

const char *vp_role_name(vp_role_t role)
{
    return role <= VP_ROLE_OWNER ? names[role] : names[VP_ROLE_NONE];
}

int vp_may(vp_role_t role, vp_action_t action)
{
    if (action >= VP_ACT_COUNT || role == VP_ROLE_NONE)
        return 0;
    if (action == VP_ACT_LEAVE)     /* the owner must transfer first */
        return role != VP_ROLE_OWNER;
    return role >= least[action];
}

int vp_may_manage(vp_role_t actor, vp_role_t from, vp_role_t to)
{
    if (!vp_may(actor, VP_ACT_MEMBERS) || from == VP_ROLE_OWNER || to == VP_ROLE_OWNER)
        return 0;
    if ((from == VP_ROLE_ADMIN || to == VP_ROLE_ADMIN) && actor != VP_ROLE_OWNER)
        return 0;
    return 1;
}
