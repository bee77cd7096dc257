/* Comments and reactions (spec section 6): a feedback's thread read in one
 * statement and nested here by parent_id; mentions (explicit ids and
 * @nicknames of members) and replies notified in the comment's own
 * transaction (vplanet_notify); reactions toggled on a comment or a
 * feedback. Reviewers and above write (VP_ACT_FEEDBACK), a comment's
 * author edits it, its author or an admin deletes it
 * (VP_ACT_FEEDBACK_MODERATE). */
#include "../handlers.h"
#include "../db.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <ctype.h>

#include "vpcore/vp_reaction.h"

#define NO_FEEDBACK "no such feedback"
#define NO_COMMENT "no such comment"
#define COMMENT_CAP 1000        /* comments (deleted ones too) per feedback */
#define AT_MAX 50               /* @ signs of a text that are looked up */
#define NICK_MIN 2              /* a nickname's length in characters (vp_fields.c) */
#define NICK_MAX 30

/* ---- the thread ---- */

/* Drops from replies (an array) every deleted comment left without
 * replies, deepest first: a deleted comment stays only as the placeholder
 * of a thread that goes on below it. */
static void prune(json_t *replies)
{
    size_t i = json_array_size(replies);

    while (i-- > 0) {
        json_t *c = json_array_get(replies, i), *below = json_object_get(c, "replies");

        prune(below);
        if (json_is_true(json_object_get(c, "deleted")) && json_array_size(below) == 0)
            json_array_remove(replies, i);
    }
}

/* The comments of res (in order of writing) as the trees of their
 * top-level comments (pool-owned). */
static json_t *thread_of(vp_req_t *q, const PGresult *res, int *live)
{
    apr_pool_t *p = q->r->pool;
    int n = PQntuples(res), i;
    json_t **node = apr_pcalloc(p, (n ? n : 1) * sizeof *node);
    json_t *roots = vp_json_pool(p, json_array());
    apr_hash_t *by_id = apr_hash_make(p);

    *live = 0;
    for (i = 0; i < n; i++) {
        node[i] = vp_json_pool(p, vp_db_row(res, i));
        json_object_set_new(node[i], "replies", json_array());
        apr_hash_set(by_id, PQgetvalue(res, i, 0), APR_HASH_KEY_STRING, node[i]);
        *live += !json_is_true(json_object_get(node[i], "deleted"));
    }
    /* a reply hangs from its parent whatever their order: a reply's
     * transaction may have begun (its created_at) before its parent's
     * committed */
    for (i = 0; i < n; i++) {
        const char *parent = json_string_value(json_object_get(node[i], "parent_id"));
        json_t *up = parent ? apr_hash_get(by_id, parent, APR_HASH_KEY_STRING) : NULL;

        json_array_append(up && up != node[i] ? json_object_get(up, "replies") : roots, node[i]);
    }
    prune(roots);
    return roots;
}

int vp_h_comment_list(vp_req_t *q)
{
    const char *id;
    vp_answer_t remembered;
    PGresult *res;
    json_t *roots;
    int st, live;

    if ((st = vp_param_uuid(q, "id", NO_FEEDBACK, &id))
        || (st = vp_object_access(q, VP_ACT_VIEW, VP_SQL_FEEDBACK_ACCESS, id, NO_FEEDBACK, NULL)))
        return st;
    /* a review screen polling the thread: the same answer while nothing
     * was written to the project (VPlanetListCache) */
    if (vp_answer_find(q, q->project_id, &remembered))
        return vp_ok(q, HTTP_OK, "comments", NULL);
    if ((st = vp_db_exec(q, VP_SQL_COMMENT_THREAD, &res, id)))
        return st;
    roots = thread_of(q, res, &live);
    st = vp_ok(q, HTTP_OK, "comments",
               json_pack("{s:s, s:i, s:O}", "feedback_id", vp_media_id(q->r->pool, id),
                         "comments_count", live, "results", roots));
    vp_answer_keep(q, &remembered);
    return st;
}

/* One comment as the thread shows it, with no replies yet (pool-owned);
 * 0 or a recorded error. */
static int comment_of(vp_req_t *q, const char *id, json_t **out)
{
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_COMMENT_GET, &res, id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_COMMENT, NULL);
    *out = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    json_object_set_new(*out, "replies", json_array());
    return 0;
}

/* ---- mentions ---- */

/* s (n bytes) as an element of a PostgreSQL array literal: quoted, its
 * quotes and backslashes escaped */
static const char *array_item(apr_pool_t *p, const char *s, size_t n)
{
    char *out = apr_palloc(p, 2 * n + 3), *o = out;
    size_t i;

    *o++ = '"';
    for (i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            *o++ = '\\';
        *o++ = s[i];
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* The bytes of the UTF-8 character at s (1 for a stray byte) */
static size_t char_len(const char *s)
{
    unsigned char c = (unsigned char)*s;

    return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* what a nickname is not followed by in a mention: the rest of a word
 * (ASCII letters, digits, _ and -), so @bob does not match in @bobby */
static int word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* what a mention's @ does not follow: an email address's local part */
static int local_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == '+';
}

/* An @name candidate: len bytes after the at-th @ sign looked at. */
typedef struct {
    int at;
    const char *start;          /* after the @ */
    size_t len;
    const char *user;           /* the member it names, once looked up */
    const char *nickname;
} candidate_t;

/* The @name candidates of text: after an @ at the start or after a
 * character that is no part of an email's local part, every prefix of 2
 * to 30 characters of the words that follow (single spaces between
 * words, as in a nickname) that ends where a word does. */
static apr_array_header_t *candidates(apr_pool_t *p, const char *text)
{
    apr_array_header_t *c = apr_array_make(p, 16, sizeof(candidate_t));
    const char *s;
    int at = 0;

    for (s = strchr(text, '@'); s && at < AT_MAX; s = strchr(s + 1, '@')) {
        const char *e = s + 1;
        int chars = 0;

        if ((s > text && local_char(s[-1])) || s[1] == ' ')
            continue;
        while (*e && chars < NICK_MAX) {
            if (*e == '@' || (unsigned char)*e < 0x20 || (*e == ' ' && (e[1] == ' ' || !e[1])))
                break;
            e += char_len(e);
            chars++;
            if (chars >= NICK_MIN && e[-1] != ' ' && !word_char(*e)) {
                candidate_t *k = apr_array_push(c);

                k->at = at;
                k->start = s + 1;
                k->len = (size_t)(e - (s + 1));
                k->user = k->nickname = NULL;
            }
        }
        at++;
    }
    return c;
}

/* The mentions of a comment: the user ids given (an array of UUIDs, may be
 * NULL) and the members the @names of text name (may be NULL; the longest
 * nickname wins at each @), each once, as an array literal in *ids. Every
 * given id must be an active member of the project: 0, or 400/422 naming
 * the offending items. */
static int resolve_mentions(vp_req_t *q, const json_t *given, const char *text, const char **ids)
{
    apr_pool_t *p = q->r->pool;
    apr_array_header_t *cand = text ? candidates(p, text) : NULL;
    const char *cands, *explicit = "{", *out = "{", *bad = NULL;
    apr_array_header_t *items;
    json_t *details = vp_json_pool(p, json_object()), *v;
    apr_hash_t *seen = apr_hash_make(p);
    candidate_t *k = cand ? (candidate_t *)cand->elts : NULL;
    PGresult *res;
    size_t i;
    int st, r, j, ncand = cand ? cand->nelts : 0, wrong_type = 0, nout = 0, nexp = 0;

    json_array_foreach(given, i, v) {
        const char *id = json_string_value(v);
        const char *field = apr_psprintf(p, "mentions[%" APR_SIZE_T_FMT "]", i);

        if (!id) {
            vp_detail_add(details, field, "must be a string (a user id)");
            wrong_type = 1;
        } else if (!vp_is_uuid(id))
            vp_detail_add(details, field, "is not a valid UUID");
        else
            explicit = apr_pstrcat(p, explicit, nexp++ ? "," : "", id, NULL);
    }
    if (json_object_size(details))
        return vp_fail(q, wrong_type ? HTTP_BAD_REQUEST : HTTP_UNPROCESSABLE_ENTITY, NULL,
                       "invalid mentions", details);
    /* (up to AT_MAX x NICK_MAX of them: joined once, not one by one) */
    items = apr_array_make(p, ncand ? ncand : 1, sizeof(const char *));
    for (j = 0; j < ncand; j++)
        *(const char **)apr_array_push(items) = array_item(p, k[j].start, k[j].len);
    cands = apr_pstrcat(p, "{", apr_array_pstrcat(p, items, ','), "}", NULL);
    explicit = apr_pstrcat(p, explicit, "}", NULL);
    *ids = "{}";
    if (ncand == 0 && json_array_size(given) == 0)
        return 0;
    if ((st = vp_db_exec(q, VP_SQL_COMMENT_MENTIONS, &res, q->project_id, cands, explicit)))
        return st;
    /* the given ids first, in their order */
    for (r = 0; r < PQntuples(res); r++) {
        const char *id = PQgetvalue(res, r, 1);
        int idx = atoi(PQgetvalue(res, r, 0));

        if (idx > 0 && idx <= ncand) {
            k[idx - 1].user = id;
            continue;
        }
        if (PQgetisnull(res, r, 2)) {
            bad = apr_pstrcat(p, bad ? bad : "", bad ? ", " : "", id, NULL);
            vp_detail_add(details, "mentions",
                          apr_pstrcat(p, id, " is not a member of this project", NULL));
        } else if (!apr_hash_get(seen, id, APR_HASH_KEY_STRING)) {
            apr_hash_set(seen, id, APR_HASH_KEY_STRING, id);
            out = apr_pstrcat(p, out, nout++ ? "," : "", id, NULL);
        }
    }
    if (bad)
        return vp_fail(q, HTTP_UNPROCESSABLE_ENTITY, NULL,
                       apr_pstrcat(p, "mentions must be members of the project: ", bad, NULL),
                       details);
    /* then each @'s longest match (its candidates come longest last) */
    for (j = 0; j < ncand; j++) {
        const char *best = NULL;
        int at = k[j].at;

        for (; j < ncand && k[j].at == at; j++)
            if (k[j].user)
                best = k[j].user;
        j--;
        if (best && !apr_hash_get(seen, best, APR_HASH_KEY_STRING)) {
            apr_hash_set(seen, best, APR_HASH_KEY_STRING, best);
            out = apr_pstrcat(p, out, nout++ ? "," : "", best, NULL);
        }
    }
    *ids = apr_pstrcat(p, out, "}", NULL);
    return 0;
}

/* ---- writes ---- */

typedef struct {
    const char *feedback;
    const char *parent;         /* NULL: a top-level comment */
    const char *content;
    const char *mentions;       /* an array literal */
    const char *parent_author;  /* set under the lock */
} comment_ctx_t;

/* Under the lock, before the insert: the feedback is live, the parent a
 * live comment of it, and the thread has room. */
static int room(vp_req_t *q, const char *const *params)
{
    comment_ctx_t *c = q->ctx;
    PGresult *res;
    int st;

    (void)params;
    if ((st = vp_db_exec(q, VP_SQL_COMMENT_ROOM, &res, c->feedback, c->parent, q->project_id)))
        return st;
    if (strcmp(PQgetvalue(res, 0, 1), "t"))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_FEEDBACK, NULL);
    if (c->parent && strcmp(PQgetvalue(res, 0, 2), "t"))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "parent_id",
                             "names no live comment of this feedback");
    if (atol(PQgetvalue(res, 0, 0)) >= COMMENT_CAP)
        return vp_fail(q, HTTP_CONFLICT, NULL,
                       apr_psprintf(q->r->pool, "a feedback holds at most %d comments",
                                    COMMENT_CAP), NULL);
    c->parent_author = PQgetisnull(res, 0, 3) ? NULL : PQgetvalue(res, 0, 3);
    return 0;
}

/* Under the lock, after the insert: the notifications, then the comment
 * as the answer and the event's payload. */
static int added(vp_req_t *q, const PGresult *res, json_t **out, json_t **event)
{
    comment_ctx_t *c = q->ctx;
    const char *id = PQgetvalue(res, 0, 0);
    int st;

    if ((st = vp_db_exec(q, VP_SQL_COMMENT_NOTIFY, NULL, c->mentions, c->parent_author,
                         q->who->kind == VP_KIND_USER ? q->who->id : NULL, q->project_id, c->feedback, id, c->content))
        || (st = comment_of(q, id, out)))
        return st;
    *event = *out;
    return 0;
}

static const vp_write_t comment_added = {
    .action = VP_ACT_FEEDBACK, .event = "comment.added", .touch = 1, .status = HTTP_CREATED,
    .message = "comment added", .missing = NO_FEEDBACK, .before = room, .after = added,
};

int vp_h_comment_create(vp_req_t *q)
{
    comment_ctx_t *c = apr_pcalloc(q->r->pool, sizeof *c);
    json_t *body;
    int st, guest;

    if ((st = vp_param_uuid(q, "id", NO_FEEDBACK, &c->feedback))
        || (st = vp_object_access(q, VP_ACT_FEEDBACK, VP_SQL_FEEDBACK_ACCESS, c->feedback,
                                  NO_FEEDBACK, NULL))
        || (st = vp_read_json(q, vp_comment_create_fields, &body)))
        return st;
    c->content = vp_str(body, "content");
    c->parent = vp_str(body, "parent_id");
    if ((st = resolve_mentions(q, json_object_get(body, "mentions"), c->content, &c->mentions)))
        return st;
    q->ctx = c;
    guest = q->who->kind == VP_KIND_GUEST;
    /* a guest's writes count against its invitation (spec section 7) */
    if (guest && (st = vp_rate_limit(q, VP_RL_GUEST, q->who->id)))
        return st;
    return vp_write(q, &comment_added, NULL, VP_SQL_COMMENT_INSERT, q->project_id, c->feedback,
                    guest ? NULL : q->who->id, c->parent, c->content, c->mentions,
                    guest ? q->who->email : NULL);
}

/* After an edit: the mentions it added are notified (those made before
 * are not again), and the comment answers. */
static int edited(vp_req_t *q, const PGresult *res, json_t **out, json_t **event)
{
    const char *id = PQgetvalue(res, 0, 0), *content = q->ctx;
    int st;

    if ((st = comment_of(q, id, out)))
        return st;
    if (!content)
        content = json_string_value(json_object_get(*out, "content"));
    if ((st = vp_db_exec(q, VP_SQL_COMMENT_NOTIFY, NULL, PQgetvalue(res, 0, 2), NULL,
                         q->who->id, q->project_id, PQgetvalue(res, 0, 1), id, content)))
        return st;
    *event = *out;
    return 0;
}

static const vp_write_t comment_updated = {
    .action = VP_ACT_FEEDBACK, .event = "comment.updated", .touch = 1, .status = HTTP_OK,
    .message = "comment updated", .missing = NO_COMMENT, .after = edited,
};

/* 1 when the caller wrote the comment of the access row res */
static int is_author(const vp_req_t *q, const PGresult *res)
{
    return !PQgetisnull(res, 0, 1) && q->who->kind == VP_KIND_USER
           && strcasecmp(PQgetvalue(res, 0, 1), q->who->id) == 0;
}

int vp_h_comment_update(vp_req_t *q)
{
    const char *id, *content, *mentions;
    json_t *body, *given;
    PGresult *acc;
    int st;

    if ((st = vp_param_uuid(q, "id", NO_COMMENT, &id))
        || (st = vp_object_access(q, VP_ACT_READ, VP_SQL_COMMENT_ACCESS, id, NO_COMMENT, &acc)))
        return st;
    if (!(is_author(q, acc) && vp_may(q->who->kind, q->role, VP_ACT_FEEDBACK)))
        return vp_fail(q, HTTP_FORBIDDEN, NULL, "only its author edits a comment", NULL);
    if ((st = vp_read_json(q, vp_comment_update_fields, &body)))
        return st;
    content = vp_str(body, "content");
    given = json_object_get(body, "mentions");
    if (!content && !given)
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "content",
                             "give content or mentions (or both)");
    if ((st = resolve_mentions(q, given, content, &mentions)))
        return st;
    q->ctx = (void *)content;
    return vp_write(q, &comment_updated, NULL, VP_SQL_COMMENT_UPDATE, q->project_id, id, content,
                    mentions, given ? "t" : "f");
}

static const vp_write_t comment_deleted = {
    .action = VP_ACT_FEEDBACK, .event = "comment.deleted", .touch = 1, .status = HTTP_OK,
    .message = "comment deleted", .missing = NO_COMMENT,
};
/* the same, of someone else's: admins and the owner */
static const vp_write_t comment_removed = {
    .action = VP_ACT_FEEDBACK_MODERATE, .event = "comment.deleted", .touch = 1,
    .status = HTTP_OK, .message = "comment deleted", .missing = NO_COMMENT,
};

int vp_h_comment_delete(vp_req_t *q)
{
    const char *id;
    PGresult *acc;
    int st, mine;

    if ((st = vp_param_uuid(q, "id", NO_COMMENT, &id))
        || (st = vp_object_access(q, VP_ACT_READ, VP_SQL_COMMENT_ACCESS, id, NO_COMMENT, &acc)))
        return st;
    mine = is_author(q, acc);
    if (!vp_may(q->who->kind, q->role, mine ? VP_ACT_FEEDBACK : VP_ACT_FEEDBACK_MODERATE))
        return vp_fail(q, HTTP_FORBIDDEN, NULL,
                       "only its author or an admin deletes a comment", NULL);
    return vp_write(q, mine ? &comment_deleted : &comment_removed, NULL, VP_SQL_COMMENT_DELETE,
                    q->project_id, id);
}

/* ---- reactions ---- */

typedef struct {
    int on_feedback;            /* the target: a feedback, else a comment */
    const char *reaction;       /* its stored form */
} reaction_ctx_t;

/* After a toggle: who reacted how on the target now, as the answer and
 * the event's payload. */
static int toggled(vp_req_t *q, const PGresult *res, json_t **out, json_t **event)
{
    const reaction_ctx_t *c = q->ctx;
    const char *target = PQgetvalue(res, 0, 0);
    PGresult *sum;
    int st;

    _Static_assert(VP_SQL_REACTION_FEEDBACK_SUMMARY_ARGS == 1
                   && VP_SQL_REACTION_COMMENT_SUMMARY_ARGS == 1, "one parameter each");
    if ((st = vp_db_run(q, c->on_feedback ? VP_SQL_REACTION_FEEDBACK_SUMMARY
                                          : VP_SQL_REACTION_COMMENT_SUMMARY, &sum, 1,
                        VP_PARAMS(target))))
        return st;
    *out = vp_json_pool(q->r->pool, vp_db_row(sum, 0));
    if (!c->on_feedback)
        json_object_set_new(*out, "comment_id", json_string(target));
    json_object_set_new(*out, "feedback_id", json_string(PQgetvalue(res, 0, 1)));
    json_object_set_new(*out, "reaction", json_string(c->reaction));
    json_object_set_new(*out, "user_id", json_string(q->who->id));
    json_object_set_new(*out, "added", json_boolean(PQgetvalue(res, 0, 2)[0] == 't'));
    json_object_set_new(*out, "removed", json_boolean(PQgetvalue(res, 0, 3)[0] == 't'));
    *event = *out;
    return 0;
}

static const vp_write_t comment_reacted = {
    .action = VP_ACT_REACT, .event = "reaction.changed", .status = HTTP_OK,
    .message = "reactions", .missing = NO_COMMENT, .after = toggled,
};
static const vp_write_t feedback_reacted = {
    .action = VP_ACT_REACT, .event = "reaction.changed", .status = HTTP_OK,
    .message = "reactions", .missing = NO_FEEDBACK, .after = toggled,
};

/* POST toggles the caller's reaction on a comment or a feedback, DELETE
 * (remove) takes it away: its reaction in the body or arg (?reaction=). */
static int react(vp_req_t *q, int on_feedback, int remove, const char *arg)
{
    reaction_ctx_t *c = apr_pcalloc(q->r->pool, sizeof *c);
    const char *missing = on_feedback ? NO_FEEDBACK : NO_COMMENT, *id, *why, *given;
    char stored[VP_REACTION_MAX + 1];
    json_t *body;
    size_t len;
    int st;

    if ((st = vp_param_uuid(q, "id", missing, &id))
        || (st = vp_object_access(q, VP_ACT_REACT,
                                  on_feedback ? VP_SQL_FEEDBACK_ACCESS : VP_SQL_COMMENT_ACCESS,
                                  id, missing, NULL))
        || (st = remove ? vp_read_json_opt(q, vp_reaction_delete_fields, &body)
                        : vp_read_json(q, vp_reaction_fields, &body)))
        return st;
    given = vp_str(body, "reaction");
    len = given ? json_string_length(json_object_get(body, "reaction")) : 0;
    if (remove) {
        if (arg && given)
            return vp_fail_field(q, HTTP_BAD_REQUEST, "reaction",
                                 "give it in the body or as ?reaction=, not both");
        if (arg) {
            given = arg;
            len = strlen(arg);
        }
        if (!given)
            return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "reaction", "is required");
    }
    if ((why = vp_reaction_check(given, len, stored)))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "reaction", why);
    c->on_feedback = on_feedback;
    c->reaction = apr_pstrdup(q->r->pool, stored);
    q->ctx = c;
    _Static_assert(VP_SQL_REACTION_FEEDBACK_TOGGLE_ARGS == 5
                   && VP_SQL_REACTION_COMMENT_TOGGLE_ARGS == 5, "five parameters each");
    return vp_write_run(q, on_feedback ? &feedback_reacted : &comment_reacted, NULL,
                        on_feedback ? VP_SQL_REACTION_FEEDBACK_TOGGLE
                                    : VP_SQL_REACTION_COMMENT_TOGGLE, 5,
                        VP_PARAMS(q->project_id, id, q->who->id, c->reaction, remove ? "t" : "f"));
}

int vp_h_comment_react(vp_req_t *q)
{
    return react(q, 0, 0, NULL);
}

int vp_h_comment_unreact(vp_req_t *q)
{
    return react(q, 0, 1, apr_table_get(q->args, "reaction"));
}

int vp_h_feedback_react(vp_req_t *q)
{
    return react(q, 1, 0, NULL);
}

int vp_h_feedback_unreact(vp_req_t *q)
{
    return react(q, 1, 1, apr_table_get(q->args, "reaction"));
}
