/* The route table: method, path pattern, handler. */
#include "routes.h"

#ifdef VP_ROUTES_BY_NAME
/* Without httpd (the fuzz harness of route matching): the handler's name
 * stands for it, so the table links without the handlers. */
#define ROUTE(method, pattern, fn) {method, pattern, #fn}
#else
#include "handlers.h"
#define ROUTE(method, pattern, fn) {method, pattern, (const void *)(fn)}
#endif

const vp_route_t vp_routes[] = {
    ROUTE("GET",  "/api/health",                 vp_h_health),
    ROUTE("GET",  "/api/health/ready",           vp_h_health_ready),
    ROUTE("GET",  "/api/version",                vp_h_version),
    ROUTE("POST", "/api/v1/diagnostics/echo",    vp_h_diag_echo),

    ROUTE("POST", "/api/v1/auth/signup",         vp_h_signup),
    ROUTE("POST", "/api/v1/auth/login",          vp_h_login),
    ROUTE("POST", "/api/v1/auth/refresh",        vp_h_refresh),
    ROUTE("POST", "/api/v1/auth/logout",         vp_h_logout),
    ROUTE("POST", "/api/v1/auth/check-email",    vp_h_check_email),
    ROUTE("POST", "/api/v1/auth/check-nickname", vp_h_check_nickname),
    ROUTE("POST", "/api/v1/auth/verify-email",   vp_h_verify_email),
    ROUTE("POST", "/api/v1/auth/password-reset", vp_h_password_reset),
    ROUTE("POST", "/api/v1/auth/password-reset/confirm", vp_h_password_reset_confirm),
    ROUTE("POST", "/api/v1/auth/recover",        vp_h_recover),
    ROUTE("GET",  "/api/v1/users/me",            vp_h_me_get),
    ROUTE("PATCH", "/api/v1/users/me",           vp_h_me_patch),
    ROUTE("DELETE", "/api/v1/users/me",          vp_h_me_delete),
    ROUTE("GET",  "/api/v1/users/search",        vp_h_user_search),

    ROUTE("GET",  "/api/v1/projects",                      vp_h_project_list),
    ROUTE("POST", "/api/v1/projects",                      vp_h_project_create),
    ROUTE("GET",  "/api/v1/projects/{id}",                 vp_h_project_get),
    ROUTE("PATCH", "/api/v1/projects/{id}",                vp_h_project_update),
    ROUTE("DELETE", "/api/v1/projects/{id}",               vp_h_project_delete),
    ROUTE("POST", "/api/v1/projects/{id}/restore",         vp_h_project_restore),
    ROUTE("POST", "/api/v1/projects/{id}/transfer",        vp_h_project_transfer),
    ROUTE("GET",  "/api/v1/projects/{id}/stats",           vp_h_project_stats),
    ROUTE("GET",  "/api/v1/projects/{id}/events",          vp_h_project_events),
    ROUTE("GET",  "/api/v1/projects/{id}/members",         vp_h_member_list),
    ROUTE("POST", "/api/v1/projects/{id}/members",         vp_h_member_add),
    ROUTE("PATCH", "/api/v1/projects/{id}/members/{user_id}", vp_h_member_update),
    ROUTE("DELETE", "/api/v1/projects/{id}/members/{user_id}", vp_h_member_remove),
    ROUTE("GET",  "/api/v1/projects/{id}/schedule",        vp_h_schedule_get),
    ROUTE("PUT",  "/api/v1/projects/{id}/schedule",        vp_h_schedule_put),
    ROUTE("GET",  "/api/v1/projects/{id}/memos",           vp_h_memo_list),
    ROUTE("POST", "/api/v1/projects/{id}/memos",           vp_h_memo_create),
    ROUTE("PATCH", "/api/v1/projects/{id}/memos/{memo_id}", vp_h_memo_update),
    ROUTE("DELETE", "/api/v1/projects/{id}/memos/{memo_id}", vp_h_memo_delete),
    ROUTE("GET",  "/api/v1/projects/{id}/videos",          vp_h_video_list),
    ROUTE("POST", "/api/v1/projects/{id}/videos",          vp_h_video_upload),
    ROUTE("POST", "/api/v1/projects/{id}/uploads",         vp_h_upload_create),
    ROUTE("GET",  "/api/v1/projects/{id}/uploads/{upload_id}", vp_h_upload_get),
    ROUTE("PATCH", "/api/v1/projects/{id}/uploads/{upload_id}", vp_h_upload_patch),
    ROUTE("DELETE", "/api/v1/projects/{id}/uploads/{upload_id}", vp_h_upload_delete),
    ROUTE("GET",  "/api/v1/videos/{id}",                   vp_h_video_get),
    ROUTE("PATCH", "/api/v1/videos/{id}",                  vp_h_video_update),
    ROUTE("DELETE", "/api/v1/videos/{id}",                 vp_h_video_delete),
    ROUTE("GET",  "/api/v1/videos/{id}/versions",          vp_h_video_versions),
    ROUTE("GET",  "/api/v1/videos/{id}/content",           vp_h_video_content),
    ROUTE("GET",  "/api/v1/videos/{id}/poster",            vp_h_video_poster),
    ROUTE("POST", "/api/v1/videos/{id}/carry-feedback",    vp_h_feedback_carry),
    ROUTE("GET",  "/api/v1/projects/{id}/feedbacks",       vp_h_feedback_list),
    ROUTE("POST", "/api/v1/projects/{id}/feedbacks",       vp_h_feedback_create),
    ROUTE("GET",  "/api/v1/projects/{id}/feedbacks/export", vp_h_feedback_export_project),
    ROUTE("GET",  "/api/v1/videos/{id}/feedbacks/export",  vp_h_feedback_export_video),
    ROUTE("GET",  "/api/v1/feedbacks/{id}",                vp_h_feedback_get),
    ROUTE("PATCH", "/api/v1/feedbacks/{id}",               vp_h_feedback_update),
    ROUTE("DELETE", "/api/v1/feedbacks/{id}",              vp_h_feedback_delete),
    ROUTE("GET",  "/api/v1/feedbacks/{id}/screenshot",     vp_h_feedback_screenshot),
    ROUTE("GET",  "/api/v1/feedbacks/{id}/comments",       vp_h_comment_list),
    ROUTE("POST", "/api/v1/feedbacks/{id}/comments",       vp_h_comment_create),
    ROUTE("PATCH", "/api/v1/comments/{id}",                vp_h_comment_update),
    ROUTE("DELETE", "/api/v1/comments/{id}",               vp_h_comment_delete),
    ROUTE("POST", "/api/v1/comments/{id}/reactions",       vp_h_comment_react),
    ROUTE("DELETE", "/api/v1/comments/{id}/reactions",     vp_h_comment_unreact),
    ROUTE("POST", "/api/v1/feedbacks/{id}/reactions",      vp_h_feedback_react),
    ROUTE("DELETE", "/api/v1/feedbacks/{id}/reactions",    vp_h_feedback_unreact),
};

const int vp_nroutes = sizeof vp_routes / sizeof vp_routes[0];
