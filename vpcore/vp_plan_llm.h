/* An OpenAI-compatible chat-completions endpoint asked for a plan's step
 * (spec section 9): the prompt carries the step's JSON schema, the answer
 * is checked against the same shapes as an edit (vp_plan_check_*). No
 * httpd here; libcurl with a total timeout, no signals (threads). */
#ifndef VP_PLAN_LLM_H
#define VP_PLAN_LLM_H

#include "vp_plan.h"

typedef struct {
    const char *url;            /* the API's base: {url}/chat/completions */
    const char *model;
    const char *key;            /* the bearer key; NULL or "": never asked */
    long timeout_ms;
} vp_llm_t;

/* Once per process, before threads (post_config). */
void vp_plan_llm_global_init(void);

/* Step (0 story .. 3 storyboard) from the endpoint, prev the previous step
 * (NULL for the story): a new reference, checked; or NULL with why set to
 * a text that never holds the key (a timeout, an HTTP status, an invalid
 * answer) in buf. */
json_t *vp_plan_llm_step(const vp_llm_t *c, const vp_plan_in_t *in, int step,
                         const json_t *prev, char *why, size_t whylen);

#endif
