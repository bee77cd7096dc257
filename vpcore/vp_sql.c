#include "vp_sql.h"
#include "vp_text.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const vp_stmt_t vp_statements[VP_SQL_COUNT + 1] = {
#define VP_SQL(name, n, text) [VP_SQL_##name] = {#name, n, text},
#include "sql/all.def"
#undef VP_SQL
    {NULL, 0, NULL}
};

static const vp_constraint_t constraints[] = {
    {"users_email_key", "email", "is already registered"},
    {"users_nickname_key", "nickname", "is already taken"},
    {"projects_owner_name", "name", "is already the name of another of the owner's projects"},
    {"video_stacks_title", "title", "is already the title of another video of the project"},
    {"projects_dates", "end_date", "must not be before start_date"},
    {"project_phases_dates", "end_date", "must not be before start_date"},
    {"project_members_pkey", "user_id", "is already a member"},
    {"feedbacks_nickname", "display_name", "is required with display_mode nickname"},
    {"feedbacks_range", "end_timestamp", "must be after timestamp (a later frame)"},
    {"calendar_events_order", "ends_at", "must not be before starts_at"},
    {"calendar_events_days", "ends_at", "must not be before starts_at"},
    {"calendar_events_timed", "starts_at",
     "must be a date-time with an offset (a date alone is an all-day event's day)"},
    {NULL, NULL, NULL}
};

const vp_constraint_t *vp_constraint(const char *name)
{
    const vp_constraint_t *c;

    for (c = constraints; name && c->constraint; c++)
        if (strcmp(c->constraint, name) == 0)
            return c;
    return NULL;
}

char *vp_like_pattern(apr_pool_t *p, const char *term, int anywhere)
{
    char *nfc = vp_text_nfc(term);     /* stored text is NFC, so is its search */
    const char *t = nfc ? nfc : term, *c;
    char *pattern = apr_palloc(p, strlen(t) * 2 + 3), *o = pattern;

    if (anywhere)
        *o++ = '%';
    for (c = t; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            *o++ = '\\';
        *o++ = *c;
    }
    *o++ = '%';
    *o = '\0';
    free(nfc);
    return pattern;
}
