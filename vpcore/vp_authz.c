#include "vp_authz.h"

#include <stddef.h>
#include <string.h>

static const char *const names[] = {
    [VP_ROLE_NONE] = "none", [VP_ROLE_VIEWER] = "viewer", [VP_ROLE_REVIEWER] = "reviewer",
    [VP_ROLE_EDITOR] = "editor", [VP_ROLE_ADMIN] = "admin", [VP_ROLE_OWNER] = "owner",
};

/* The roles from least to most that allow an action. An entry the table
 * leaves out is zero, unset: it denies (a new action is nobody's until
 * the table says otherwise). */
typedef struct {
    int set;
    vp_role_t least, most;
} span_t;

#define NOBODY  {1, VP_ROLE_OWNER, VP_ROLE_NONE}    /* an empty span */
#define ANYONE  {1, VP_ROLE_NONE, VP_ROLE_OWNER}    /* no project role needed */
#define FROM(r) {1, r, VP_ROLE_OWNER}
#define SPAN(least, most) {1, least, most}

/* Who may do what: the only place that says so. A guest (spec section 7)
 * reads the review surface and, as a reviewer or an editor, writes
 * feedback and comments: nothing else, whatever its role. */
static const span_t policy[VP_KIND_COUNT][VP_ACT_COUNT] = {
    [VP_KIND_USER] = {
        [VP_ACT_ACCOUNT]  = ANYONE,
        [VP_ACT_READ]     = FROM(VP_ROLE_VIEWER),
        [VP_ACT_UPDATE]   = FROM(VP_ROLE_ADMIN),
        [VP_ACT_DELETE]   = FROM(VP_ROLE_OWNER),
        [VP_ACT_RESTORE]  = FROM(VP_ROLE_OWNER),
        [VP_ACT_TRANSFER] = FROM(VP_ROLE_OWNER),
        [VP_ACT_MEMBERS]  = FROM(VP_ROLE_ADMIN),
        [VP_ACT_LEAVE]    = SPAN(VP_ROLE_VIEWER, VP_ROLE_ADMIN),  /* the owner transfers first */
        [VP_ACT_SCHEDULE] = FROM(VP_ROLE_EDITOR),
        [VP_ACT_MEMOS]    = FROM(VP_ROLE_EDITOR),
        [VP_ACT_VIDEOS]   = FROM(VP_ROLE_EDITOR),
        [VP_ACT_FEEDBACK] = FROM(VP_ROLE_REVIEWER),
        [VP_ACT_FEEDBACK_TRIAGE] = FROM(VP_ROLE_EDITOR),
        [VP_ACT_FEEDBACK_MODERATE] = FROM(VP_ROLE_ADMIN),
        [VP_ACT_VIEW]     = FROM(VP_ROLE_VIEWER),
        [VP_ACT_REACT]    = FROM(VP_ROLE_REVIEWER),
        [VP_ACT_INVITE]   = FROM(VP_ROLE_ADMIN),
        [VP_ACT_AUDIT]    = FROM(VP_ROLE_ADMIN),
    },
    [VP_KIND_GUEST] = {
        [VP_ACT_ACCOUNT]  = NOBODY,
        [VP_ACT_READ]     = NOBODY,
        [VP_ACT_UPDATE]   = NOBODY,
        [VP_ACT_DELETE]   = NOBODY,
        [VP_ACT_RESTORE]  = NOBODY,
        [VP_ACT_TRANSFER] = NOBODY,
        [VP_ACT_MEMBERS]  = NOBODY,
        [VP_ACT_LEAVE]    = NOBODY,
        [VP_ACT_SCHEDULE] = NOBODY,
        [VP_ACT_MEMOS]    = NOBODY,
        [VP_ACT_VIDEOS]   = NOBODY,
        /* writing: feedback and comments, never editing or deleting */
        [VP_ACT_FEEDBACK] = SPAN(VP_ROLE_REVIEWER, VP_ROLE_EDITOR),
        [VP_ACT_FEEDBACK_TRIAGE] = NOBODY,
        [VP_ACT_FEEDBACK_MODERATE] = NOBODY,
        [VP_ACT_VIEW]     = SPAN(VP_ROLE_VIEWER, VP_ROLE_EDITOR),
        /* reactions are kept per account (reactions.user_id): none for guests */
        [VP_ACT_REACT]    = NOBODY,
        [VP_ACT_INVITE]   = NOBODY,
        [VP_ACT_AUDIT]    = NOBODY,
    },
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

int vp_may(vp_kind_t kind, vp_role_t role, vp_action_t action)
{
    const span_t *s;

    if (kind >= VP_KIND_COUNT || action >= VP_ACT_COUNT)
        return 0;
    s = &policy[kind][action];
    /* a project action needs a member (a span from VP_ROLE_NONE needs none) */
    return s->set && role >= s->least && role <= s->most && (role != VP_ROLE_NONE || s->least == role);
}

int vp_may_manage(vp_role_t actor, vp_role_t from, vp_role_t to)
{
    if (!vp_may(VP_KIND_USER, actor, VP_ACT_MEMBERS) || from == VP_ROLE_OWNER
        || to == VP_ROLE_OWNER)
        return 0;
    if ((from == VP_ROLE_ADMIN || to == VP_ROLE_ADMIN) && actor != VP_ROLE_OWNER)
        return 0;
    return 1;
}

vp_removal_t vp_may_remove(vp_role_t actor, vp_role_t role, int self)
{
    if (self)
        return vp_may(VP_KIND_USER, actor, VP_ACT_LEAVE) ? VP_REMOVAL_OK : VP_REMOVAL_OWNER_STAYS;
    if (vp_may_manage(actor, role, VP_ROLE_NONE))
        return VP_REMOVAL_OK;
    return vp_may(VP_KIND_USER, actor, VP_ACT_MEMBERS) ? VP_REMOVAL_PROTECTED
                                                       : VP_REMOVAL_NOT_MANAGER;
}
