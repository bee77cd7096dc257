/* Every endpoint handler, by file. The route table (routes.c) is the one
 * place that maps method + path to these. */
#ifndef VP_HANDLERS_H
#define VP_HANDLERS_H

#include "vplanet.h"
#include "vpcore/vp_fields.h"
#include "vpcore/vp_timecode.h"

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

/* handlers/videos.c */
int vp_h_video_list(vp_req_t *q);
int vp_h_video_upload(vp_req_t *q);
int vp_h_video_get(vp_req_t *q);
int vp_h_video_update(vp_req_t *q);
int vp_h_video_delete(vp_req_t *q);
int vp_h_video_versions(vp_req_t *q);
int vp_h_video_content(vp_req_t *q);
int vp_h_video_poster(vp_req_t *q);

/* handlers/uploads.c: resumable uploads (tus 1.0.0); HEAD is the GET route */
int vp_h_upload_create(vp_req_t *q);
int vp_h_upload_get(vp_req_t *q);
int vp_h_upload_patch(vp_req_t *q);
int vp_h_upload_delete(vp_req_t *q);

/* handlers/feedbacks.c */
int vp_h_feedback_list(vp_req_t *q);
int vp_h_feedback_create(vp_req_t *q);
int vp_h_feedback_get(vp_req_t *q);
int vp_h_feedback_update(vp_req_t *q);
int vp_h_feedback_delete(vp_req_t *q);
int vp_h_feedback_screenshot(vp_req_t *q);
int vp_h_feedback_carry(vp_req_t *q);
/* The feedback of res (FEEDBACK_COLS rows) as the caller sees it: a
 * pool-owned array. */
json_t *vp_feedback_items(vp_req_t *q, const PGresult *res);

/* A video's rate (num 0: unknown) and length (< 0: unknown) from the
 * columns fps_num, fps_den and duration_s of row i (those present). */
typedef struct {
    vp_rate_t rate;
    double duration;
} vp_clip_t;
vp_clip_t vp_clip_of(const PGresult *res, int i);

/* handlers/screenshots.c: the image a feedback write brings */
typedef struct {
    const unsigned char *bytes;
    size_t len;
    const char *type;       /* NULL: none; "": removed (PATCH with null); else sniffed */
} vp_shot_t;
/* The body of a feedback write (JSON with a data URL, or a form with data
 * and screenshot parts) validated against fields, and its screenshot;
 * 0 or an error recorded. */
int vp_shot_read(vp_req_t *q, const vp_field_t *fields, json_t **body, vp_shot_t *shot);
/* The screenshot's column (screenshot_type) of the write's row; 503 when
 * an image comes and no storage is configured. */
int vp_shot_column(vp_req_t *q, const vp_shot_t *shot, json_t *row);
/* Inside the write's transaction: puts the bytes under the feedback id,
 * or removes its file (type ""). */
int vp_shot_store(vp_req_t *q, const vp_shot_t *shot, const char *id);
/* The signed URL of a feedback's screenshot for the caller, or null. */
json_t *vp_shot_url(vp_req_t *q, const char *id, int has);

/* handlers/exports.c */
int vp_h_feedback_export_project(vp_req_t *q);
int vp_h_feedback_export_video(vp_req_t *q);

/* handlers/comments.c */
int vp_h_comment_list(vp_req_t *q);
int vp_h_comment_create(vp_req_t *q);
int vp_h_comment_update(vp_req_t *q);
int vp_h_comment_delete(vp_req_t *q);
int vp_h_comment_react(vp_req_t *q);
int vp_h_comment_unreact(vp_req_t *q);
int vp_h_feedback_react(vp_req_t *q);
int vp_h_feedback_unreact(vp_req_t *q);

/* A finished upload becoming a video, from a multipart form or a
 * resumable upload alike. */
typedef struct {
    const char *title;          /* NULL: the file name without its extension */
    const char *filename;       /* as the client named it (NULL: "upload") */
    const char *content_type;   /* sniffed (vp_media_sniff) */
    apr_off_t size;
    const char *sha256;
    /* puts the bytes under the new video's id (VP_OBJ_ORIGINAL), inside
     * its transaction, before the commit */
    apr_status_t (*commit)(void *ctx, const char *video_id);
    void *ctx;
} vp_new_video_t;
/* For q's project (after vp_project_access for VP_ACT_VIDEOS): checks the
 * names, then one transaction inserts the next version of the title's
 * stack, commits the bytes, queues the encoding job and records
 * video.added; honours Idempotency-Key. Returns the status recorded. */
int vp_video_create(vp_req_t *q, const vp_new_video_t *v);
/* A title (max 200) or file name (max 255) a video may have: UTF-8 text
 * of 1..max characters without control characters. */
int vp_video_name_ok(const char *s, size_t max);
/* 0, or a recorded 503 when VPlanetMediaRoot is not set. */
int vp_video_storage(vp_req_t *q);
/* A storage write that failed: 507 when the disk is full, else 500; the
 * log line is fmt's text and the system's error. */
int vp_video_store_failed(vp_req_t *q, apr_status_t rv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The 415 of a file whose first bytes are no video container. */
int vp_video_refused(vp_req_t *q);
/* The largest upload: VPlanetMaxUpload, or LimitRequestBody when smaller. */
apr_off_t vp_video_max_size(vp_req_t *q);

/* handlers/calendar.c */
int vp_h_calendar_list(vp_req_t *q);
int vp_h_calendar_create(vp_req_t *q);
int vp_h_calendar_get(vp_req_t *q);
int vp_h_calendar_replace(vp_req_t *q);
int vp_h_calendar_update(vp_req_t *q);
int vp_h_calendar_delete(vp_req_t *q);
int vp_h_calendar_month(vp_req_t *q);
int vp_h_calendar_updates(vp_req_t *q);
int vp_h_calendar_batch(vp_req_t *q);

/* handlers/calendar_feed.c */
int vp_h_calendar_feed_create(vp_req_t *q);
int vp_h_calendar_feed_delete(vp_req_t *q);
int vp_h_calendar_feed_get(vp_req_t *q);
/* notifications.c (spec section 6) */
int vp_h_notification_list(vp_req_t *q);
int vp_h_notification_read(vp_req_t *q);
int vp_h_notification_settings_get(vp_req_t *q);
int vp_h_notification_settings_put(vp_req_t *q);
/* Inside the transaction of a feedback's creation (after its insert): the
 * uploader of its video is told (the actor hidden when q->anonymous).
 * 0 or a recorded error. */
int vp_notify_feedback(vp_req_t *q, const char *feedback_id);
/* Inside the transaction of a feedback's update, before it: when changes
 * (the update's jsonb of changed columns) changes the status, the author
 * is told the new one. 0 or a recorded error. */
int vp_notify_status_change(vp_req_t *q, const char *feedback_id, const char *changes);
/* handlers/invitations.c (spec section 7) */
int vp_h_invitation_create(vp_req_t *q);
int vp_h_invitation_verify(vp_req_t *q);
int vp_h_invitation_accept(vp_req_t *q);
int vp_h_invitation_decline(vp_req_t *q);
int vp_h_invitation_cancel(vp_req_t *q);
int vp_h_invitation_resend(vp_req_t *q);
int vp_h_invitation_sent(vp_req_t *q);
int vp_h_invitation_received(vp_req_t *q);
int vp_h_invitation_stats(vp_req_t *q);
int vp_h_invitation_recent(vp_req_t *q);
int vp_h_project_audit(vp_req_t *q);
int vp_h_friend_list(vp_req_t *q);
int vp_h_friend_add(vp_req_t *q);
int vp_h_friend_delete(vp_req_t *q);

/* handlers/plannings.c (spec section 9) */
int vp_h_planning_list(vp_req_t *q);
int vp_h_planning_create(vp_req_t *q);
int vp_h_planning_workflow(vp_req_t *q);
int vp_h_planning_get(vp_req_t *q);
int vp_h_planning_update(vp_req_t *q);
int vp_h_planning_delete(vp_req_t *q);
int vp_h_planning_story(vp_req_t *q);
int vp_h_planning_scenes(vp_req_t *q);
int vp_h_planning_shots(vp_req_t *q);
int vp_h_planning_storyboard(vp_req_t *q);
int vp_h_planning_status(vp_req_t *q);
int vp_h_planning_pdf(vp_req_t *q);
int vp_h_framework_list(vp_req_t *q);
int vp_h_framework_create(vp_req_t *q);
int vp_h_framework_get(vp_req_t *q);
int vp_h_framework_update(vp_req_t *q);
int vp_h_framework_delete(vp_req_t *q);

#endif
