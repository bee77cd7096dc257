/* The field table of every JSON request body, and an index of them by
 * name. httpd-free: the handlers, the fuzz harness (fuzz/), the generator
 * of the OpenAPI request schemas (tools/vp-openapi.c) and its check
 * (t/07-openapi.t) share them. */
#ifndef VP_FIELDS_H
#define VP_FIELDS_H

#include "vp_valid.h"

/* A row by name: VP_FIELD("email", VP_EMAIL, .required = 1, .min = 3,
 * .max = 254). Members left out are 0: optional, unbounded, not nullable,
 * no choices, no items. A table ends with VP_FIELDS_END. */
#define VP_FIELD(field, kind, ...) {.name = (field), .type = (kind), __VA_ARGS__}
#define VP_FIELDS_END {.name = NULL}

/* the eight phases of a production, in order */
extern const char *const vp_phase_names[];
/* what a project's status may be (also the ?status= filter) */
extern const char *const vp_project_statuses[];

/* handlers/auth.c */
extern const vp_field_t vp_auth_signup_fields[];
extern const vp_field_t vp_auth_credential_fields[];
extern const vp_field_t vp_auth_refresh_fields[];
extern const vp_field_t vp_auth_logout_fields[];
extern const vp_field_t vp_auth_email_fields[];
extern const vp_field_t vp_auth_nickname_fields[];
extern const vp_field_t vp_auth_reset_fields[];
extern const vp_field_t vp_auth_token_fields[];
extern const vp_field_t vp_auth_confirm_fields[];
/* handlers/users.c */
extern const vp_field_t vp_user_me_fields[];
extern const vp_field_t vp_user_delete_fields[];
/* handlers/diagnostics.c */
extern const vp_field_t vp_diag_echo_fields[];
/* handlers/projects.c */
extern const vp_field_t vp_project_process_fields[];
extern const vp_field_t vp_project_create_fields[];
extern const vp_field_t vp_project_update_fields[];
extern const vp_field_t vp_project_transfer_fields[];
/* handlers/members.c */
extern const vp_field_t vp_member_add_fields[];
extern const vp_field_t vp_member_role_fields[];
/* handlers/schedule.c */
extern const vp_field_t vp_schedule_phase_fields[];
extern const vp_field_t vp_schedule_fields[];
/* handlers/memos.c */
extern const vp_field_t vp_memo_create_fields[];
extern const vp_field_t vp_memo_update_fields[];
extern const vp_field_t vp_video_update_fields[];
/* handlers/feedbacks.c */
extern const char *const vp_feedback_priorities[];
extern const char *const vp_feedback_statuses[];
extern const vp_field_t vp_feedback_create_fields[];
extern const vp_field_t vp_feedback_update_fields[];
extern const vp_field_t vp_feedback_carry_fields[];
/* handlers/calendar.c */
extern const char *const vp_calendar_actions[];
extern const vp_field_t vp_calendar_create_fields[];
extern const vp_field_t vp_calendar_replace_fields[];
extern const vp_field_t vp_calendar_update_fields[];
extern const vp_field_t vp_calendar_operation_fields[];
extern const vp_field_t vp_calendar_batch_fields[];
/* users.locale: ko, en (handlers/users.c) */
extern const char *const vp_locales[];
/* handlers/notifications.c */
extern const char *const vp_notification_email_modes[];
extern const vp_field_t vp_notification_read_fields[];
extern const vp_field_t vp_notification_settings_fields[];
extern const vp_field_t vp_notification_types_fields[];
/* handlers/comments.c */
extern const vp_field_t vp_comment_create_fields[];
extern const vp_field_t vp_comment_update_fields[];
extern const vp_field_t vp_reaction_fields[];
extern const vp_field_t vp_reaction_delete_fields[];
/* handlers/plannings.c */
extern const vp_field_t vp_planning_create_fields[];
extern const vp_field_t vp_planning_update_fields[];
extern const vp_field_t vp_framework_create_fields[];
extern const vp_field_t vp_framework_update_fields[];
/* handlers/invitations.c */
extern const vp_field_t vp_invitation_create_fields[];
extern const vp_field_t vp_invitation_accept_fields[];
extern const vp_field_t vp_friend_add_fields[];

typedef struct {
    const char *name;           /* the C name of the table */
    const vp_field_t *fields;
    const char *schema;         /* its schema in the OpenAPI document:
                                   components/schemas/<schema> */
} vp_field_table_t;

/* Every table above (also those only used as the items of an array); a
 * new table is one row here, and tools/vp-openapi.c puts it in the
 * document. */
extern const vp_field_table_t vp_field_tables[];
extern const int vp_nfield_tables;

#endif
