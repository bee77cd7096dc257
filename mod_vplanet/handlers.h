/* Every endpoint handler, by file. The route table (routes.c) is the one
 * place that maps method + path to these. */
#ifndef VP_HANDLERS_H
#define VP_HANDLERS_H

#include "vplanet.h"
#include "vpcore/vp_fields.h"

/* handlers/health.c */
int vp_h_health(vp_req_t *q);
int vp_h_health_ready(vp_req_t *q);
int vp_h_version(vp_req_t *q);

/* handlers/diagnostics.c (only with VPlanetDiagnostics On) */
int vp_h_diag_echo(vp_req_t *q);

/* handlers/auth.c */
int vp_h_signup(vp_req_t *q);
int vp_h_login(vp_req_t *q);
int vp_h_refresh(vp_req_t *q);
int vp_h_logout(vp_req_t *q);
int vp_h_check_email(vp_req_t *q);
int vp_h_check_nickname(vp_req_t *q);
int vp_h_verify_email(vp_req_t *q);
int vp_h_password_reset(vp_req_t *q);
int vp_h_password_reset_confirm(vp_req_t *q);
int vp_h_recover(vp_req_t *q);
/* post_config: the decoy hash for unknown emails; NULL or an error */
const char *vp_auth_prepare(apr_pool_t *p, server_rec *s);

/* handlers/users.c */
int vp_h_me_get(vp_req_t *q);
int vp_h_me_patch(vp_req_t *q);
int vp_h_me_delete(vp_req_t *q);
int vp_h_user_search(vp_req_t *q);

/* handlers/projects.c */
int vp_h_project_list(vp_req_t *q);
int vp_h_project_create(vp_req_t *q);
int vp_h_project_get(vp_req_t *q);
int vp_h_project_update(vp_req_t *q);
int vp_h_project_delete(vp_req_t *q);
int vp_h_project_restore(vp_req_t *q);
int vp_h_project_transfer(vp_req_t *q);
int vp_h_project_stats(vp_req_t *q);
int vp_h_project_events(vp_req_t *q);

/* handlers/members.c */
int vp_h_member_list(vp_req_t *q);
int vp_h_member_add(vp_req_t *q);
int vp_h_member_update(vp_req_t *q);
int vp_h_member_remove(vp_req_t *q);

/* handlers/schedule.c */
int vp_h_schedule_get(vp_req_t *q);
int vp_h_schedule_put(vp_req_t *q);

/* handlers/memos.c */
int vp_h_memo_list(vp_req_t *q);
int vp_h_memo_create(vp_req_t *q);
int vp_h_memo_update(vp_req_t *q);
int vp_h_memo_delete(vp_req_t *q);

#endif
