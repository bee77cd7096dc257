#include "vp_fields.h"

const char *const vp_phase_names[] = {
    "basic_plan", "story_board", "filming", "video_edit", "post_work", "video_preview",
    "confirmation", "video_delivery", NULL
};

const char *const vp_project_statuses[] = {
    "planning", "in_progress", "review", "completed", "on_hold", "cancelled", NULL
};

/* ---- handlers/auth.c ---- */
const vp_field_t vp_auth_signup_fields[] = {
    {"email",    VP_EMAIL,  1, 3, 254, NULL, 0, NULL},
    {"password", VP_STRING, 1, 8, 128, NULL, 0, NULL},
    {"nickname", VP_IDENT,  1, 2, 30, NULL, 0, NULL},
    {NULL}
};

const vp_field_t vp_auth_credential_fields[] = {
    {"email",    VP_STRING, 1, 1, 254, NULL, 0, NULL},
    {"password", VP_STRING, 1, 1, 1024, NULL, 0, NULL},
    {NULL}
};

const vp_field_t vp_auth_refresh_fields[] = {
    {"refresh_token", VP_STRING, 1, 1, 4096, NULL, 0, NULL},
    {NULL}
};

const vp_field_t vp_auth_logout_fields[] = {
    {"refresh_token", VP_STRING,  0, 1, 4096, NULL, 0, NULL},
    {"all",           VP_BOOLEAN, 0, 0, 0, NULL, 0, NULL},
    {NULL}
};

const vp_field_t vp_auth_email_fields[] = {
    {"email", VP_EMAIL, 1, 3, 254, NULL, 0, NULL},
    {NULL}
};

const vp_field_t vp_auth_nickname_fields[] = {
    {"nickname", VP_IDENT, 1, 2, 30, NULL, 0, NULL},
    {NULL}
};

/* Like a login, a lookup: any spelling of an address finds its account
 * through the key (signup is where spellings are refused). */
const vp_field_t vp_auth_reset_fields[] = {
    {"email", VP_STRING, 1, 3, 254, NULL, 0, NULL},
    {NULL}
};

const vp_field_t vp_auth_token_fields[] = {
    {"token", VP_STRING, 1, 1, 200, NULL, 0, NULL},
    {NULL}
};

const vp_field_t vp_auth_confirm_fields[] = {
    {"token",        VP_STRING, 1, 1, 200, NULL, 0, NULL},
    {"new_password", VP_STRING, 1, 8, 128, NULL, 0, NULL},
    {NULL}
};

/* ---- handlers/users.c ---- */
const vp_field_t vp_user_me_fields[] = {
    {"nickname",         VP_IDENT,  0, 2, 30, NULL, 0, NULL},
    {"avatar_url",       VP_STRING, 0, 0, 500, NULL, 1, NULL},
    {"current_password", VP_STRING, 0, 1, 1024, NULL, 0, NULL},
    {"new_password",     VP_STRING, 0, 8, 128, NULL, 0, NULL},
    {NULL}
};

const vp_field_t vp_user_delete_fields[] = {
    {"reason", VP_STRING, 0, 0, 200, NULL, 1, NULL},
    {NULL}
};

/* ---- handlers/diagnostics.c ---- */
static const char *const kinds[] = {"general", "technical", "creative", "urgent", NULL};

const vp_field_t vp_diag_echo_fields[] = {
    {"name",    VP_STRING,  1, 1, 30, NULL, 0, NULL},
    {"count",   VP_INTEGER, 0, 0, 100, NULL, 0, NULL},
    {"ratio",   VP_NUMBER,  0, 0, 1, NULL, 0, NULL},
    {"id",      VP_UUID,    0, 0, 0, NULL, 0, NULL},
    {"kind",    VP_ENUM,    0, 0, 0, kinds, 0, NULL},
    {"flag",    VP_BOOLEAN, 0, 0, 0, NULL, 0, NULL},
    {"tags",    VP_ARRAY,   0, 0, 10, NULL, 0, NULL},
    {"note",    VP_STRING,  0, 0, 200, NULL, 1, NULL},
    {NULL}
};

/* ---- handlers/projects.c ---- */
/* The schedule as the existing frontend sends it with a new project. */
const vp_field_t vp_project_process_fields[] = {
    {"key",       VP_ENUM, 1, 0, 0, vp_phase_names, 0, NULL},
    {"startDate", VP_DATE, 0, 0, 0, NULL, 1, NULL},
    {"endDate",   VP_DATE, 0, 0, 0, NULL, 1, NULL},
    {NULL}
};

#define PROJECT_FIELDS(name_required) \
    {"name",        VP_TEXT,    name_required, 1, 100, NULL, 0, NULL}, \
    {"manager",     VP_TEXT,    0, 0, 50, NULL, 0, NULL}, \
    {"consumer",    VP_TEXT,    0, 0, 50, NULL, 0, NULL}, \
    {"description", VP_STRING,  0, 0, 5000, NULL, 0, NULL}, \
    {"color",       VP_COLOR,   0, 0, 0, NULL, 0, NULL}, \
    {"tone_manner", VP_TEXT,    0, 0, 50, NULL, 1, NULL}, \
    {"genre",       VP_TEXT,    0, 0, 50, NULL, 1, NULL}, \
    {"concept",     VP_TEXT,    0, 0, 50, NULL, 1, NULL}, \
    {"status",      VP_ENUM,    0, 0, 0, vp_project_statuses, 0, NULL}, \
    {"progress",    VP_INTEGER, 0, 0, 100, NULL, 0, NULL}, \
    {"start_date",  VP_DATE,    0, 0, 0, NULL, 1, NULL}, \
    {"end_date",    VP_DATE,    0, 0, 0, NULL, 1, NULL}

const vp_field_t vp_project_create_fields[] = {
    PROJECT_FIELDS(1),
    {"process", VP_ARRAY, 0, 0, 8, NULL, 0, vp_project_process_fields},
    {NULL}
};

const vp_field_t vp_project_update_fields[] = {
    PROJECT_FIELDS(0),
    {"actual_end_date", VP_DATE,    0, 0, 0, NULL, 1, NULL},
    {"archived",        VP_BOOLEAN, 0, 0, 0, NULL, 0, NULL},
    {NULL}
};

const vp_field_t vp_project_transfer_fields[] = {
    {"user_id", VP_UUID, 1, 0, 0, NULL, 0, NULL},
    {NULL}
};

/* ---- handlers/members.c ---- */
static const char *const grantable[] = {"admin", "editor", "reviewer", "viewer", NULL};
static const char *const all_roles[] = {"owner", "admin", "editor", "reviewer", "viewer", NULL};

const vp_field_t vp_member_add_fields[] = {
    {"user_id", VP_UUID, 1, 0, 0, NULL, 0, NULL},
    {"role",    VP_ENUM, 1, 0, 0, grantable, 0, NULL},
    {NULL}
};

const vp_field_t vp_member_role_fields[] = {
    {"role", VP_ENUM, 1, 0, 0, all_roles, 0, NULL},
    {NULL}
};

/* ---- handlers/schedule.c ---- */
static const char *const phase_statuses[] = {
    "not_started", "in_progress", "completed", "delayed", NULL
};

const vp_field_t vp_schedule_phase_fields[] = {
    {"phase",           VP_ENUM,    1, 0, 0, vp_phase_names, 0, NULL},
    {"start_date",      VP_DATE,    0, 0, 0, NULL, 1, NULL},
    {"end_date",        VP_DATE,    0, 0, 0, NULL, 1, NULL},
    {"status",          VP_ENUM,    0, 0, 0, phase_statuses, 0, NULL},
    {"progress",        VP_INTEGER, 0, 0, 100, NULL, 0, NULL},
    {"actual_end_date", VP_DATE,    0, 0, 0, NULL, 1, NULL},
    {NULL}
};

const vp_field_t vp_schedule_fields[] = {
    {"phases", VP_ARRAY, 1, 1, 8, NULL, 0, vp_schedule_phase_fields},
    {NULL}
};

/* ---- handlers/memos.c ---- */
const vp_field_t vp_memo_create_fields[] = {
    {"date", VP_DATE,   1, 0, 0, NULL, 0, NULL},
    {"memo", VP_STRING, 1, 1, 2000, NULL, 0, NULL},
    {NULL}
};

const vp_field_t vp_memo_update_fields[] = {
    {"date", VP_DATE,   0, 0, 0, NULL, 0, NULL},
    {"memo", VP_STRING, 0, 1, 2000, NULL, 0, NULL},
    {NULL}
};

#define TABLE(t) {#t, t}

const vp_field_table_t vp_field_tables[] = {
    TABLE(vp_auth_signup_fields),
    TABLE(vp_auth_credential_fields),
    TABLE(vp_auth_refresh_fields),
    TABLE(vp_auth_logout_fields),
    TABLE(vp_auth_email_fields),
    TABLE(vp_auth_nickname_fields),
    TABLE(vp_auth_token_fields),
    TABLE(vp_auth_confirm_fields),
    TABLE(vp_user_me_fields),
    TABLE(vp_user_delete_fields),
    TABLE(vp_diag_echo_fields),
    TABLE(vp_project_process_fields),
    TABLE(vp_project_create_fields),
    TABLE(vp_project_update_fields),
    TABLE(vp_project_transfer_fields),
    TABLE(vp_member_add_fields),
    TABLE(vp_member_role_fields),
    TABLE(vp_schedule_phase_fields),
    TABLE(vp_schedule_fields),
    TABLE(vp_memo_create_fields),
    TABLE(vp_memo_update_fields),
    /* appended: a table's position picks it for the body harness's seeds */
    TABLE(vp_auth_reset_fields),
};

const int vp_nfield_tables = sizeof vp_field_tables / sizeof vp_field_tables[0];
