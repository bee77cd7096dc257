/* Authorization: the one place that decides, from a caller's role on a
 * project, whether an action is allowed. Handlers name the action; they
 * never compare roles themselves. httpd-free. */
#ifndef VP_AUTHZ_H
#define VP_AUTHZ_H

/* In order of power. */
typedef enum {
    VP_ROLE_NONE,
    VP_ROLE_VIEWER,
    VP_ROLE_REVIEWER,
    VP_ROLE_EDITOR,
    VP_ROLE_ADMIN,
    VP_ROLE_OWNER
} vp_role_t;

typedef enum {
    VP_ACT_READ,            /* project, members, schedule, stats, memos, events */
    VP_ACT_UPDATE,          /* project settings */
    VP_ACT_DELETE,          /* soft delete, restore */
    VP_ACT_TRANSFER,        /* hand ownership to a member */
    VP_ACT_MEMBERS,         /* add, change, remove members (see vp_may_manage) */
    VP_ACT_LEAVE,           /* remove oneself */
    VP_ACT_SCHEDULE,        /* edit the schedule */
    VP_ACT_MEMOS,           /* write, edit, delete memos */
    VP_ACT_COUNT
} vp_action_t;

/* VP_ROLE_NONE for an unknown name. */
vp_role_t vp_role_parse(const char *name);
const char *vp_role_name(vp_role_t role);

/* 1 when role may perform action. */
int vp_may(vp_role_t role, vp_action_t action);

/* Member management by actor (who may VP_ACT_MEMBERS): 1 when actor may
 * give a member now holding `from` (VP_ROLE_NONE: not a member yet) the
 * role `to` (VP_ROLE_NONE: remove). Nobody touches the owner or makes one
 * (ownership moves by transfer only); only the owner grants, changes or
 * removes admins. */
int vp_may_manage(vp_role_t actor, vp_role_t from, vp_role_t to);

#endif
