/* The built-in plan generator (vp_plan.h): templates and tables from
 * data/planning/rules.json, filled from the brief and the options. Every
 * choice is a function of the input (a hash of the brief where a table
 * offers several), so the output is the same bytes for the same input. */
#include "vp_plan.h"
#include "vp_json.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const stage_keys[4] = {"intro", "development", "turn", "conclusion"};

/* ---- the rules ---- */

static json_t *rules;
static pthread_once_t rules_once = PTHREAD_ONCE_INIT;

static void rules_load(void)
{
    /* from the heap, for the process's life: not from the pool of the
     * request that happens to come first (vp_json.h) */
    int plain = vp_json_alloc_plain(1);

    rules = json_loads(vp_plan_rules_text, JSON_REJECT_DUPLICATES, NULL);
    vp_json_alloc_plain(plain);
}

const json_t *vp_plan_rules(void)
{
    pthread_once(&rules_once, rules_load);
    return rules;
}

static const json_t *R(const char *a, const char *b)
{
    const json_t *v = json_object_get(vp_plan_rules(), a);

    return b ? json_object_get(v, b) : v;
}

static const char *RS(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s ? s : "";
}

/* ---- a growing string ---- */

typedef struct {
    char *s;
    size_t n, cap;
} buf_t;

static void put(buf_t *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            abort();
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

static void puts_(buf_t *b, const char *s)
{
    put(b, s, strlen(s));
}

/* ---- Korean particles: 을(를) after the word they follow ---- */

/* The code point of the UTF-8 character ending at s[end-1], or 0. */
static unsigned last_cp(const char *s, size_t end)
{
    size_t i = end;
    unsigned cp;

    while (i > 0 && (s[i - 1] == '\'' || s[i - 1] == '"' || s[i - 1] == ')'))
        i--;
    if (i >= 3 && ((unsigned char)s[i - 3] & 0xF0) == 0xE0) {
        cp = (((unsigned char)s[i - 3] & 0x0F) << 12) | (((unsigned char)s[i - 2] & 0x3F) << 6)
             | ((unsigned char)s[i - 1] & 0x3F);
        return cp;
    }
    return i ? (unsigned char)s[i - 1] : 0;
}

/* 1: ends in a final consonant, 0: in a vowel, -1: not Hangul (digits and
 * Latin are read aloud variously: both forms stay). */
static int batchim(const char *s, size_t end, int *rieul)
{
    unsigned cp = last_cp(s, end);

    *rieul = 0;
    if (cp >= 0xAC00 && cp <= 0xD7A3) {
        *rieul = (cp - 0xAC00) % 28 == 8;
        return (cp - 0xAC00) % 28 != 0;
    }
    return -1;
}

static const struct {
    const char *both, *after_c, *after_v;
} josa[] = {
    {"을(를)", "을", "를"}, {"이(가)", "이", "가"}, {"은(는)", "은", "는"},
    {"과(와)", "과", "와"}, {"(으)로", "으로", "로"},
};

static char *fix_josa(char *s)
{
    buf_t b = {0};
    size_t i = 0, k;

    while (s[i]) {
        for (k = 0; k < sizeof josa / sizeof josa[0]; k++) {
            size_t n = strlen(josa[k].both);

            if (!strncmp(s + i, josa[k].both, n)) {
                int rieul, c = batchim(b.s ? b.s : "", b.n, &rieul);

                if (c < 0)
                    puts_(&b, josa[k].both);
                else if (k == 4)
                    puts_(&b, c && !rieul ? josa[k].after_c : josa[k].after_v);
                else
                    puts_(&b, c ? josa[k].after_c : josa[k].after_v);
                i += n;
                break;
            }
        }
        if (k == sizeof josa / sizeof josa[0])
            put(&b, s + i++, 1);
    }
    free(s);
    if (!b.s)
        puts_(&b, "");
    return b.s;
}

/* tpl with each {name} replaced by vars' string of that name (unknown
 * names stay as they are), particles fixed; malloc'ed. */
static char *fill(const char *tpl, const json_t *vars)
{
    buf_t b = {0};
    const char *p = tpl, *q;

    puts_(&b, "");
    while (*p) {
        if (*p == '{' && (q = strchr(p, '}')) && q - p < 40) {
            char name[40];
            const json_t *v;

            memcpy(name, p + 1, (size_t)(q - p - 1));
            name[q - p - 1] = 0;
            if ((v = json_object_get(vars, name)) && json_is_string(v)) {
                puts_(&b, json_string_value(v));
                p = q + 1;
                continue;
            }
        }
        put(&b, p++, 1);
    }
    return fix_josa(b.s);
}

static json_t *fill_json(const char *tpl, const json_t *vars)
{
    char *s = fill(tpl, vars);
    json_t *j;
    size_t n = strlen(s);

    /* no doubled or trailing spaces where an empty value was put */
    while (n && s[n - 1] == ' ')
        s[--n] = 0;
    j = json_string(s);
    free(s);
    return j;
}

static void var(json_t *vars, const char *k, const char *v)
{
    json_object_set_new(vars, k, json_string(v ? v : ""));
}

static void var_int(json_t *vars, const char *k, long v)
{
    char s[24];

    snprintf(s, sizeof s, "%ld", v);
    var(vars, k, s);
}

/* FNV-1a of s: the seed of the choices among a table's entries */
static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;

    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* ---- durations ---- */

static int unit_of(const char **p)
{
    static const struct {
        const char *name;
        int s;
    } units[] = {
        {"시간", 3600}, {"분", 60}, {"초", 1},
        {"hours", 3600}, {"hour", 3600}, {"hrs", 3600}, {"hr", 3600}, {"h", 3600},
        {"minutes", 60}, {"minute", 60}, {"mins", 60}, {"min", 60}, {"m", 60},
        {"seconds", 1}, {"second", 1}, {"secs", 1}, {"sec", 1}, {"s", 1},
    };
    size_t k, n;

    for (k = 0; k < sizeof units / sizeof units[0]; k++) {
        n = strlen(units[k].name);
        if (!strncasecmp(*p, units[k].name, n) && !isalpha((unsigned char)(*p)[n])) {
            *p += n;
            return units[k].s;
        }
    }
    return 0;
}

int vp_plan_duration(const char *text, int *seconds)
{
    const char *p = text;
    double total = 0;
    int last = 0, parts = 0;

    if (!p)
        return -1;
    for (;;) {
        double v = 0, frac = 0.1;
        int digits = 0, u;

        while (*p == ' ')
            p++;
        if (!*p)
            break;
        while (isdigit((unsigned char)*p) && digits < 7)
            v = v * 10 + (*p++ - '0'), digits++;
        if (!digits || isdigit((unsigned char)*p))
            return -1;
        if (*p == '.' && isdigit((unsigned char)p[1]))
            for (p++; isdigit((unsigned char)*p); p++, frac /= 10)
                v += (*p - '0') * frac;
        while (*p == ' ')
            p++;
        u = unit_of(&p);
        if (!u) {
            /* plain seconds: the whole text is one number */
            if (parts || *p || v != floor(v))
                return -1;
            u = 1;
        }
        /* hours, then minutes, then seconds, each once */
        if (last && u >= last)
            return -1;
        last = u;
        total += v * u;
        parts++;
    }
    if (!parts || total != floor(total) || total > 1e6)
        return -1;
    *seconds = (int)total;
    return 0;
}

/* ---- options ---- */

static int pick(const json_t *options, const char *key, const char *table, const char **out,
                const char **field, const char **msg)
{
    const json_t *v = json_object_get(options, key);

    if (!v || json_is_null(v)) {
        *out = RS(R("defaults", NULL), key);
        return 0;
    }
    if (!json_is_string(v) || !json_object_get(R(table, NULL), json_string_value(v))) {
        *field = !strcmp(key, "tone") ? "options.tone" : !strcmp(key, "genre") ? "options.genre"
                 : !strcmp(key, "purpose") ? "options.purpose" : "options.target_audience";
        *msg = "is not one of the accepted values";
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

int vp_plan_options(const json_t *options, vp_plan_opts_t *o, const char **field,
                    const char **msg)
{
    static const char *const known[] = {"tone", "genre", "intensity", "target_audience",
                                        "purpose", "duration", NULL};
    const json_t *v;
    const char *k;
    int i;

    *field = "options";
    if (options && !json_is_object(options) && !json_is_null(options))
        return *msg = "must be an object", -1;
    json_object_foreach((json_t *)options, k, v) {
        for (i = 0; known[i] && strcmp(known[i], k); i++)
            ;
        if (!known[i])
            return *msg = "has an unknown key (accepted: tone, genre, intensity,"
                          " target_audience, purpose, duration)", -1;
    }
    if (pick(options, "tone", "tones", &o->tone, field, msg)
        || pick(options, "genre", "genres", &o->genre, field, msg)
        || pick(options, "target_audience", "audiences", &o->audience, field, msg)
        || pick(options, "purpose", "purposes", &o->purpose, field, msg))
        return -1;
    v = json_object_get(options, "intensity");
    if (!v || json_is_null(v))
        o->intensity = json_number_value(R("defaults", "intensity"));
    else if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1)
        return *field = "options.intensity", *msg = "must be a number from 0 to 1", -1;
    else
        o->intensity = json_number_value(v);
    v = json_object_get(options, "duration");
    if (!v || json_is_null(v))
        o->duration_s = (int)json_integer_value(R("defaults", "duration"));
    else if (json_is_integer(v)) {
        json_int_t s = json_integer_value(v);

        o->duration_s = s < 0 || s > 1000000 ? -1 : (int)s;
    }
    else if (!json_is_string(v) || vp_plan_duration(json_string_value(v), &o->duration_s))
        return *field = "options.duration",
               *msg = "must be seconds or a text like \"3분\", \"1분 30초\", \"90초\", \"2 min\"",
               -1;
    if (o->duration_s < VP_PLAN_MIN_S || o->duration_s > VP_PLAN_MAX_S)
        return *field = "options.duration", *msg = "must be from 5 seconds to 1 hour", -1;
    return 0;
}

json_t *vp_plan_options_json(const vp_plan_opts_t *o)
{
    return json_pack("{s:s, s:s, s:f, s:s, s:s, s:i}", "tone", o->tone, "genre", o->genre,
                     "intensity", o->intensity, "target_audience", o->audience, "purpose",
                     o->purpose, "duration", o->duration_s);
}

/* ---- key phrases ---- */

static int is_sep(const unsigned char *p, size_t *n)
{
    /* ASCII spaces and punctuation but ' - and _ inside words; a few CJK
     * marks and quotes */
    static const char *const marks[] = {"。", "、", "，", "·", "…", "「", "」", "『", "』",
                                        "“", "”", "‘", "’", "《", "》", "〈", "〉", "～", NULL};
    int i;

    *n = 1;
    if (*p < 0x80)
        return isspace(*p) || (ispunct(*p) && *p != '-' && *p != '_');
    for (i = 0; marks[i]; i++)
        if (!strncmp((const char *)p, marks[i], strlen(marks[i])))
            return *n = strlen(marks[i]), 1;
    return 0;
}

static size_t chars(const char *s, size_t n)
{
    size_t c = 0, i;

    for (i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static int in_list(const json_t *list, const char *w)
{
    size_t i;

    for (i = 0; i < json_array_size(list); i++)
        if (!strcasecmp(json_string_value(json_array_get(list, i)), w))
            return 1;
    return 0;
}

/* The word w (len bytes) without a trailing particle, when what stays has
 * two characters or more. */
static size_t strip_particle(const char *w, size_t len)
{
    const json_t *ps = R("particles", NULL);
    size_t i;

    if ((unsigned char)w[0] < 0x80)
        return len;
    for (i = 0; i < json_array_size(ps); i++) {
        const char *p = json_string_value(json_array_get(ps, i));
        size_t n = strlen(p);

        if (len > n && !memcmp(w + len - n, p, n) && chars(w, len - n) >= 2)
            return len - n;
    }
    return len;
}

typedef struct {
    char *w;
    int count, first;
} word_t;

static int by_weight(const void *a, const void *b)
{
    const word_t *x = a, *y = b;

    return x->count != y->count ? y->count - x->count : x->first - y->first;
}

json_t *vp_plan_keys(const char *title, const char *brief, int n)
{
    const char *texts[2] = {brief ? brief : "", title ? title : ""};
    word_t *words = NULL;
    int nw = 0, cap = 0, order = 0, t, i;
    json_t *out = json_array();

    for (t = 0; t < 2; t++) {
        const unsigned char *p = (const unsigned char *)texts[t];

        while (*p) {
            const unsigned char *s;
            size_t k, len;
            char *w;

            while (*p && is_sep(p, &k))
                p += k;
            for (s = p; *p && !is_sep(p, &k);)
                p++;
            len = strip_particle((const char *)s, (size_t)(p - s));
            if (chars((const char *)s, len) < 2)
                continue;
            w = strndup((const char *)s, len);
            /* words of digits alone say little */
            if (strspn(w, "0123456789-_") == len || in_list(R("stopwords", NULL), w)) {
                free(w);
                continue;
            }
            for (i = 0; i < nw && strcasecmp(words[i].w, w); i++)
                ;
            if (i < nw) {
                /* the title's words break ties, they do not outvote the brief */
                words[i].count += t == 0 ? 2 : 1;
                free(w);
                continue;
            }
            if (nw == cap && !(words = realloc(words, sizeof *words * (size_t)(cap = cap * 2 + 16))))
                abort();
            words[nw].w = w;
            words[nw].count = t == 0 ? 2 : 1;
            words[nw].first = order++;
            nw++;
        }
    }
    if (nw)     /* words is NULL when the text had none */
        qsort(words, (size_t)nw, sizeof *words, by_weight);
    for (i = 0; i < nw; i++) {
        if (i < n)
            json_array_append_new(out, json_string(words[i].w));
        free(words[i].w);
    }
    free(words);
    return out;
}

/* ---- shared pieces ---- */

static const json_t *intensity_row(double x)
{
    const json_t *rows = R("intensity", NULL);
    size_t i;

    for (i = 0; i + 1 < json_array_size(rows); i++)
        if (x < json_number_value(json_object_get(json_array_get(rows, i), "upto")))
            break;
    return json_array_get(rows, i);
}

/* keys of the brief, at least one (the title, or the genre's name) */
static json_t *keys_of(const vp_plan_in_t *in)
{
    int n = (int)json_integer_value(json_object_get(R("audiences", in->opts.audience), "keys"));
    json_t *k = vp_plan_keys(in->title, in->brief, n < 1 ? 1 : n);

    if (!json_array_size(k))
        json_array_append_new(k, json_string(in->title && *in->title ? in->title
                                              : RS(R("genres", in->opts.genre), "name")));
    return k;
}

static const char *key_at(const json_t *keys, size_t i)
{
    return json_string_value(json_array_get(keys, i % json_array_size(keys)));
}

/* the variables every template may use */
static json_t *base_vars(const vp_plan_in_t *in, const json_t *keys)
{
    const json_t *tone = R("tones", in->opts.tone), *genre = R("genres", in->opts.genre);
    const json_t *aud = R("audiences", in->opts.audience);
    const json_t *inten = intensity_row(in->opts.intensity);
    json_t *vars = json_object();
    buf_t all = {0};
    size_t i;

    for (i = 0; i < json_array_size(keys); i++) {
        if (i)
            puts_(&all, ", ");
        puts_(&all, json_string_value(json_array_get(keys, i)));
    }
    var(vars, "title", in->title);
    var(vars, "k1", key_at(keys, 0));
    var(vars, "k2", key_at(keys, 1));
    var(vars, "k3", key_at(keys, 2));
    var(vars, "keys", all.s);
    free(all.s);
    var(vars, "mood", RS(tone, "mood"));
    var(vars, "adverb", RS(tone, "adverb"));
    var(vars, "light", RS(tone, "light"));
    var(vars, "music", RS(tone, "music"));
    var(vars, "tone_en", RS(tone, "en"));
    var(vars, "genre", RS(genre, "name"));
    var(vars, "genre_en", in->opts.genre);
    var(vars, "audience", RS(aud, "name"));
    var(vars, "style", RS(aud, "style"));
    var(vars, "detail", RS(aud, "detail"));
    var(vars, "conflict", RS(inten, "conflict"));
    var(vars, "turn_line", RS(inten, "turn"));
    return vars;
}

/* The first sentence of the brief, at most 60 characters, quoted. */
static char *quote_of(const char *brief)
{
    const char *p = brief ? brief : "";
    buf_t b = {0};
    size_t i = 0, c = 0, k;

    while (*p == ' ' || *p == '\n')
        p++;
    puts_(&b, "「");
    while (p[i] && c < 60) {
        if (p[i] == '\n' || (strchr(".!?", p[i]) && (!p[i + 1] || p[i + 1] == ' ' || p[i + 1] == '\n'))
            || !strncmp(p + i, "。", 3))
            break;
        k = 1;
        while ((((unsigned char)p[i + k]) & 0xC0) == 0x80)
            k++;
        put(&b, p + i, k);
        i += k;
        c++;
    }
    puts_(&b, c == 60 && p[i] && p[i] != '.' ? "…」" : "」");
    return b.s;
}

/* ---- story ---- */

json_t *vp_plan_story(const vp_plan_in_t *in)
{
    json_t *keys = keys_of(in), *vars = base_vars(in, keys), *story = json_object();
    const json_t *genre = R("genres", in->opts.genre);
    char *quote = quote_of(in->brief), *close;
    int s;

    var(vars, "quote", quote);
    free(quote);
    {
        buf_t e = {0};

        puts_(&e, RS(genre, "name"));
        puts_(&e, "답게 ");
        puts_(&e, RS(genre, "emphasis"));
        puts_(&e, ".");
        var(vars, "emphasis_line", e.s);
        free(e.s);
    }
    close = fill(RS(R("purposes", in->opts.purpose), "close"), vars);
    var(vars, "close", close);
    free(close);
    for (s = 0; s < 4; s++) {
        buf_t t = {0};
        char *body = fill(RS(R("story", NULL), stage_keys[s]), vars);

        puts_(&t, "");
        if (in->beats[s] && *in->beats[s]) {
            json_t *bv = json_object();
            char *beat;

            var(bv, "beat", in->beats[s]);
            beat = fill(RS(R("beats", NULL), stage_keys[s]), bv);
            puts_(&t, beat);
            free(beat);
            json_decref(bv);
        }
        puts_(&t, body);
        free(body);
        json_object_set_new(story, stage_keys[s], fill_json(t.s, NULL));
        free(t.s);
    }
    json_decref(vars);
    json_decref(keys);
    return story;
}

/* ---- splitting a total ---- */

/* total split into n whole parts by weights (largest remainder, ties to
 * the earlier), each at least 1 (total >= n). */
static void split(int total, const double *w, int n, int *out)
{
    double sum = 0, *rem = malloc(sizeof *rem * (size_t)n);
    int i, given = 0;

    for (i = 0; i < n; i++)
        sum += w[i];
    for (i = 0; i < n; i++) {
        double exact = total * w[i] / sum;

        out[i] = (int)floor(exact);
        rem[i] = exact - out[i];
        given += out[i];
    }
    while (given < total) {
        int best = 0;

        for (i = 1; i < n; i++)
            if (rem[i] > rem[best] + 1e-9)
                best = i;
        out[best]++;
        rem[best] = -1;
        given++;
    }
    /* nobody below 1: taken from the largest */
    for (i = 0; i < n; i++)
        while (out[i] < 1) {
            int big = 0, k;

            for (k = 1; k < n; k++)
                if (out[k] > out[big])
                    big = k;
            out[big]--;
            out[i]++;
        }
    free(rem);
}

static int clampi(long v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : (int)v;
}

/* ---- scenes ---- */

/* The sentences of text (ending in ". " or at the end), as an array. */
static json_t *sentences(const char *text)
{
    json_t *out = json_array();
    const char *p = text, *s = text;

    for (; *p; p++)
        if ((*p == '.' || *p == '!' || *p == '?') && (p[1] == ' ' || !p[1])) {
            while (*s == ' ')
                s++;
            if (p + 1 > s)
                json_array_append_new(out, json_stringn(s, (size_t)(p + 1 - s)));
            s = p + 1;
        }
    while (*s == ' ')
        s++;
    if (*s)
        json_array_append_new(out, json_string(s));
    if (!json_array_size(out))
        json_array_append_new(out, json_string(text));
    return out;
}

json_t *vp_plan_scenes(const vp_plan_in_t *in, const json_t *story)
{
    const json_t *genre = R("genres", in->opts.genre), *w = json_object_get(genre, "weights");
    double pace = json_number_value(json_object_get(intensity_row(in->opts.intensity), "pace"));
    double len = json_number_value(json_object_get(genre, "scene_s")) * pace;
    int total = in->opts.duration_s, n, per[4], s, i, idx = 0;
    double sw[4], *scw;
    int *secs;
    json_t *keys = keys_of(in), *vars = base_vars(in, keys), *out = json_array();

    n = clampi(lround(total / len), 4, 24);
    if (n > total)
        n = total;
    for (s = 0; s < 4; s++)
        sw[s] = json_number_value(json_array_get(w, (size_t)s));
    split(n, sw, 4, per);
    /* each scene weighs its stage's share over its stage's scenes */
    scw = malloc(sizeof *scw * (size_t)n);
    secs = malloc(sizeof *secs * (size_t)n);
    for (s = 0; s < 4; s++)
        for (i = 0; i < per[s]; i++)
            scw[idx++] = sw[s] / per[s];
    split(total, scw, n, secs);
    idx = 0;
    for (s = 0; s < 4; s++) {
        json_t *sent = sentences(json_string_value(json_object_get(story, stage_keys[s])));
        size_t ns = json_array_size(sent);

        for (i = 0; i < per[s]; i++, idx++) {
            json_t *sv = json_copy(vars);
            json_t *scene;
            char *title, *summary;

            var(sv, "stage_label", RS(R("stage_labels", NULL), stage_keys[s]));
            var_int(sv, "n", i + 1);
            var(sv, "key", key_at(keys, (size_t)idx));
            /* the stage's sentences spread over its scenes in order */
            var(sv, "sentence",
                json_string_value(json_array_get(sent, (size_t)i * ns / (size_t)per[s])));
            /* more scenes than sentences: each scene says what it adds */
            if ((size_t)per[s] > ns) {
                const json_t *focus = json_object_get(R("shot_focus", NULL), stage_keys[s]);
                char *f = fill(json_string_value(json_array_get(focus, (size_t)i % json_array_size(focus))),
                               sv), *more;

                var(sv, "focus", f);
                more = fill(RS(vp_plan_rules(), "scene_more"), sv);
                var(sv, "more", more);
                free(f);
                free(more);
            }
            else
                var(sv, "more", "");
            var_int(sv, "seconds", secs[idx]);
            title = fill(RS(vp_plan_rules(), "scene_title"), sv);
            summary = fill(RS(vp_plan_rules(), "scene_summary"), sv);
            scene = json_pack("{s:i, s:s, s:s, s:s, s:i}", "index", idx + 1, "stage",
                              stage_keys[s], "title", title, "summary", summary, "duration_s",
                              secs[idx]);
            free(title);
            free(summary);
            json_array_append_new(out, scene);
            json_decref(sv);
        }
        json_decref(sent);
    }
    free(scw);
    free(secs);
    json_decref(vars);
    json_decref(keys);
    return out;
}

/* ---- shots ---- */

/* a scene's stage: its own, else by its place among n scenes */
static int stage_of(const json_t *scene, size_t i, size_t n)
{
    const char *st = json_string_value(json_object_get(scene, "stage"));
    int s;

    for (s = 0; st && s < 4; s++)
        if (!strcmp(st, stage_keys[s]))
            return s;
    return (int)(i * 4 / (n ? n : 1));
}

json_t *vp_plan_shots(const vp_plan_in_t *in, const json_t *scenes)
{
    const json_t *genre = R("genres", in->opts.genre), *tone = R("tones", in->opts.tone);
    const json_t *inten = intensity_row(in->opts.intensity);
    double pace = json_number_value(json_object_get(inten, "pace"));
    double len = json_number_value(json_object_get(genre, "shot_s")) * pace;
    json_t *keys = keys_of(in), *vars = base_vars(in, keys), *out = json_array(), *moves;
    uint32_t h = hash(in->brief);
    int captions = !strcmp(in->opts.purpose, "education") || !strcmp(in->opts.genre, "tutorial");
    size_t i, k;

    /* the tone's moves, and the intensity's on top */
    moves = json_array();
    json_array_extend(moves, json_object_get(tone, "moves"));
    json_array_extend(moves, json_object_get(inten, "moves"));
    for (i = 0; i < json_array_size(scenes); i++) {
        const json_t *scene = json_array_get(scenes, i);
        int d = (int)json_integer_value(json_object_get(scene, "duration_s"));
        int si = (int)json_integer_value(json_object_get(scene, "index"));
        int s = stage_of(scene, i, json_array_size(scenes));
        int m = clampi(lround(d / len), 1, 12), *secs;
        double *sw;
        const json_t *types = json_object_get(R("shot_types", NULL), stage_keys[s]);
        const json_t *focus = json_object_get(R("shot_focus", NULL), stage_keys[s]);

        if (m > d)
            m = d;
        sw = malloc(sizeof *sw * (size_t)m);
        secs = malloc(sizeof *secs * (size_t)m);
        for (k = 0; k < (size_t)m; k++)
            /* the first shot of a scene sets it up: a little longer */
            sw[k] = k == 0 && m > 1 ? 1.5 : 1.0;
        split(d, sw, m, secs);
        for (k = 0; k < (size_t)m; k++) {
            json_t *sv = json_copy(vars), *shot;
            const char *type = json_string_value(
                json_array_get(types, (i + k) % json_array_size(types)));
            const char *move = json_string_value(
                json_array_get(moves, (h + i * 7 + k * 3) % json_array_size(moves)));
            char *f, *desc, *notes;

            var(sv, "key", key_at(keys, i + k));
            var(sv, "shot_type", type);
            f = fill(json_string_value(json_array_get(focus, (i + k) % json_array_size(focus))),
                     sv);
            var(sv, "focus", f);
            free(f);
            {
                /* the scene's subject: its key phrase, quoted */
                char q[256];

                snprintf(q, sizeof q, "'%s'", key_at(keys, i + k));
                var(sv, "subject", q);
            }
            desc = fill(RS(vp_plan_rules(), "shot_description"), sv);
            if (captions) {
                char *c;
                json_t *cv = json_object();

                var(cv, "key", key_at(keys, i + k));
                c = fill(" · 자막: '{key}'", cv);
                var(sv, "caption_note", c);
                free(c);
                json_decref(cv);
            }
            else
                var(sv, "caption_note", "");
            notes = fill(RS(vp_plan_rules(), "shot_notes"), sv);
            shot = json_pack("{s:i, s:i, s:s, s:s, s:i, s:s, s:s}", "scene_index", si, "index",
                             (int)k + 1, "shot_type", type, "camera_move", move, "duration_s",
                             secs[k], "description", desc, "notes", notes);
            free(desc);
            free(notes);
            json_array_append_new(out, shot);
            json_decref(sv);
        }
        free(sw);
        free(secs);
    }
    json_decref(moves);
    json_decref(vars);
    json_decref(keys);
    return out;
}

/* ---- storyboard ---- */

json_t *vp_plan_storyboard(const vp_plan_in_t *in, const json_t *shots)
{
    json_t *keys = keys_of(in), *vars = base_vars(in, keys), *out = json_array();
    const json_t *en = R("shot_types_en", NULL);
    size_t i, n = json_array_size(shots);
    int max_scene = 1;

    for (i = 0; i < n; i++) {
        int si = (int)json_integer_value(json_object_get(json_array_get(shots, i), "scene_index"));

        if (si > max_scene)
            max_scene = si;
    }
    for (i = 0; i < n; i++) {
        const json_t *shot = json_array_get(shots, i);
        int si = (int)json_integer_value(json_object_get(shot, "scene_index"));
        int k = (int)json_integer_value(json_object_get(shot, "index"));
        const char *type = json_string_value(json_object_get(shot, "shot_type"));
        const char *type_en = json_string_value(json_object_get(en, type));
        json_t *sv = json_copy(vars);
        char *caption, *prompt;

        var_int(sv, "scene", si);
        var_int(sv, "shot", k);
        var(sv, "shot_type", type);
        var(sv, "camera_move", json_string_value(json_object_get(shot, "camera_move")));
        var_int(sv, "seconds", json_integer_value(json_object_get(shot, "duration_s")));
        var(sv, "description", json_string_value(json_object_get(shot, "description")));
        var(sv, "shot_en", type_en ? type_en : type);
        var(sv, "key", key_at(keys, i));
        var(sv, "stage", stage_keys[(si - 1) * 4 / max_scene]);
        caption = fill(RS(vp_plan_rules(), "caption"), sv);
        prompt = fill(RS(vp_plan_rules(), "image_prompt"), sv);
        json_array_append_new(out, json_pack("{s:i, s:i, s:s, s:s}", "scene_index", si,
                                             "shot_index", k, "caption", caption,
                                             "image_prompt", prompt));
        free(caption);
        free(prompt);
        json_decref(sv);
    }
    json_decref(vars);
    json_decref(keys);
    return out;
}

/* ---- shape checks ---- */

static int text_ok(const json_t *v, size_t max)
{
    return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= max;
}

static int int_ok(const json_t *v, long lo, long hi)
{
    return json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi;
}

static int only_keys(const json_t *o, const char *const *keys)
{
    const char *k;
    const json_t *v;
    int i;

    json_object_foreach((json_t *)o, k, v) {
        for (i = 0; keys[i] && strcmp(keys[i], k); i++)
            ;
        if (!keys[i])
            return 0;
    }
    return 1;
}

const char *vp_plan_check_story(const json_t *story)
{
    int s;

    if (!json_is_object(story) || json_object_size(story) != 4)
        return "must be an object of intro, development, turn and conclusion";
    for (s = 0; s < 4; s++)
        if (!text_ok(json_object_get(story, stage_keys[s]), 5000))
            return "each of intro, development, turn and conclusion must be a text of 1 to 5000"
                   " characters";
    return NULL;
}

const char *vp_plan_check_scenes(const json_t *scenes, int total)
{
    static const char *const keys[] = {"index", "stage", "title", "summary", "duration_s", NULL};
    size_t i;
    long sum = 0;

    if (!json_is_array(scenes) || !json_array_size(scenes) || json_array_size(scenes) > 100)
        return "must be an array of 1 to 100 scenes";
    for (i = 0; i < json_array_size(scenes); i++) {
        const json_t *sc = json_array_get(scenes, i), *st;

        if (!json_is_object(sc) || !only_keys(sc, keys))
            return "each scene is an object of index, stage, title, summary, duration_s";
        if (!int_ok(json_object_get(sc, "index"), (long)i + 1, (long)i + 1))
            return "scene indexes must be 1, 2, 3... in order";
        if (!text_ok(json_object_get(sc, "title"), 200) || !text_ok(json_object_get(sc, "summary"), 2000))
            return "a scene's title (1 to 200 characters) and summary (1 to 2000) are required";
        if ((st = json_object_get(sc, "stage")) && stage_of(sc, 0, 1) == 0
            && strcmp(json_string_value(st) ? json_string_value(st) : "", "intro"))
            return "a scene's stage is intro, development, turn or conclusion";
        if (!int_ok(json_object_get(sc, "duration_s"), 1, VP_PLAN_MAX_S))
            return "a scene's duration_s is a whole number of seconds, at least 1";
        sum += json_integer_value(json_object_get(sc, "duration_s"));
    }
    if (total && sum != total)
        return "the scenes' durations must add up to the plan's duration";
    return NULL;
}

const char *vp_plan_check_shots(const json_t *shots, const json_t *scenes)
{
    static const char *const keys[] = {"scene_index", "index", "shot_type", "camera_move",
                                       "duration_s", "description", "notes", NULL};
    size_t i, ns = json_array_size(scenes);
    long *sum, expect = 0;
    int scene = 0;
    const char *bad = NULL;

    if (!json_is_array(shots) || !json_array_size(shots) || json_array_size(shots) > 1000)
        return "must be an array of 1 to 1000 shots";
    sum = calloc(ns + 1, sizeof *sum);
    for (i = 0; i < json_array_size(shots) && !bad; i++) {
        const json_t *sh = json_array_get(shots, i), *notes;
        int si;

        if (!json_is_object(sh) || !only_keys(sh, keys)) {
            bad = "each shot is an object of scene_index, index, shot_type, camera_move,"
                  " duration_s, description, notes";
            break;
        }
        if (!int_ok(json_object_get(sh, "scene_index"), scene ? scene : 1, (long)ns)) {
            bad = "a shot's scene_index names a scene, in order";
            break;
        }
        si = (int)json_integer_value(json_object_get(sh, "scene_index"));
        expect = si == scene ? expect + 1 : 1;
        scene = si;
        if (!int_ok(json_object_get(sh, "index"), expect, expect))
            bad = "shot indexes are 1, 2, 3... within each scene";
        else if (!text_ok(json_object_get(sh, "shot_type"), 100)
                 || !text_ok(json_object_get(sh, "camera_move"), 100)
                 || !text_ok(json_object_get(sh, "description"), 2000)
                 || ((notes = json_object_get(sh, "notes")) && !json_is_string(notes)))
            bad = "a shot's shot_type, camera_move (1 to 100 characters) and description"
                  " (1 to 2000) are required; notes is a text";
        else if (!int_ok(json_object_get(sh, "duration_s"), 1, VP_PLAN_MAX_S))
            bad = "a shot's duration_s is a whole number of seconds, at least 1";
        else
            sum[si] += json_integer_value(json_object_get(sh, "duration_s"));
    }
    for (i = 1; !bad && i <= ns; i++)
        if (sum[i] != json_integer_value(json_object_get(json_array_get(scenes, i - 1),
                                                         "duration_s")))
            bad = "each scene's shots must add up to the scene's duration_s";
    free(sum);
    return bad;
}

const char *vp_plan_check_storyboard(const json_t *sb, const json_t *shots)
{
    static const char *const keys[] = {"scene_index", "shot_index", "caption", "image_prompt",
                                       NULL};
    size_t i;

    if (!json_is_array(sb) || json_array_size(sb) != json_array_size(shots))
        return "must be an array of one frame per shot";
    for (i = 0; i < json_array_size(sb); i++) {
        const json_t *f = json_array_get(sb, i), *sh = json_array_get(shots, i);

        if (!json_is_object(f) || !only_keys(f, keys))
            return "each frame is an object of scene_index, shot_index, caption, image_prompt";
        if (!json_equal(json_object_get(f, "scene_index"), json_object_get(sh, "scene_index"))
            || !json_equal(json_object_get(f, "shot_index"), json_object_get(sh, "index")))
            return "frames follow the shots: the same scene_index and shot_index in order";
        if (!text_ok(json_object_get(f, "caption"), 2000)
            || !text_ok(json_object_get(f, "image_prompt"), 2000))
            return "a frame's caption and image_prompt are texts of 1 to 2000 characters";
    }
    return NULL;
}
