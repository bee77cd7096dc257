/* Authorization: the one place that decides, from the kind of caller and
 * its role on a project, whether an action is allowed. Handlers and the
 * sidecar name the action; they never compare roles themselves.
 * httpd-free. */
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

/* Who a token speaks for: a registered user (access token), or a guest
 * (guest token, scoped to one project and a role). */
typedef enum {
    VP_KIND_USER,
    VP_KIND_GUEST,
    VP_KIND_COUNT
} vp_kind_t;

typedef enum {
    VP_ACT_ACCOUNT,         /* outside a project: one's account, projects, new projects */
    VP_ACT_READ,            /* project, members, schedule, stats, memos, events, realtime */
    VP_ACT_UPDATE,          /* project settings */
    VP_ACT_DELETE,          /* soft delete */
    VP_ACT_RESTORE,         /* undo a soft delete within 30 days */
    VP_ACT_TRANSFER,        /* hand ownership to a member */
    VP_ACT_MEMBERS,         /* add, change, remove members (see vp_may_manage) */
    VP_ACT_LEAVE,           /* remove oneself */
    VP_ACT_SCHEDULE,        /* edit the schedule */
    VP_ACT_MEMOS,           /* write, edit, delete memos */
    VP_ACT_VIDEOS,          /* upload, rename, delete videos */
    VP_ACT_FEEDBACK,        /* write feedback; edit and delete one's own */
    VP_ACT_FEEDBACK_TRIAGE, /* set status and priority, export, carry to a version */
    VP_ACT_FEEDBACK_MODERATE, /* delete anyone's feedback; see anonymous authors */
    /* the review surface a guest may read too (spec section 7): the
     * project itself, its videos (list, read, content, poster), its
     * feedback and their comments, and its realtime feed */
    VP_ACT_VIEW,
    VP_ACT_REACT,           /* react on feedback and comments */
    VP_ACT_INVITE,          /* invite by email; cancel and resend invitations */
    VP_ACT_AUDIT,           /* read the audit of guest actions */
    VP_ACT_COUNT
} vp_action_t;

/* VP_ROLE_NONE for an unknown name. */
vp_role_t vp_role_parse(const char *name);
const char *vp_role_name(vp_role_t role);

/* 1 when a caller of kind, holding role on the project (VP_ROLE_NONE: no
 * member, or no project: VP_ACT_ACCOUNT), may perform action. */
int vp_may(vp_kind_t kind, vp_role_t role, vp_action_t action);

/* Member management by a user actor (who may VP_ACT_MEMBERS): 1 when
 * actor may give a member now holding `from` (VP_ROLE_NONE: not a member
 * yet) the role `to` (VP_ROLE_NONE: remove). Nobody touches the owner or
 * makes one (ownership moves by transfer only); only the owner grants,
 * changes or removes admins. */
int vp_may_manage(vp_role_t actor, vp_role_t from, vp_role_t to);

/* Removing a member: what a user actor may do to a member holding role
 * (self: the actor itself, i.e. leaving). */
typedef enum {
    VP_REMOVAL_OK,
    VP_REMOVAL_OWNER_STAYS,     /* the owner leaves only after a transfer */
    VP_REMOVAL_NOT_MANAGER,     /* the actor manages no members */
    VP_REMOVAL_PROTECTED        /* the owner, or an admin for a non-owner */
} vp_removal_t;
vp_removal_t vp_may_remove(vp_role_t actor, vp_role_t role, int self);

#endif
