/* The endpoint of vp_plan_llm.h. */
#include "vp_plan_llm.h"
#include "vp_json.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ANSWER (1024 * 1024)

/* json_dumps' text goes back to jansson's allocator (vp_json.h: a
 * request's pool in the module), never to free() */
static void dump_free(char *s)
{
    json_malloc_t m;
    json_free_t f;

    json_get_alloc_funcs(&m, &f);
    f(s);
}

static const char *const step_names[4] = {"story", "scenes", "shots", "storyboard"};

void vp_plan_llm_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* the JSON schema of step i's answer: {"<step>": ...} */
static json_t *schema_of(int i)
{
    json_t *item;

    switch (i) {
    case 0:
        item = json_pack("{s:s, s:[s,s,s,s], s:b, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}}",
                         "type", "object", "required", "intro", "development", "turn",
                         "conclusion", "additionalProperties", 0, "properties", "intro", "type",
                         "string", "development", "type", "string", "turn", "type", "string",
                         "conclusion", "type", "string");
        break;
    case 1:
        item = json_pack("{s:s, s:{s:s, s:[s,s,s,s], s:b, s:{s:{s:s}, s:{s:s}, s:{s:s},"
                         " s:{s:s}}}}", "type", "array", "items", "type", "object", "required",
                         "index", "title", "summary", "duration_s", "additionalProperties", 0,
                         "properties", "index", "type", "integer", "title", "type", "string",
                         "summary", "type", "string", "duration_s", "type", "integer");
        break;
    case 2:
        item = json_pack("{s:s, s:{s:s, s:[s,s,s,s,s,s,s], s:b, s:{s:{s:s}, s:{s:s}, s:{s:s},"
                         " s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}}}", "type", "array", "items",
                         "type", "object", "required", "scene_index", "index", "shot_type",
                         "camera_move", "duration_s", "description", "notes",
                         "additionalProperties", 0, "properties", "scene_index", "type",
                         "integer", "index", "type", "integer", "shot_type", "type", "string",
                         "camera_move", "type", "string", "duration_s", "type", "integer",
                         "description", "type", "string", "notes", "type", "string");
        break;
    default:
        item = json_pack("{s:s, s:{s:s, s:[s,s,s,s], s:b, s:{s:{s:s}, s:{s:s}, s:{s:s},"
                         " s:{s:s}}}}", "type", "array", "items", "type", "object", "required",
                         "scene_index", "shot_index", "caption", "image_prompt",
                         "additionalProperties", 0, "properties", "scene_index", "type",
                         "integer", "shot_index", "type", "integer", "caption", "type", "string",
                         "image_prompt", "type", "string");
    }
    return json_pack("{s:s, s:[s], s:b, s:{s:o}}", "type", "object", "required", step_names[i],
                     "additionalProperties", 0, "properties", step_names[i], item);
}

static const char *const rules_text[4] = {
    "Write the four-stage story (기승전결) of the video in Korean; use the brief's own key"
    " phrases; follow the framework's beats when given.",
    "Split the story into scenes in Korean; index 1, 2, 3...; the scenes' duration_s (whole"
    " seconds, at least 1) add up exactly to options.duration.",
    "Break each scene into shots in Korean; scene_index names the scene, index counts 1, 2,"
    " 3... within it; each scene's shots' duration_s add up exactly to the scene's.",
    "Make one storyboard frame per shot, in the shots' order: scene_index and shot_index as the"
    " shot's, a Korean caption and an image prompt.",
};

typedef struct {
    char *b;
    size_t n;
} answer_t;

static size_t collect(char *data, size_t size, size_t nmemb, void *ctx)
{
    answer_t *a = ctx;
    size_t len = size * nmemb;
    char *nb;

    if (a->n + len > MAX_ANSWER || !(nb = realloc(a->b, a->n + len + 1)))
        return 0;           /* too big: the transfer fails */
    a->b = nb;
    memcpy(a->b + a->n, data, len);
    a->n += len;
    a->b[a->n] = 0;
    return len;
}

static json_t *request_body(const vp_llm_t *c, const vp_plan_in_t *in, int i, const json_t *prev)
{
    json_t *schema = schema_of(i), *user, *sys, *body, *beats = json_object();
    static const char *const beat_names[4] = {"intro_hook", "immersion", "twist", "hook_next"};
    int k;
    char *s;

    for (k = 0; k < 4; k++)
        if (in->beats[k] && *in->beats[k])
            json_object_set_new(beats, beat_names[k], json_string(in->beats[k]));
    user = json_pack("{s:s, s:s, s:s, s:o, s:o, s:O?}", "step", step_names[i], "title",
                     in->title ? in->title : "", "brief", in->brief ? in->brief : "", "options",
                     vp_plan_options_json(&in->opts), "framework", beats,
                     i ? step_names[i - 1] : "previous", i ? prev : NULL);
    s = json_dumps(schema, JSON_COMPACT);
    sys = json_sprintf("You plan videos. %s Answer with one JSON object only, valid against"
                       " this JSON schema: %s", rules_text[i], s);
    dump_free(s);
    s = json_dumps(user, JSON_COMPACT);
    body = json_pack("{s:s, s:i, s:[{s:s, s:o}, {s:s, s:s}], s:{s:s, s:{s:s, s:b, s:o}}}",
                     "model", c->model ? c->model : "", "temperature", 0, "messages", "role",
                     "system", "content", sys, "role", "user", "content", s, "response_format",
                     "type", "json_schema", "json_schema", "name", step_names[i], "strict", 1,
                     "schema", schema);
    dump_free(s);
    json_decref(user);
    return body;
}

static const char *check(int i, const json_t *v, const vp_plan_in_t *in, const json_t *prev)
{
    switch (i) {
    case 0: return vp_plan_check_story(v);
    case 1: return vp_plan_check_scenes(v, in->opts.duration_s);
    case 2: return vp_plan_check_shots(v, prev);
    default: return vp_plan_check_storyboard(v, prev);
    }
}

json_t *vp_plan_llm_step(const vp_llm_t *c, const vp_plan_in_t *in, int i, const json_t *prev,
                         char *why, size_t whylen)
{
    CURL *h;
    CURLcode rc;
    struct curl_slist *hdr = NULL;
    answer_t a = {NULL, 0};
    json_t *body, *resp = NULL, *msg, *content = NULL, *step = NULL;
    char *text, *url, *auth;
    const char *bad;
    long status = 0;

    if (!c->url || !c->key || !*c->key) {
        snprintf(why, whylen, "no endpoint or no key");
        return NULL;
    }
    if (!(h = curl_easy_init())) {
        snprintf(why, whylen, "libcurl failed");
        return NULL;
    }
    body = request_body(c, in, i, prev);
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    url = malloc(strlen(c->url) + 32);
    sprintf(url, "%s/chat/completions", c->url);
    if (strstr(url, "//chat/completions"))      /* a base given with its slash */
        memmove(strstr(url, "//chat/completions"), strstr(url, "//chat/completions") + 1,
                strlen("/chat/completions") + 1);
    auth = malloc(strlen(c->key) + 32);
    sprintf(auth, "Authorization: Bearer %s", c->key);
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, auth);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);          /* threads: no SIGALRM */
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
    rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdr);
    /* the key is not kept a moment longer than the call */
    memset(auth, 0, strlen(auth));
    free(auth);
    free(url);
    dump_free(text);
    if (rc != CURLE_OK)
        snprintf(why, whylen, "%s", rc == CURLE_OPERATION_TIMEDOUT
                 ? "timed out" : curl_easy_strerror(rc));
    else if (status != 200)
        snprintf(why, whylen, "answered HTTP %ld", status);
    else if (!(resp = json_loads(a.b ? a.b : "", 0, NULL)))
        snprintf(why, whylen, "invalid answer: not JSON");
    else if (!json_is_string(msg = json_object_get(json_object_get(json_array_get(
                 json_object_get(resp, "choices"), 0), "message"), "content")))
        snprintf(why, whylen, "invalid answer: no choices[0].message.content");
    else if (!(content = json_loads(json_string_value(msg), 0, NULL)))
        snprintf(why, whylen, "invalid answer: the content is not JSON");
    else if ((bad = check(i, json_object_get(content, step_names[i]), in, prev)))
        snprintf(why, whylen, "invalid answer: %s %s", step_names[i], bad);
    else
        step = json_incref(json_object_get(content, step_names[i]));
    json_decref(content);
    json_decref(resp);
    free(a.b);
    return step;
}
