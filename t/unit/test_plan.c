/* The built-in plan generator (vpcore/vp_plan.c) and the PDF
 * (vpcore/vp_plan_pdf.c): durations, sums, determinism, the options'
 * effects, framework beats, shape checks, golden outputs. */
#include "vpcore/vp_plan.h"
#include "vpcore/vp_plan_pdf.h"
#include "tap.h"

#include <pthread.h>
#include <stdlib.h>

static const char *KO = "제주 감귤 농장의 겨울 수확을 담은 브랜드 영상을 만들고 싶습니다. "
                        "감귤 농부의 손길과 새벽 수확, 그리고 감귤 주스가 되기까지의 과정을 "
                        "따뜻하게 보여 주세요.";
static const char *EN = "A launch video for our electric bike Volt. Show the commute through "
                        "the city, the battery swap in ten seconds, and riders smiling.";

/* threads making the same PDF at once: each must get the same bytes */
typedef struct {
    const json_t *plan;
    const char *font;
    unsigned char *pdf;
    size_t len;
} job_t;

static void *make_pdf(void *c)
{
    job_t *j = c;
    int k;

    for (k = 0; k < 3; k++) {
        free(j->pdf);
        if (vp_plan_pdf(j->plan, j->font, &j->pdf, &j->len, NULL))
            j->len = 0;
    }
    return NULL;
}

static vp_plan_in_t input(const char *title, const char *brief, const char *options_json)
{
    vp_plan_in_t in = {title, brief, {0}, {0}};
    json_t *o = json_loads(options_json, 0, NULL);
    const char *f, *m;

    if (vp_plan_options(o, &in.opts, &f, &m))
        printf("# options %s: %s %s\n", options_json, f, m);
    /* the strings point into o or the rules: o is kept for the test's life */
    return in;
}

static json_t *all(const vp_plan_in_t *in)
{
    json_t *story = vp_plan_story(in), *scenes = vp_plan_scenes(in, story);
    json_t *shots = vp_plan_shots(in, scenes), *sb = vp_plan_storyboard(in, shots);

    return json_pack("{s:o, s:o, s:o, s:o}", "story", story, "scenes", scenes, "shots", shots,
                     "storyboard", sb);
}

static char *dump(const json_t *j)
{
    return json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_ENSURE_ASCII * 0);
}

static int sums_ok(const json_t *p, int total)
{
    const json_t *scenes = json_object_get(p, "scenes"), *shots = json_object_get(p, "shots");

    return !vp_plan_check_scenes(scenes, total) && !vp_plan_check_shots(shots, scenes)
           && !vp_plan_check_storyboard(json_object_get(p, "storyboard"), shots)
           && !vp_plan_check_story(json_object_get(p, "story"));
}

static int golden(const char *name, const json_t *p)
{
    char path[512], *got = dump(p), *want;
    FILE *f;
    long n;
    int same;

    snprintf(path, sizeof path, "%s/%s.json", PLAN_GOLDEN, name);
    if (getenv("PLAN_GOLDEN_WRITE") && (f = fopen(path, "w"))) {
        fputs(got, f);
        fputc('\n', f);
        fclose(f);
    }
    if (!(f = fopen(path, "r"))) {
        free(got);
        return 0;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    want = calloc(1, (size_t)n + 1);
    if (fread(want, 1, (size_t)n, f) != (size_t)n)
        n = 0;
    fclose(f);
    same = n > 0 && strlen(got) + 1 == (size_t)n && !strncmp(got, want, strlen(got));
    if (!same)
        printf("# %s differs from the golden %s\n", name, path);
    free(got);
    free(want);
    return same;
}

static int story_has(const json_t *p, const char *s)
{
    char *d = json_dumps(json_object_get(p, "story"), 0);
    int has = strstr(d, s) != NULL;

    free(d);
    return has;
}

int main(void)
{
    int s;
    vp_plan_in_t in, in2;
    json_t *a, *b, *keys;
    char *da, *db;
    static const char *durs[] = {"30", "90", "\"3분\"", "\"10분\""};
    static const int durs_s[] = {30, 90, 180, 600};
    int i;

    ok(vp_plan_rules() != NULL, "the compiled-in rules parse");
    /* durations */
    ok(!vp_plan_duration("3분", &s) && s == 180, "3분");
    ok(!vp_plan_duration("1분 30초", &s) && s == 90, "1분 30초");
    ok(!vp_plan_duration("1분30초", &s) && s == 90, "1분30초");
    ok(!vp_plan_duration("90초", &s) && s == 90, "90초");
    ok(!vp_plan_duration("2 min", &s) && s == 120, "2 min");
    ok(!vp_plan_duration("1 min 30 s", &s) && s == 90, "1 min 30 s");
    ok(!vp_plan_duration("1.5 minutes", &s) && s == 90, "1.5 minutes");
    ok(!vp_plan_duration("1시간", &s) && s == 3600, "1시간");
    ok(!vp_plan_duration("45", &s) && s == 45, "plain seconds");
    ok(vp_plan_duration("", &s), "empty: error");
    ok(vp_plan_duration("세 분", &s), "words: error");
    ok(vp_plan_duration("3 parsecs", &s), "unknown unit: error");
    ok(vp_plan_duration("30초 1분", &s), "units out of order: error");
    ok(vp_plan_duration("1분 2분", &s), "a unit twice: error");
    ok(vp_plan_duration("1.5", &s), "fractional plain seconds: error");
    ok(vp_plan_duration("-3분", &s), "negative: error");
    ok(vp_plan_duration("12345678901", &s), "huge: error");
    {
        json_t *o = json_loads("{\"duration\": \"3 parsecs\"}", 0, NULL);
        const char *f, *m;
        vp_plan_opts_t op;

        ok(vp_plan_options(o, &op, &f, &m) && !strcmp(f, "options.duration"),
           "bad duration text names options.duration");
        json_decref(o);
        o = json_loads("{\"tone\": \"grumpy\"}", 0, NULL);
        ok(vp_plan_options(o, &op, &f, &m) && !strcmp(f, "options.tone"), "unknown tone");
        json_decref(o);
        o = json_loads("{\"intensity\": 1.5}", 0, NULL);
        ok(vp_plan_options(o, &op, &f, &m) && !strcmp(f, "options.intensity"), "intensity > 1");
        json_decref(o);
        o = json_loads("{\"colour\": \"red\"}", 0, NULL);
        ok(vp_plan_options(o, &op, &f, &m) && !strcmp(f, "options"), "unknown option key");
        json_decref(o);
        o = json_loads("{\"duration\": 4}", 0, NULL);
        ok(vp_plan_options(o, &op, &f, &m), "4 s is too short");
        json_decref(o);
        ok(!vp_plan_options(NULL, &op, &f, &m) && op.duration_s == 60 && !strcmp(op.tone, "warm"),
           "defaults");
    }
    /* key phrases: particles stripped, most frequent first */
    keys = vp_plan_keys("제주 감귤", KO, 3);
    da = json_dumps(keys, 0);
    is_str(json_string_value(json_array_get(keys, 0)), "감귤", "the brief's most frequent word leads");
    printf("# keys %s\n", da);
    free(da);
    json_decref(keys);

    /* sums and determinism for several durations */
    for (i = 0; i < 4; i++) {
        char o[128], name[64];

        snprintf(o, sizeof o, "{\"duration\": %s}", durs[i]);
        in = input("감귤 이야기", KO, o);
        a = all(&in);
        b = all(&in);
        da = dump(a);
        db = dump(b);
        snprintf(name, sizeof name, "%d s: scenes and shots add up exactly", durs_s[i]);
        ok(in.opts.duration_s == durs_s[i] && sums_ok(a, durs_s[i]), name);
        snprintf(name, sizeof name, "%d s: byte-identical twice", durs_s[i]);
        ok(!strcmp(da, db), name);
        free(da);
        free(db);
        json_decref(a);
        json_decref(b);
    }
    /* the brief's key phrases are in the story */
    in = input("감귤 이야기", KO, "{}");
    a = all(&in);
    ok(story_has(a, "감귤") && story_has(a, "수확") && story_has(a, "제주"),
       "Korean key phrases appear in the story");
    ok(golden("ko", a), "golden output, Korean brief");
    json_decref(a);
    in = input("Volt launch", EN,
               "{\"tone\":\"energetic\",\"genre\":\"commercial\",\"intensity\":0.8,"
               "\"target_audience\":\"young_adults\",\"purpose\":\"promotion\",\"duration\":\"1 min 30 s\"}");
    a = all(&in);
    ok(story_has(a, "Volt") && story_has(a, "bike"), "English key phrases appear in the story");
    ok(golden("en", a), "golden output, English brief");
    json_decref(a);

    /* each option changes the output in its documented way */
    in = input("감귤 이야기", KO, "{}");
    a = all(&in);
    in2 = input("감귤 이야기", KO, "{\"tone\":\"serious\"}");
    b = all(&in2);
    ok(story_has(a, "따뜻한") && story_has(b, "진지한") && !story_has(b, "따뜻한"),
       "tone sets the mood wording");
    json_decref(b);
    in2 = input("감귤 이야기", KO, "{\"genre\":\"documentary\"}");
    b = all(&in2);
    ok(json_array_size(json_object_get(b, "scenes")) != json_array_size(json_object_get(a, "scenes"))
       && story_has(b, "다큐멘터리답게"), "genre changes the structure's emphasis and scene count");
    json_decref(b);
    in2 = input("감귤 이야기", KO, "{\"intensity\":0.9}");
    b = all(&in2);
    ok(story_has(b, "극적인 위기") && story_has(a, "뚜렷한 갈등")
       && json_array_size(json_object_get(b, "shots")) > json_array_size(json_object_get(a, "shots")),
       "intensity raises the conflict and quickens the cutting");
    json_decref(b);
    in2 = input("감귤 이야기", KO, "{\"target_audience\":\"professionals\"}");
    b = all(&in2);
    ok(story_has(b, "정확한 용어") && story_has(b, "수치"), "audience sets the complexity");
    json_decref(b);
    in2 = input("감귤 이야기", KO, "{\"purpose\":\"education\"}");
    b = all(&in2);
    ok(story_has(b, "배운 내용") && strstr(json_dumps(json_object_get(b, "shots"), 0), "자막"),
       "purpose sets how the message is delivered");
    json_decref(b);
    in2 = input("감귤 이야기", KO, "{\"duration\": 30}");
    b = all(&in2);
    ok(json_array_size(json_object_get(b, "shots")) < json_array_size(json_object_get(a, "shots")),
       "a shorter duration, fewer shots");
    json_decref(b);
    /* a framework's beats drive the stages */
    in2 = input("감귤 이야기", KO, "{}");
    in2.beats[0] = "첫 장면에 언 감귤이 깨지는 소리";
    in2.beats[1] = "농부의 하루를 1인칭으로";
    in2.beats[2] = "주스 공장이 아니라 할머니의 부엌";
    in2.beats[3] = "다음 편은 봄의 감귤꽃";
    b = all(&in2);
    ok(strstr(json_string_value(json_object_get(json_object_get(b, "story"), "intro")),
              "[훅] 첫 5초: 첫 장면에 언 감귤이 깨지는 소리")
       && strstr(json_string_value(json_object_get(json_object_get(b, "story"), "turn")),
                 "[반전] 주스 공장이 아니라 할머니의 부엌")
       && strstr(json_string_value(json_object_get(json_object_get(b, "story"), "conclusion")),
                 "[떡밥] 다음 편 예고: 다음 편은 봄의 감귤꽃"),
       "a framework's beats lead the four stages");
    /* scenes follow an edited story */
    {
        json_t *story = json_deep_copy(json_object_get(a, "story")), *sc;

        json_object_set_new(story, "turn", json_string("편집된 전환 문장."));
        sc = vp_plan_scenes(&in, story);
        da = json_dumps(sc, 0);
        ok(strstr(da, "편집된 전환 문장") != NULL, "scenes follow an edited story");
        free(da);
        json_decref(sc);
        json_decref(story);
    }
    /* shape checks refuse what does not add up */
    {
        json_t *scenes = json_deep_copy(json_object_get(a, "scenes"));
        json_t *shots = json_deep_copy(json_object_get(a, "shots"));

        json_object_set_new(json_array_get(scenes, 0), "duration_s", json_integer(999));
        ok(vp_plan_check_scenes(scenes, 60) != NULL, "scenes not adding up are refused");
        ok(vp_plan_check_shots(shots, scenes) != NULL, "shots not adding up to a scene are refused");
        ok(vp_plan_check_story(json_pack("{s:s}", "intro", "x")) != NULL, "a partial story is refused");
        ok(vp_plan_check_storyboard(json_array(), shots) != NULL, "a storyboard without frames is refused");
        json_decref(scenes);
        json_decref(shots);
    }
    /* the PDF */
    {
        const char *font = vp_plan_pdf_font();
        json_t *plan = json_deep_copy(a);
        unsigned char *pdf = NULL;
        size_t len = 0, len2 = 0;
        unsigned char *pdf2 = NULL;
        int pages = 0;

        ok(font != NULL, "a Korean font is installed");
        json_object_set_new(plan, "title", json_string("감귤 이야기"));
        json_object_set_new(plan, "planning_text", json_string(KO));
        json_object_set_new(plan, "options", vp_plan_options_json(&in.opts));
        ok(!vp_plan_pdf(plan, font, &pdf, &len, &pages) && len > 1000 && !memcmp(pdf, "%PDF", 4),
           "a PDF is made");
        is_int(pages, 1 + (int)json_array_size(json_object_get(a, "scenes")),
               "a title page and a page per scene");
        ok(!vp_plan_pdf(plan, font, &pdf2, &len2, NULL) && len == len2 && !memcmp(pdf, pdf2, len),
           "the same plan, the same PDF bytes");
        if (getenv("PLAN_PDF_OUT")) {
            FILE *f = fopen(getenv("PLAN_PDF_OUT"), "wb");

            fwrite(pdf, 1, len, f);
            fclose(f);
        }
        free(pdf);
        {
            job_t jobs[8];
            pthread_t th[8];
            int k, same = 1;

            for (k = 0; k < 8; k++) {
                jobs[k] = (job_t){plan, font, NULL, 0};
                pthread_create(&th[k], NULL, make_pdf, &jobs[k]);
            }
            for (k = 0; k < 8; k++) {
                pthread_join(th[k], NULL);
                same &= jobs[k].len == len && !memcmp(jobs[k].pdf, pdf2, len);
                free(jobs[k].pdf);
            }
            ok(same, "8 threads at once (more than the font maps), the same bytes each");
        }
        free(pdf2);
        /* one scene of 40 shots with long descriptions: the table goes on
         * over several pages, split between rows */
        {
            json_t *shots = json_array(), *sb = json_array();
            int k;
            unsigned char *big;
            size_t blen;
            int bpages = 0;

            for (k = 1; k <= 40; k++) {
                json_array_append_new(shots, json_pack("{s:i, s:i, s:s, s:s, s:i, s:s, s:s}",
                    "scene_index", 1, "index", k, "shot_type", "클로즈업", "camera_move", "고정",
                    "duration_s", 1, "description",
                    "아주 긴 설명이 여러 줄로 감싸여야 합니다. 감귤 농부가 새벽에 밭으로 나가는 장면을"
                    " 천천히 따라가며 손끝의 움직임과 입김을 함께 담는다.", "notes", "조명: 자연광"));
                json_array_append_new(sb, json_pack("{s:i, s:i, s:s, s:s}", "scene_index", 1,
                    "shot_index", k, "caption", "캡션", "image_prompt", "sketch"));
            }
            json_object_set_new(plan, "scenes", json_pack("[{s:i, s:s, s:s, s:s, s:i}]", "index", 1,
                "stage", "intro", "title", "긴 씬", "summary", "요약", "duration_s", 40));
            json_object_set_new(plan, "shots", shots);
            json_object_set_new(plan, "storyboard", sb);
            ok(!vp_plan_pdf(plan, font, &big, &blen, &bpages) && bpages > 3,
               "a long table runs over several pages");
            printf("# 40 long rows: %d pages\n", bpages);
            if (getenv("PLAN_PDF_OUT_LONG")) {
                FILE *f = fopen(getenv("PLAN_PDF_OUT_LONG"), "wb");

                fwrite(big, 1, blen, f);
                fclose(f);
            }
            free(big);
        }
        json_decref(plan);
    }
    json_decref(a);
    json_decref(b);
    return done_testing();
}
