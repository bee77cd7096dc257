/* The built-in plan generator (spec section 9): brief → story → scenes →
 * shots → storyboard, deterministic (the same input gives byte-identical
 * output: no clock, no randomness, no locale), in Korean. Its words and
 * rules are the tables of data/planning/rules.json, compiled in at build
 * time (vp_plan_rules.c). No httpd here: the module and the unit tests
 * call it alike. */
#ifndef VP_PLAN_H
#define VP_PLAN_H

#include <jansson.h>

#define VP_PLAN_MIN_S 5         /* the shortest plan */
#define VP_PLAN_MAX_S 3600      /* and the longest */

typedef struct {
    const char *tone, *genre, *audience, *purpose; /* keys of the rules' tables */
    double intensity;                              /* 0..1 */
    int duration_s;
} vp_plan_opts_t;

typedef struct {
    const char *title;
    const char *brief;          /* planning_text */
    vp_plan_opts_t opts;
    /* a framework's beats (훅, 몰입, 반전, 떡밥) for the four stages; all
     * NULL without one */
    const char *beats[4];
} vp_plan_in_t;

/* The rules (parsed once, thread-safe; never freed). NULL only when the
 * compiled-in text is broken, which the unit tests rule out. */
const json_t *vp_plan_rules(void);

/* A duration: seconds ("90"), Korean ("3분", "1분 30초", "90초", "1시간")
 * or English ("2 min", "1 min 30 s", "90 sec", "1.5 minutes", "1h").
 * 0 with *seconds set, or -1 for text it cannot read. The range is the
 * caller's to check. */
int vp_plan_duration(const char *text, int *seconds);

/* The options object of a plan (NULL: all defaults) with the defaults of
 * the rules filled in; strings point into options or the rules. 0, or -1
 * with *field (e.g. "options.tone") and *msg naming the problem. */
int vp_plan_options(const json_t *options, vp_plan_opts_t *o, const char **field,
                    const char **msg);
/* The options as stored and answered: every key, duration in seconds. New
 * reference. */
json_t *vp_plan_options_json(const vp_plan_opts_t *o);

/* The brief's key phrases, most frequent first (then by first place), at
 * most n of them; title's words count too. New reference (array). */
json_t *vp_plan_keys(const char *title, const char *brief, int n);

/* The steps; each a new reference. story: {intro, development, turn,
 * conclusion}; scenes [{index, stage, title, summary, duration_s}] adding
 * up to the duration; shots [{scene_index, index, shot_type, camera_move,
 * duration_s, description, notes}] adding up to each scene's; storyboard
 * [{scene_index, shot_index, caption, image_prompt}]. The input of each is
 * the previous step as stored (possibly edited), checked by the
 * vp_plan_check_* first. */
json_t *vp_plan_story(const vp_plan_in_t *in);
json_t *vp_plan_scenes(const vp_plan_in_t *in, const json_t *story);
json_t *vp_plan_shots(const vp_plan_in_t *in, const json_t *scenes);
json_t *vp_plan_storyboard(const vp_plan_in_t *in, const json_t *shots);

/* Shape checks of a step (an edit, or an external generator's answer):
 * NULL when it is well formed, else a message (static text) naming the
 * first problem. total: the plan's duration (0: not checked). */
const char *vp_plan_check_story(const json_t *story);
const char *vp_plan_check_scenes(const json_t *scenes, int total);
const char *vp_plan_check_shots(const json_t *shots, const json_t *scenes);
const char *vp_plan_check_storyboard(const json_t *storyboard, const json_t *shots);

/* The compiled-in rules text (vp_plan_rules.c, made from rules.json). */
extern const char vp_plan_rules_text[];

#endif
