/* Video planning (spec section 9): plans, their steps (story → scenes →
 * shots → storyboard) made by the built-in generator (vpcore/vp_plan.c),
 * the PDF (vpcore/vp_plan_pdf.c) and each user's development frameworks.
 * A plan is its owner's; one linked to a project is read by the project's
 * members and written by its editors and above (VP_ACT_MEMOS). A write
 * of a project's plan takes the project's lock first, then the plan's row
 * (the order of vp_project_tx); a personal plan's write locks its row
 * alone. Every step done of a project's plan records
 * planning.step.completed with the step's source.
 *
 * With an OpenAI-compatible endpoint configured (VPlanetPlanningEndpoint
 * and a key), a step asks it first, outside any transaction (no lock is
 * held while it answers, at most VPlanetPlanningTimeout); its checked
 * answer is used when the plan did not change meanwhile (source "openai"),
 * else the built-in generator answers inside the transaction (source
 * "builtin", and a VP0683 line says why). */
#include "../handlers.h"
#include "../db.h"
#include "vpcore/vp_plan.h"
#include "vpcore/vp_plan_pdf.h"
#include "vpcore/vp_plan_llm.h"

#include <apr_strings.h>
#include <stdlib.h>

#define NO_PLAN "no such plan"
#define NO_FRAMEWORK "no such framework"

static const char *const plan_keys[] = {
    "id", "title", "planning_text", "options", "framework_id", "project_id", "owner", "story",
    "scenes", "shots", "storyboard", "steps_done", "sources", "created_at", "updated_at", NULL
};
static const char *const framework_keys[] = {
    "id", "name", "intro_hook", "immersion", "twist", "hook_next", "is_default", "created_at",
    "updated_at", NULL
};
static const char *const steps[4] = {"story", "scenes", "shots", "storyboard"};

/* ---- the plan's state, as locked ---- */

typedef struct {
    json_t *row;                /* PLAN_LOCK's row as an object */
    json_t *step[4];            /* borrowed from row: NULL when not done */
    json_t *sources;
    const char *title, *text, *framework_id;
    json_t *options;
    vp_plan_in_t in;
    json_t *pre[4];             /* the endpoint's answers, when they may be used */
} plan_t;

/* The generator's input from the row (options as stored: valid). */
static void plan_of(vp_req_t *q, json_t *row, plan_t *p)
{
    static const char *const beats[4] = {"intro_hook", "immersion", "twist", "hook_next"};
    const char *f, *m;
    int i;

    p->row = vp_json_pool(q->r->pool, row);
    for (i = 0; i < 4; i++) {
        json_t *v = json_object_get(row, steps[i]);

        p->step[i] = json_is_null(v) ? NULL : v;
        p->in.beats[i] = vp_str(row, beats[i]);
    }
    p->sources = json_object_get(row, "sources");
    p->title = vp_str(row, "title");
    p->text = vp_str(row, "planning_text");
    p->framework_id = vp_str(row, "framework_id");
    p->options = json_object_get(row, "options");
    p->in.title = p->title;
    p->in.brief = p->text;
    vp_plan_options(p->options, &p->in.opts, &f, &m);
}

/* Step i made from the previous one by the built-in generator. */
static json_t *generate(plan_t *p, int i)
{
    switch (i) {
    case 0: return vp_plan_story(&p->in);
    case 1: return vp_plan_scenes(&p->in, p->step[0]);
    case 2: return vp_plan_shots(&p->in, p->step[1]);
    default: return vp_plan_storyboard(&p->in, p->step[2]);
    }
}

static const char *dump_or_null(vp_req_t *q, json_t *v)
{
    return v ? vp_json_dump(q->r->pool, v) : NULL;
}

/* Writes p's state (PLAN_UPDATE); the answer's row in *out. */
static int save(vp_req_t *q, const char *id, plan_t *p, json_t **out)
{
    PGresult *res;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_PLAN_UPDATE, &res, id, p->title, p->text,
                         vp_json_dump(q->r->pool, p->options), p->framework_id,
                         dump_or_null(q, p->step[0]), dump_or_null(q, p->step[1]),
                         dump_or_null(q, p->step[2]), dump_or_null(q, p->step[3]),
                         vp_json_dump(q->r->pool, p->sources))))
        return st;
    *out = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    return 0;
}

/* ---- one write of an existing plan ---- */

typedef enum { W_PATCH, W_DELETE, W_STEP, W_ALL } wkind_t;

typedef struct {
    wkind_t kind;
    const char *id;
    json_t *body;               /* PATCH */
    int step;                   /* W_STEP */
    const char *project_id;
    json_t *out;
    const char *message;
    json_t *pre;                /* W_STEP: the endpoint's answer, or NULL */
    const char *version;        /* of the plan it was asked for */
} wrun_t;

static int step_done_event(vp_req_t *q, wrun_t *w, int i, const char *source)
{
    if (!w->project_id)
        return 0;
    return vp_event(q, "planning.step.completed",
                    vp_json_pool(q->r->pool,
                                 json_pack("{s:s, s:s, s:s}", "planning_id", w->id, "step",
                                           steps[i], "source", source)));
}

/* Step i (and the later ones cleared): 409 before its predecessor. */
static int run_step(vp_req_t *q, wrun_t *w, plan_t *p, int i)
{
    const char *source;
    int k, st;

    if (i > 0 && !p->step[i - 1])
        return vp_fail(q, HTTP_CONFLICT, "step_out_of_order",
                       apr_psprintf(q->r->pool, "the %s step needs the %s step first", steps[i],
                                    steps[i - 1]), NULL);
    source = p->pre[i] ? "openai" : "builtin";
    p->step[i] = p->pre[i] ? p->pre[i] : vp_json_pool(q->r->pool, generate(p, i));
    json_object_set_new(p->sources, steps[i], json_string(source));
    for (k = i + 1; k < 4; k++) {
        p->step[k] = NULL;
        json_object_del(p->sources, steps[k]);
    }
    if ((st = step_done_event(q, w, i, source)))
        return st;
    return 0;
}

/* A PATCH: the plan's fields, then the steps given, each checked against
 * the previous step as it will be; the earliest change clears what comes
 * after it (a change of the brief, the options or the framework: every
 * step). */
static int run_patch(vp_req_t *q, plan_t *p, json_t *body)
{
    const char *f, *m;
    int first = 4, i, k;
    json_t *v;

    if ((v = json_object_get(body, "title")))
        p->title = json_string_value(v);
    if ((v = json_object_get(body, "planning_text")) && strcmp(p->text, json_string_value(v)))
        p->text = json_string_value(v), first = 0;
    if ((v = json_object_get(body, "options"))) {
        vp_plan_opts_t o;

        if (vp_plan_options(v, &o, &f, &m))
            return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, f, m);
        v = vp_json_pool(q->r->pool, vp_plan_options_json(&o));
        if (!json_equal(v, p->options))
            first = 0;
        p->options = v;
    }
    if (json_object_get(body, "framework_id")) {
        const char *fw = vp_str(body, "framework_id");

        if (fw) {
            PGresult *res;
            int st;

            if ((st = vp_db_exec(q, VP_SQL_FW_GET, &res, fw, q->who->id)))
                return st;
            if (!PQntuples(res))
                return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "framework_id",
                                     "names no framework of yours");
        }
        if (!fw != !p->framework_id || (fw && strcasecmp(fw, p->framework_id)))
            first = 0;
        p->framework_id = fw;
    }
    for (i = 0; i < 4; i++)
        if (json_object_get(body, steps[i]) && i < first) {
            first = i;
            break;
        }
    for (i = 0; i < 4; i++) {
        const char *bad = NULL;

        if (!(v = json_object_get(body, steps[i]))) {
            if (i >= first)
                p->step[i] = NULL;      /* cleared by an earlier change */
            continue;
        }
        if (i > 0 && !p->step[i - 1])
            return vp_fail(q, HTTP_CONFLICT, "step_out_of_order",
                           apr_psprintf(q->r->pool, "the %s step needs the %s step first",
                                        steps[i], steps[i - 1]), NULL);
        bad = i == 0 ? vp_plan_check_story(v)
              : i == 1 ? vp_plan_check_scenes(v, p->in.opts.duration_s)
              : i == 2 ? vp_plan_check_shots(v, p->step[1])
              : vp_plan_check_storyboard(v, p->step[2]);
        if (bad)
            return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, steps[i], bad);
        p->step[i] = v;
        json_object_set_new(p->sources, steps[i], json_string("edited"));
    }
    for (k = first; k < 4; k++)
        if (!p->step[k])
            json_object_del(p->sources, steps[k]);
    /* an input change: the generator's input follows it */
    p->in.title = p->title;
    p->in.brief = p->text;
    vp_plan_options(p->options, &p->in.opts, &f, &m);
    return 0;
}

/* Whether the caller may write plan p (of w->project_id, when it has
 * one): its owner, or an editor and above of the project by the role
 * statement role_stmt (MEMBER_ROLE_LOCK inside the write's transaction,
 * after the project's lock). 0, or 404/403 recorded. */
static int may_write(vp_req_t *q, wrun_t *w, plan_t *p, vp_sql_id role_stmt)
{
    vp_verdict_t v = {.outcome = VP_ACCESS_NOT_FOUND};
    int st = 0;

    if (!strcasecmp(vp_str(p->row, "owner_id"), q->who->id))
        return 0;
    if (w->project_id) {
        vp_runner_t db = vp_db_runner(q, &st);

        v = vp_access_project(&db, q->who, w->project_id, role_stmt, VP_ACT_READ, NULL);
        if (v.outcome == VP_ACCESS_UNAVAILABLE)
            return vp_access_refuse(q, &v, st);
    }
    if (v.outcome != VP_ACCESS_OK)
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_PLAN, NULL);
    if (!vp_may(q->who->kind, v.role, VP_ACT_MEMOS))
        return vp_fail(q, HTTP_FORBIDDEN, NULL,
                       "only its owner or the project's editors and above change a plan", NULL);
    return 0;
}

static int write_tx(vp_req_t *q, void *ctx)
{
    wrun_t *w = ctx;
    PGresult *res;
    plan_t p = {0};
    int st, i;

    if (w->project_id) {
        if ((st = vp_db_exec(q, VP_SQL_PROJECT_LOCK, NULL, w->project_id)))
            return st;
        q->project_id = w->project_id;
    }
    if ((st = vp_db_exec(q, VP_SQL_PLAN_LOCK, &res, w->id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_PLAN, NULL);
    plan_of(q, vp_db_row(res, 0), &p);
    /* the role as it is under the project's lock */
    if ((st = may_write(q, w, &p, VP_SQL_MEMBER_ROLE_LOCK)))
        return st;
    /* the endpoint's answer, unless the plan changed since it was asked */
    if (w->kind == W_STEP && w->pre && !strcmp(vp_str(p.row, "version"), w->version))
        p.pre[w->step] = w->pre;
    switch (w->kind) {
    case W_DELETE:
        if ((st = vp_db_exec(q, VP_SQL_PLAN_DELETE, NULL, w->id)))
            return st;
        w->out = vp_json_pool(q->r->pool, json_pack("{s:s}", "id", w->id));
        return 0;
    case W_PATCH:
        st = run_patch(q, &p, w->body);
        break;
    case W_STEP:
        st = run_step(q, w, &p, w->step);
        break;
    case W_ALL:
        for (i = 0, st = 0; i < 4 && !st; i++)
            st = run_step(q, w, &p, i);
        break;
    }
    return st ? st : save(q, w->id, &p, &w->out);
}

/* ---- the OpenAI-compatible endpoint ---- */

/* Step i from the endpoint (pool-owned), or NULL (none configured, or it
 * failed: logged). */
static json_t *ask(vp_req_t *q, const vp_plan_in_t *in, int i, const json_t *prev)
{
    vp_llm_t c;
    char why[256];
    json_t *v;

    if (!vp_config_plan_endpoint(q->cfg, &c.url, &c.model, &c.key, &c.timeout_ms))
        return NULL;
    if (!(v = vp_plan_llm_step(&c, in, i, prev, why, sizeof why))) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r,
                      "VP0683: planning endpoint %s: %s; the built-in generator made the %s step",
                      c.url, why, steps[i]);
        return NULL;
    }
    return vp_json_pool(q->r->pool, v);
}

/* Before a step's transaction: the endpoint asked about the plan as it is
 * now (the caller's view of it first: no call for another user's plan). */
static int ask_step(vp_req_t *q, wrun_t *w)
{
    const char *u, *m, *k;
    long t;
    PGresult *res;
    plan_t p = {0};
    int st;

    if (!vp_config_plan_endpoint(q->cfg, &u, &m, &k, &t))
        return 0;
    if ((st = vp_db_exec(q, VP_SQL_PLAN_GET, &res, w->id, q->who->id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_PLAN, NULL);
    if ((st = vp_db_exec(q, VP_SQL_PLAN_LOCK, &res, w->id)))     /* no transaction: no lock kept */
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_PLAN, NULL);
    plan_of(q, vp_db_row(res, 0), &p);
    /* nobody who may not write the plan makes it call the endpoint (the
     * transaction asks again, under the lock) */
    if ((st = may_write(q, w, &p, VP_SQL_MEMBER_ROLE)))
        return st;
    if (w->step > 0 && !p.step[w->step - 1])
        return 0;           /* the transaction answers 409 */
    w->version = vp_str(p.row, "version");
    w->pre = ask(q, &p.in, w->step, w->step ? p.step[w->step - 1] : NULL);
    return 0;
}

/* A write of plan {id}: its project read first (it never changes), then
 * write_tx. */
static int write_plan(vp_req_t *q, wkind_t kind, int step, json_t *body, const char *message)
{
    wrun_t *w = apr_pcalloc(q->r->pool, sizeof *w);
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)) || (st = vp_param_uuid(q, "id", NO_PLAN, &w->id))
        || (st = vp_db_exec(q, VP_SQL_PLAN_ACCESS, &res, w->id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_PLAN, NULL);
    w->project_id = PQgetisnull(res, 0, 0) ? NULL : apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 0));
    w->kind = kind;
    w->step = step;
    w->body = body;
    if (kind == W_STEP && (st = ask_step(q, w)))
        return st;
    if ((st = vp_db_tx(q, write_tx, w)))
        return st;
    return vp_ok(q, HTTP_OK, message, json_incref(w->out));
}

/* ---- create ---- */

typedef struct {
    json_t *body;
    json_t *options;
    const char *project_id, *framework_id;
    int all;                    /* the workflow: every step too */
    int framework_known;        /* framework_id resolved before the transaction */
    json_t *pre[4];             /* the endpoint's answers (NULL: the built-in's) */
    json_t *out;
} crun_t;

static int create_tx(vp_req_t *q, void *ctx)
{
    crun_t *c = ctx;
    PGresult *res;
    int st;

    if (c->project_id) {
        vp_runner_t db = vp_db_runner(q, &st);
        vp_verdict_t v;

        if ((st = vp_db_exec(q, VP_SQL_PROJECT_LOCK, NULL, c->project_id)))
            return st;
        v = vp_access_project(&db, q->who, c->project_id, VP_SQL_MEMBER_ROLE_LOCK, VP_ACT_READ,
                              NULL);
        if (v.outcome == VP_ACCESS_UNAVAILABLE)
            return vp_access_refuse(q, &v, st);
        if (v.outcome != VP_ACCESS_OK)
            return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "project_id",
                                 "names no project you are a member of");
        if (!vp_may(q->who->kind, v.role, VP_ACT_MEMOS))
            return vp_fail(q, HTTP_FORBIDDEN, NULL,
                           "only the project's editors and above add plans to it", NULL);
        q->project_id = c->project_id;
    }
    if (c->framework_id) {
        if ((st = vp_db_exec(q, VP_SQL_FW_GET, &res, c->framework_id, q->who->id)))
            return st;
        if (!PQntuples(res))
            return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, "framework_id",
                                 "names no framework of yours");
    }
    else if (!c->framework_known && !json_object_get(c->body, "framework_id")) {
        /* none named: the caller's default, if any */
        if ((st = vp_db_exec(q, VP_SQL_FW_DEFAULT, &res, q->who->id)))
            return st;
        if (PQntuples(res))
            c->framework_id = apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 0));
    }
    if ((st = vp_db_exec(q, VP_SQL_PLAN_INSERT, &res, q->who->id, c->project_id, c->framework_id,
                         vp_str(c->body, "title"), vp_str(c->body, "planning_text"),
                         vp_json_dump(q->r->pool, c->options))))
        return st;
    c->out = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    if (c->all) {
        wrun_t w = {.kind = W_ALL, .id = vp_str(c->out, "id"), .project_id = c->project_id};
        plan_t p = {0};
        int i;

        if ((st = vp_db_exec(q, VP_SQL_PLAN_LOCK, &res, w.id)))
            return st;
        plan_of(q, vp_db_row(res, 0), &p);
        for (i = 0; i < 4; i++) {
            /* an answer holds only while the ones before it are the endpoint's too */
            p.pre[i] = i == 0 || p.pre[i - 1] ? c->pre[i] : NULL;
            if ((st = run_step(q, &w, &p, i)))
                return st;
        }
        if ((st = save(q, w.id, &p, &c->out)))
            return st;
    }
    return vp_idempotency_record(q, HTTP_CREATED, c->all ? "plan made" : "plan created", c->out);
}

/* The workflow's steps from the endpoint, before the transaction: each
 * from the one before; the first failure leaves the rest to the built-in
 * generator. */
static int ask_all(vp_req_t *q, crun_t *c, const vp_plan_opts_t *o)
{
    const char *u, *m, *k;
    long t;
    vp_plan_in_t in = {0};
    PGresult *res = NULL;
    int st, i;

    if (!vp_config_plan_endpoint(q->cfg, &u, &m, &k, &t))
        return 0;
    if (!c->framework_id && !json_object_get(c->body, "framework_id")) {
        if ((st = vp_db_exec(q, VP_SQL_FW_DEFAULT, &res, q->who->id)))
            return st;
        if (PQntuples(res))
            c->framework_id = apr_pstrdup(q->r->pool, PQgetvalue(res, 0, 0));
    }
    c->framework_known = 1;
    if (c->framework_id) {
        if ((st = vp_db_exec(q, VP_SQL_FW_BEATS, &res, c->framework_id, q->who->id)))
            return st;
        for (i = 0; i < 4 && PQntuples(res); i++)
            in.beats[i] = apr_pstrdup(q->r->pool, PQgetvalue(res, 0, i));
    }
    in.title = vp_str(c->body, "title");
    in.brief = vp_str(c->body, "planning_text");
    in.opts = *o;
    for (i = 0; i < 4; i++)
        if (!(c->pre[i] = ask(q, &in, i, i ? c->pre[i - 1] : NULL)))
            break;
    return 0;
}

static int create(vp_req_t *q, int all)
{
    crun_t *c = apr_pcalloc(q->r->pool, sizeof *c);
    vp_plan_opts_t o;
    const char *f, *m;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_read_json(q, vp_planning_create_fields, &c->body)))
        return st;
    if (vp_plan_options(json_object_get(c->body, "options"), &o, &f, &m))
        return vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, f, m);
    if ((st = vp_idempotency_begin(q, c->body)))
        return st;
    c->options = vp_json_pool(q->r->pool, vp_plan_options_json(&o));
    c->project_id = vp_str(c->body, "project_id");
    c->framework_id = vp_str(c->body, "framework_id");
    c->all = all;
    if (all && (st = ask_all(q, c, &o)))
        return st;
    if ((st = vp_db_tx(q, create_tx, c)))
        return st;
    return vp_ok(q, HTTP_CREATED, all ? "plan made" : "plan created", json_incref(c->out));
}

int vp_h_planning_create(vp_req_t *q)
{
    return create(q, 0);
}

int vp_h_planning_workflow(vp_req_t *q)
{
    return create(q, 1);
}

/* ---- reads ---- */

int vp_h_planning_list(vp_req_t *q)
{
    const char *project = NULL;
    vp_page_t pg;
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)) || (st = vp_list_page(q, &pg))
        || (st = vp_list_arg(q, "project_id", NULL, 1, &project))
        || (st = vp_db_exec(q, VP_SQL_PLAN_LIST, &res, q->who->id, project,
                            apr_ltoa(q->r->pool, pg.size), apr_ltoa(q->r->pool, pg.offset))))
        return st;
    return vp_list_ok(q, &pg, res, plan_keys, "plans");
}

static int read_plan(vp_req_t *q, json_t **plan)
{
    const char *id;
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)) || (st = vp_param_uuid(q, "id", NO_PLAN, &id))
        || (st = vp_db_exec(q, VP_SQL_PLAN_GET, &res, id, q->who->id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_PLAN, NULL);
    *plan = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    return 0;
}

int vp_h_planning_get(vp_req_t *q)
{
    json_t *plan;
    int st;

    if ((st = read_plan(q, &plan)))
        return st;
    return vp_ok(q, HTTP_OK, "plan", json_incref(plan));
}

int vp_h_planning_status(vp_req_t *q)
{
    json_t *plan, *data, *each;
    const json_t *sources;
    int st, i, next = -1;

    if ((st = read_plan(q, &plan)))
        return st;
    sources = json_object_get(plan, "sources");
    each = json_object();
    for (i = 0; i < 4; i++) {
        int done = !json_is_null(json_object_get(plan, steps[i]));
        json_t *src = json_object_get(sources, steps[i]);

        if (!done && next < 0)
            next = i;
        json_object_set_new(each, steps[i],
                            json_pack("{s:b, s:O}", "done", done, "source",
                                      done && src ? src : json_null()));
    }
    data = json_pack("{s:O, s:O, s:o, s:s?, s:b}", "id", json_object_get(plan, "id"),
                     "steps_done", json_object_get(plan, "steps_done"), "steps", each,
                     "next_step", next < 0 ? NULL : steps[next], "pdf_ready", next < 0);
    return vp_ok(q, HTTP_OK, "plan status", data);
}

int vp_h_planning_pdf(vp_req_t *q)
{
    const char *font = vp_plan_pdf_font();
    unsigned char *pdf;
    size_t len;
    json_t *plan;
    char *copy;
    int st;

    if ((st = read_plan(q, &plan)))
        return st;
    if (!font)
        return vp_fail_internal(q, HTTP_SERVICE_UNAVAILABLE, "the PDF is not available",
                                "VP0681: no Korean font installed (fonts-nanum or"
                                " fonts-noto-cjk): plan PDFs are off");
    if (json_is_null(json_object_get(plan, "storyboard")))
        return vp_fail(q, HTTP_CONFLICT, "step_out_of_order",
                       "the PDF needs the storyboard step first", NULL);
    if (vp_plan_pdf(plan, font, &pdf, &len, NULL))
        return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "the PDF could not be made",
                                "VP0682: cairo could not make the PDF of a plan");
    copy = apr_pmemdup(q->r->pool, pdf, len);
    free(pdf);
    return vp_media_send(q, "application/pdf",
                         apr_pstrcat(q->r->pool, vp_str(plan, "title"), ".pdf", NULL), copy, len);
}

/* ---- writes ---- */

int vp_h_planning_update(vp_req_t *q)
{
    json_t *body;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_read_json(q, vp_planning_update_fields, &body)))
        return st;
    return write_plan(q, W_PATCH, 0, body, "plan updated");
}

int vp_h_planning_delete(vp_req_t *q)
{
    return write_plan(q, W_DELETE, 0, NULL, "plan deleted");
}

static int step(vp_req_t *q, int i)
{
    return write_plan(q, W_STEP, i, NULL, apr_psprintf(q->r->pool, "%s step done", steps[i]));
}

int vp_h_planning_story(vp_req_t *q)
{
    return step(q, 0);
}

int vp_h_planning_scenes(vp_req_t *q)
{
    return step(q, 1);
}

int vp_h_planning_shots(vp_req_t *q)
{
    return step(q, 2);
}

int vp_h_planning_storyboard(vp_req_t *q)
{
    return step(q, 3);
}

/* ---- frameworks ---- */

int vp_h_framework_list(vp_req_t *q)
{
    vp_page_t pg;
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT)) || (st = vp_list_page(q, &pg))
        || (st = vp_db_exec(q, VP_SQL_FW_LIST, &res, q->who->id, apr_ltoa(q->r->pool, pg.size),
                            apr_ltoa(q->r->pool, pg.offset))))
        return st;
    return vp_list_ok(q, &pg, res, framework_keys, "frameworks");
}

int vp_h_framework_get(vp_req_t *q)
{
    const char *id;
    PGresult *res;
    int st;

    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (st = vp_param_uuid(q, "id", NO_FRAMEWORK, &id))
        || (st = vp_db_exec(q, VP_SQL_FW_GET, &res, id, q->who->id)))
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_FRAMEWORK, NULL);
    return vp_ok(q, HTTP_OK, "framework", vp_db_row(res, 0));
}

typedef struct {
    int kind;                   /* 0 create, 1 update, 2 delete */
    const char *id;
    json_t *body;
    json_t *out;
} frun_t;

static const char *bool_text(json_t *body)
{
    json_t *v = json_object_get(body, "is_default");

    return v ? (json_is_true(v) ? "true" : "false") : NULL;
}

/* Under the owner's lock: a new default unsets the old one first. */
static int framework_tx(vp_req_t *q, void *ctx)
{
    frun_t *f = ctx;
    PGresult *res;
    json_t *b = f->body;
    int st;

    if ((st = vp_db_exec(q, VP_SQL_FW_OWNER_LOCK, NULL, q->who->id)))
        return st;
    if (f->kind != 2 && json_is_true(json_object_get(b, "is_default"))
        && (st = vp_db_exec(q, VP_SQL_FW_UNSET_DEFAULT, NULL, q->who->id, f->id)))
        return st;
    if (f->kind == 0)
        st = vp_db_exec(q, VP_SQL_FW_INSERT, &res, q->who->id, vp_str(b, "name"),
                        vp_str(b, "intro_hook"), vp_str(b, "immersion"), vp_str(b, "twist"),
                        vp_str(b, "hook_next"), bool_text(b));
    else if (f->kind == 1)
        st = vp_db_exec(q, VP_SQL_FW_UPDATE, &res, f->id, q->who->id, vp_str(b, "name"),
                        vp_str(b, "intro_hook"), vp_str(b, "immersion"), vp_str(b, "twist"),
                        vp_str(b, "hook_next"), bool_text(b));
    else
        st = vp_db_exec(q, VP_SQL_FW_DELETE, &res, f->id, q->who->id);
    if (st)
        return st;
    if (!PQntuples(res))
        return vp_fail(q, HTTP_NOT_FOUND, NULL, NO_FRAMEWORK, NULL);
    f->out = vp_json_pool(q->r->pool, vp_db_row(res, 0));
    return f->kind == 0 ? vp_idempotency_record(q, HTTP_CREATED, "framework created", f->out) : 0;
}

static int framework_write(vp_req_t *q, int kind, const vp_field_t *fields, const char *message)
{
    frun_t *f = apr_pcalloc(q->r->pool, sizeof *f);
    int st;

    f->kind = kind;
    if ((st = vp_authenticate(q, VP_ACT_ACCOUNT))
        || (kind && (st = vp_param_uuid(q, "id", NO_FRAMEWORK, &f->id)))
        || (fields && (st = vp_read_json(q, fields, &f->body)))
        || (kind == 0 && (st = vp_idempotency_begin(q, f->body))))
        return st;
    if ((st = vp_db_tx(q, framework_tx, f)))
        return st;
    return vp_ok(q, kind == 0 ? HTTP_CREATED : HTTP_OK, message, json_incref(f->out));
}

int vp_h_framework_create(vp_req_t *q)
{
    return framework_write(q, 0, vp_framework_create_fields, "framework created");
}

int vp_h_framework_update(vp_req_t *q)
{
    return framework_write(q, 1, vp_framework_update_fields, "framework updated");
}

int vp_h_framework_delete(vp_req_t *q)
{
    return framework_write(q, 2, NULL, "framework deleted");
}
