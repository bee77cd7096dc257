/* The account rules that signup, login, password reset and the account's
 * own changes share: the httpd-free rules are vpcore's (vp_password,
 * vp_text), this file records their answers. */
#include "vplanet.h"
#include "vpcore/vp_text.h"

#include <apr_strings.h>

int vp_email_key(vp_req_t *q, const char *email, const char **key)
{
    if ((*key = vp_text_key(q->r->pool, email)))
        return 0;
    return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "internal error",
                            "VP0607: cannot compute the key of an email");
}

int vp_login_limits(vp_req_t *q, const char *key)
{
    const char *subject = apr_pstrcat(q->r->pool, vp_client_ip(q), "|", key, NULL);
    int st = vp_rate_limit(q, VP_RL_LOGIN, subject);

    return st ? st : vp_rate_limit(q, VP_RL_LOGIN_LONG, subject);
}

int vp_hash_password(vp_req_t *q, const char *pw, const char **hash)
{
    vp_argon2_params_t prm = vp_config_argon2(q->cfg);

    if ((*hash = vp_password_hash(q->r->pool, &prm, pw)))
        return 0;
    return vp_fail_internal(q, HTTP_INTERNAL_SERVER_ERROR, "internal error",
                            "VP0603: argon2id hashing failed");
}

int vp_check_password(vp_req_t *q, const char *field, const char *pw, const char *email)
{
    const char *why = vp_password_problem(pw, email);

    return why ? vp_fail_field(q, HTTP_UNPROCESSABLE_ENTITY, field, why) : 0;
}
