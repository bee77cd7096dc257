#include "vp_fields.h"

const char *const vp_phase_names[] = {
    "basic_plan", "story_board", "filming", "video_edit", "post_work", "video_preview",
    "confirmation", "video_delivery", NULL
};

const char *const vp_project_statuses[] = {
    "planning", "in_progress", "review", "completed", "on_hold", "cancelled", NULL
};

/* users.locale (sql/0012; at signup: vpcore/vp_locale.h) */
const char *const vp_locales[] = {"ko", "en", NULL};

/* ---- handlers/auth.c ---- */
const vp_field_t vp_auth_signup_fields[] = {
    VP_FIELD("email", VP_EMAIL, .required = 1, .min = 3, .max = 254),
    VP_FIELD("password", VP_STRING, .required = 1, .min = 8, .max = 128),
    VP_FIELD("nickname", VP_IDENT, .required = 1, .min = 2, .max = 30),
    VP_FIELDS_END
};

const vp_field_t vp_auth_credential_fields[] = {
    VP_FIELD("email", VP_STRING, .required = 1, .min = 1, .max = 254),
    VP_FIELD("password", VP_STRING, .required = 1, .min = 1, .max = 1024),
    VP_FIELDS_END
};

const vp_field_t vp_auth_refresh_fields[] = {
    VP_FIELD("refresh_token", VP_STRING, .required = 1, .min = 1, .max = 4096),
    VP_FIELDS_END
};

const vp_field_t vp_auth_logout_fields[] = {
    VP_FIELD("refresh_token", VP_STRING, .min = 1, .max = 4096),
    VP_FIELD("all", VP_BOOLEAN),
    VP_FIELDS_END
};

const vp_field_t vp_auth_email_fields[] = {
    VP_FIELD("email", VP_EMAIL, .required = 1, .min = 3, .max = 254),
    VP_FIELDS_END
};

const vp_field_t vp_auth_nickname_fields[] = {
    VP_FIELD("nickname", VP_IDENT, .required = 1, .min = 2, .max = 30),
    VP_FIELDS_END
};

/* Like a login, a lookup: any spelling of an address finds its account
 * through the key (signup is where spellings are refused). */
const vp_field_t vp_auth_reset_fields[] = {
    VP_FIELD("email", VP_STRING, .required = 1, .min = 3, .max = 254),
    VP_FIELDS_END
};

const vp_field_t vp_auth_token_fields[] = {
    VP_FIELD("token", VP_STRING, .required = 1, .min = 1, .max = 200),
    VP_FIELDS_END
};

const vp_field_t vp_auth_confirm_fields[] = {
    VP_FIELD("token", VP_STRING, .required = 1, .min = 1, .max = 200),
    VP_FIELD("new_password", VP_STRING, .required = 1, .min = 8, .max = 128),
    VP_FIELDS_END
};

/* ---- handlers/users.c ---- */
const vp_field_t vp_user_me_fields[] = {
    VP_FIELD("nickname", VP_IDENT, .min = 2, .max = 30),
    VP_FIELD("avatar_url", VP_STRING, .max = 500, .nullable = 1),
    VP_FIELD("current_password", VP_STRING, .min = 1, .max = 1024),
    VP_FIELD("new_password", VP_STRING, .min = 8, .max = 128),
    VP_FIELD("locale", VP_ENUM, .choices = vp_locales),
    VP_FIELDS_END
};

const vp_field_t vp_user_delete_fields[] = {
    VP_FIELD("reason", VP_STRING, .max = 200, .nullable = 1),
    VP_FIELDS_END
};

/* ---- handlers/diagnostics.c ---- */
static const char *const kinds[] = {"general", "technical", "creative", "urgent", NULL};

const vp_field_t vp_diag_echo_fields[] = {
    VP_FIELD("name", VP_STRING, .required = 1, .min = 1, .max = 30),
    VP_FIELD("count", VP_INTEGER, .max = 100),
    VP_FIELD("ratio", VP_NUMBER, .max = 1),
    VP_FIELD("id", VP_UUID),
    VP_FIELD("kind", VP_ENUM, .choices = kinds),
    VP_FIELD("flag", VP_BOOLEAN),
    VP_FIELD("tags", VP_ARRAY, .max = 10),
    VP_FIELD("note", VP_STRING, .max = 200, .nullable = 1),
    VP_FIELDS_END
};

/* ---- handlers/projects.c ---- */
/* The schedule as the existing frontend sends it with a new project. */
const vp_field_t vp_project_process_fields[] = {
    VP_FIELD("key", VP_ENUM, .required = 1, .choices = vp_phase_names),
    VP_FIELD("startDate", VP_DATE, .nullable = 1),
    VP_FIELD("endDate", VP_DATE, .nullable = 1),
    VP_FIELDS_END
};

#define PROJECT_FIELDS(name_required) \
    VP_FIELD("name", VP_TEXT, .required = name_required, .min = 1, .max = 100), \
    VP_FIELD("manager", VP_TEXT, .max = 50), \
    VP_FIELD("consumer", VP_TEXT, .max = 50), \
    VP_FIELD("description", VP_STRING, .max = 5000), \
    VP_FIELD("color", VP_COLOR), \
    VP_FIELD("tone_manner", VP_TEXT, .max = 50, .nullable = 1), \
    VP_FIELD("genre", VP_TEXT, .max = 50, .nullable = 1), \
    VP_FIELD("concept", VP_TEXT, .max = 50, .nullable = 1), \
    VP_FIELD("status", VP_ENUM, .choices = vp_project_statuses), \
    VP_FIELD("progress", VP_INTEGER, .max = 100), \
    VP_FIELD("start_date", VP_DATE, .nullable = 1), \
    VP_FIELD("end_date", VP_DATE, .nullable = 1)

const vp_field_t vp_project_create_fields[] = {
    PROJECT_FIELDS(1),
    VP_FIELD("process", VP_ARRAY, .max = 8, .items = vp_project_process_fields),
    VP_FIELDS_END
};

const vp_field_t vp_project_update_fields[] = {
    PROJECT_FIELDS(0),
    VP_FIELD("actual_end_date", VP_DATE, .nullable = 1),
    VP_FIELD("archived", VP_BOOLEAN),
    VP_FIELDS_END
};

const vp_field_t vp_project_transfer_fields[] = {
    VP_FIELD("user_id", VP_UUID, .required = 1),
    VP_FIELDS_END
};

/* ---- handlers/members.c ---- */
static const char *const grantable[] = {"admin", "editor", "reviewer", "viewer", NULL};
static const char *const all_roles[] = {"owner", "admin", "editor", "reviewer", "viewer", NULL};

const vp_field_t vp_member_add_fields[] = {
    VP_FIELD("user_id", VP_UUID, .required = 1),
    VP_FIELD("role", VP_ENUM, .required = 1, .choices = grantable),
    VP_FIELDS_END
};

const vp_field_t vp_member_role_fields[] = {
    VP_FIELD("role", VP_ENUM, .required = 1, .choices = all_roles),
    VP_FIELDS_END
};

/* ---- handlers/schedule.c ---- */
static const char *const phase_statuses[] = {
    "not_started", "in_progress", "completed", "delayed", NULL
};

const vp_field_t vp_schedule_phase_fields[] = {
    VP_FIELD("phase", VP_ENUM, .required = 1, .choices = vp_phase_names),
    VP_FIELD("start_date", VP_DATE, .nullable = 1),
    VP_FIELD("end_date", VP_DATE, .nullable = 1),
    VP_FIELD("status", VP_ENUM, .choices = phase_statuses),
    VP_FIELD("progress", VP_INTEGER, .max = 100),
    VP_FIELD("actual_end_date", VP_DATE, .nullable = 1),
    VP_FIELDS_END
};

const vp_field_t vp_schedule_fields[] = {
    VP_FIELD("phases", VP_ARRAY, .required = 1, .min = 1, .max = 8, .items = vp_schedule_phase_fields),
    VP_FIELDS_END
};

/* ---- handlers/memos.c ---- */
const vp_field_t vp_memo_create_fields[] = {
    VP_FIELD("date", VP_DATE, .required = 1),
    VP_FIELD("memo", VP_STRING, .required = 1, .min = 1, .max = 2000),
    VP_FIELDS_END
};

const vp_field_t vp_memo_update_fields[] = {
    VP_FIELD("date", VP_DATE),
    VP_FIELD("memo", VP_STRING, .min = 1, .max = 2000),
    VP_FIELDS_END
};

const vp_field_t vp_video_update_fields[] = {
    VP_FIELD("title", VP_STRING, .required = 1, .min = 1, .max = 200),
    VP_FIELDS_END
};

/* ---- handlers/feedbacks.c ---- */
static const char *const feedback_kinds[] = {"general", "technical", "creative", "urgent", NULL};
static const char *const display_modes[] = {"realname", "nickname", "anonymous", NULL};
const char *const vp_feedback_priorities[] = {"low", "medium", "high", "critical", NULL};
const char *const vp_feedback_statuses[] = {"open", "in_progress", "resolved", "closed", NULL};

/* A position is given once, as seconds, a frame or a timecode
 * (handlers/feedbacks.c checks that and the video's length); tags are
 * checked item by item there. */
#define FEEDBACK_CONTENT_FIELDS(req) \
    VP_FIELD("timestamp", VP_NUMBER, .max = 86400), \
    VP_FIELD("frame", VP_INTEGER, .max = 86400 * 1000), \
    VP_FIELD("timecode", VP_STRING, .min = 11, .max = 12), \
    VP_FIELD("end_timestamp", VP_NUMBER, .max = 86400, .nullable = 1), \
    VP_FIELD("end_frame", VP_INTEGER, .max = 86400 * 1000, .nullable = 1), \
    VP_FIELD("end_timecode", VP_STRING, .min = 11, .max = 12, .nullable = 1), \
    VP_FIELD("content", VP_STRING, .required = (req), .min = 1, .max = 5000), \
    VP_FIELD("kind", VP_ENUM, .choices = feedback_kinds), \
    VP_FIELD("display_mode", VP_ENUM, .choices = display_modes), \
    VP_FIELD("display_name", VP_TEXT, .min = 1, .max = 20, .nullable = 1), \
    VP_FIELD("priority", VP_ENUM, .choices = vp_feedback_priorities), \
    VP_FIELD("tags", VP_ARRAY, .max = 10), \
    VP_FIELD("drawing_data", VP_OBJECT, .nullable = 1), \
    VP_FIELD("screenshot", VP_STRING, .nullable = 1)

const vp_field_t vp_feedback_create_fields[] = {
    VP_FIELD("video_id", VP_UUID, .required = 1),
    FEEDBACK_CONTENT_FIELDS(1),
    VP_FIELDS_END
};

const vp_field_t vp_feedback_update_fields[] = {
    FEEDBACK_CONTENT_FIELDS(0),
    VP_FIELD("status", VP_ENUM, .choices = vp_feedback_statuses),
    VP_FIELDS_END
};

const vp_field_t vp_feedback_carry_fields[] = {
    VP_FIELD("from_video_id", VP_UUID, .required = 1),
    VP_FIELDS_END
};

/* ---- handlers/calendar.c ---- */
const char *const vp_calendar_actions[] = {"create", "update", "delete", NULL};

/* A time is a date-time with an offset, or a date for an all-day event
 * (calendar_event_apply of sql/0013 makes the days of it). */
#define CALENDAR_FIELDS(req) \
    VP_FIELD("title", VP_TEXT, .required = (req), .min = 1, .max = 200), \
    VP_FIELD("description", VP_STRING, .max = 5000, .nullable = 1), \
    VP_FIELD("starts_at", VP_DATETIME, .required = (req)), \
    VP_FIELD("ends_at", VP_DATETIME, .required = (req)), \
    VP_FIELD("all_day", VP_BOOLEAN), \
    VP_FIELD("color", VP_COLOR)

const vp_field_t vp_calendar_create_fields[] = {
    CALENDAR_FIELDS(1),
    VP_FIELD("project_id", VP_UUID, .nullable = 1),
    VP_FIELDS_END
};

const vp_field_t vp_calendar_replace_fields[] = {
    CALENDAR_FIELDS(1),
    VP_FIELDS_END
};

const vp_field_t vp_calendar_update_fields[] = {
    CALENDAR_FIELDS(0),
    VP_FIELDS_END
};

/* one change of a batch; its event is checked against the create or
 * update table by the handler, which names the operation's index */
const vp_field_t vp_calendar_operation_fields[] = {
    VP_FIELD("action", VP_ENUM, .required = 1, .choices = vp_calendar_actions),
    VP_FIELD("id", VP_UUID),
    VP_FIELD("event", VP_OBJECT),
    VP_FIELDS_END
};

const vp_field_t vp_calendar_batch_fields[] = {
    VP_FIELD("operations", VP_ARRAY, .required = 1, .min = 1, .max = 100,
             .items = vp_calendar_operation_fields),
    VP_FIELDS_END
};

/* ---- handlers/plannings.c ---- */

/* options and the steps are checked by the generator's rules
 * (vp_plan_options, vp_plan_check_*): 422 naming the field */
#define PLANNING_FIELDS(req) \
    VP_FIELD("title", VP_TEXT, .required = (req), .min = 1, .max = 200), \
    VP_FIELD("planning_text", VP_STRING, .required = (req), .min = 1, .max = 20000), \
    VP_FIELD("options", VP_OBJECT), \
    VP_FIELD("framework_id", VP_UUID, .nullable = 1)

const vp_field_t vp_planning_create_fields[] = {
    PLANNING_FIELDS(1),
    VP_FIELD("project_id", VP_UUID, .nullable = 1),
    VP_FIELDS_END
};

const vp_field_t vp_planning_update_fields[] = {
    PLANNING_FIELDS(0),
    VP_FIELD("story", VP_OBJECT),
    VP_FIELD("scenes", VP_ARRAY, .max = 100),
    VP_FIELD("shots", VP_ARRAY, .max = 1000),
    VP_FIELD("storyboard", VP_ARRAY, .max = 1000),
    VP_FIELDS_END
};

#define FRAMEWORK_FIELDS(req) \
    VP_FIELD("name", VP_TEXT, .required = (req), .min = 1, .max = 100), \
    VP_FIELD("intro_hook", VP_STRING, .max = 1000), \
    VP_FIELD("immersion", VP_STRING, .max = 1000), \
    VP_FIELD("twist", VP_STRING, .max = 1000), \
    VP_FIELD("hook_next", VP_STRING, .max = 1000), \
    VP_FIELD("is_default", VP_BOOLEAN)

const vp_field_t vp_framework_create_fields[] = {
    FRAMEWORK_FIELDS(1),
    VP_FIELDS_END
};

const vp_field_t vp_framework_update_fields[] = {
    FRAMEWORK_FIELDS(0),
    VP_FIELDS_END
};

/* ---- handlers/notifications.c ---- */

const char *const vp_notification_email_modes[] = {"instant", "hourly", "daily", "off", NULL};

/* exactly one of the two (the handler checks it: 422) */
const vp_field_t vp_notification_read_fields[] = {
    VP_FIELD("ids", VP_ARRAY, .min = 1, .max = 100),
    VP_FIELD("all", VP_BOOLEAN),
    VP_FIELDS_END
};

/* a full replace: every member required; types is checked against
 * vp_notification_types_fields by the handler (problems as types.NAME) */
const vp_field_t vp_notification_settings_fields[] = {
    VP_FIELD("email", VP_ENUM, .required = 1, .choices = vp_notification_email_modes),
    VP_FIELD("types", VP_OBJECT, .required = 1),
    VP_FIELDS_END
};

const vp_field_t vp_notification_types_fields[] = {
    VP_FIELD("mention", VP_BOOLEAN, .required = 1),
    VP_FIELD("reply", VP_BOOLEAN, .required = 1),
    VP_FIELD("feedback", VP_BOOLEAN, .required = 1),
    VP_FIELD("status_change", VP_BOOLEAN, .required = 1),
    VP_FIELD("invitation", VP_BOOLEAN, .required = 1),
    VP_FIELDS_END
};

/* ---- handlers/comments.c ---- */
/* mentions: user ids (handlers/comments.c checks each is a UUID of a
 * member); a reaction: the words or one emoji (vpcore/vp_reaction.c) */
const vp_field_t vp_comment_create_fields[] = {
    VP_FIELD("content", VP_STRING, .required = 1, .min = 1, .max = 2000),
    VP_FIELD("parent_id", VP_UUID, .nullable = 1),
    VP_FIELD("mentions", VP_ARRAY, .max = 50),
    VP_FIELDS_END
};

const vp_field_t vp_comment_update_fields[] = {
    VP_FIELD("content", VP_STRING, .min = 1, .max = 2000),
    VP_FIELD("mentions", VP_ARRAY, .max = 50),
    VP_FIELDS_END
};

const vp_field_t vp_reaction_fields[] = {
    VP_FIELD("reaction", VP_STRING, .required = 1, .min = 1, .max = 64),
    VP_FIELDS_END
};

/* DELETE: the reaction in the body or as ?reaction= */
const vp_field_t vp_reaction_delete_fields[] = {
    VP_FIELD("reaction", VP_STRING, .min = 1, .max = 64),
    VP_FIELDS_END
};

/* ---- handlers/invitations.c ---- */
/* each email: a string (handlers/invitations.c: an address that is not
 * one goes to failed, the batch goes on) */
static const char *const invitable[] = {"viewer", "reviewer", "editor", NULL};

const vp_field_t vp_invitation_create_fields[] = {
    VP_FIELD("emails", VP_ARRAY, .required = 1, .min = 1, .max = 100),
    VP_FIELD("role", VP_ENUM, .choices = invitable),
    VP_FIELD("message", VP_STRING, .max = 1000),
    VP_FIELD("expires_at", VP_DATETIME, .nullable = 1),
    VP_FIELDS_END
};

const vp_field_t vp_invitation_accept_fields[] = {
    VP_FIELD("token", VP_STRING, .required = 1, .min = 1, .max = 200),
    VP_FIELDS_END
};

const vp_field_t vp_friend_add_fields[] = {
    VP_FIELD("user_id", VP_UUID, .required = 1),
    VP_FIELDS_END
};

/* the C name, the rows, and the name of its schema in the OpenAPI document */
#define TABLE(t, schema) {#t, t, schema}

const vp_field_table_t vp_field_tables[] = {
    TABLE(vp_auth_signup_fields, "SignupRequest"),
    TABLE(vp_auth_credential_fields, "CredentialsRequest"),
    TABLE(vp_auth_refresh_fields, "RefreshRequest"),
    TABLE(vp_auth_logout_fields, "LogoutRequest"),
    TABLE(vp_auth_email_fields, "CheckEmailRequest"),
    TABLE(vp_auth_nickname_fields, "CheckNicknameRequest"),
    TABLE(vp_auth_token_fields, "VerifyEmailRequest"),
    TABLE(vp_auth_confirm_fields, "PasswordResetConfirmRequest"),
    TABLE(vp_user_me_fields, "MePatchRequest"),
    TABLE(vp_user_delete_fields, "MeDeleteRequest"),
    TABLE(vp_diag_echo_fields, "EchoRequest"),
    TABLE(vp_project_process_fields, "ProcessItem"),
    TABLE(vp_project_create_fields, "ProjectCreateRequest"),
    TABLE(vp_project_update_fields, "ProjectUpdateRequest"),
    TABLE(vp_project_transfer_fields, "TransferRequest"),
    TABLE(vp_member_add_fields, "MemberAddRequest"),
    TABLE(vp_member_role_fields, "MemberRoleRequest"),
    TABLE(vp_schedule_phase_fields, "PhaseUpdate"),
    TABLE(vp_schedule_fields, "ScheduleRequest"),
    TABLE(vp_memo_create_fields, "MemoCreateRequest"),
    TABLE(vp_memo_update_fields, "MemoUpdateRequest"),
    TABLE(vp_video_update_fields, "VideoUpdateRequest"),
    /* appended: a table's position picks it for the body harness's seeds */
    TABLE(vp_auth_reset_fields, "PasswordResetRequest"),
    TABLE(vp_feedback_create_fields, "FeedbackCreateRequest"),
    TABLE(vp_feedback_update_fields, "FeedbackUpdateRequest"),
    TABLE(vp_feedback_carry_fields, "CarryFeedbackRequest"),
    TABLE(vp_calendar_create_fields, "CalendarEventCreateRequest"),
    TABLE(vp_calendar_replace_fields, "CalendarEventReplaceRequest"),
    TABLE(vp_calendar_update_fields, "CalendarEventUpdateRequest"),
    TABLE(vp_calendar_operation_fields, "CalendarOperation"),
    TABLE(vp_calendar_batch_fields, "CalendarBatchRequest"),
    TABLE(vp_notification_read_fields, "NotificationReadRequest"),
    TABLE(vp_notification_settings_fields, "NotificationSettingsRequest"),
    TABLE(vp_notification_types_fields, "NotificationTypes"),
    TABLE(vp_comment_create_fields, "CommentCreateRequest"),
    TABLE(vp_comment_update_fields, "CommentUpdateRequest"),
    TABLE(vp_reaction_fields, "ReactionRequest"),
    TABLE(vp_reaction_delete_fields, "ReactionDeleteRequest"),
    TABLE(vp_planning_create_fields, "PlanningCreateRequest"),
    TABLE(vp_planning_update_fields, "PlanningUpdateRequest"),
    TABLE(vp_framework_create_fields, "PlanningFrameworkCreateRequest"),
    TABLE(vp_framework_update_fields, "PlanningFrameworkUpdateRequest"),
    TABLE(vp_invitation_create_fields, "InvitationCreateRequest"),
    TABLE(vp_invitation_accept_fields, "InvitationAcceptRequest"),
    TABLE(vp_friend_add_fields, "FriendAddRequest"),
};

const int vp_nfield_tables = sizeof vp_field_tables / sizeof vp_field_tables[0];
