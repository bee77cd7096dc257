-- Discussion (spec section 6): threaded comments on feedback, reactions,
-- and the notifications they and feedback cause, with each user's
-- notification settings and language. Notifications are written in the
-- transaction of their cause (vplanet_notify); vplanetd pushes them to the
-- recipient's sockets and mails them (instantly or as digests).

-- The language of a user's emails and notification texts, from the
-- Accept-Language of the signup.
ALTER TABLE users
    ADD COLUMN locale text NOT NULL DEFAULT 'ko' CHECK (locale IN ('ko', 'en'));

-- A comment's parent is a comment of the same feedback: the composite key
-- makes a reply to another feedback's comment impossible, not just checked.
-- A deleted comment keeps its row (its replies hang from it) but not its
-- text.
CREATE TABLE comments (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    feedback_id  uuid NOT NULL REFERENCES feedbacks (id) ON DELETE CASCADE,
    project_id   uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    parent_id    uuid,
    author_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    guest_email  text,                          -- a guest's (invitations issue)
    content      text NOT NULL,
    mentions     uuid[] NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    edited_at    timestamptz,
    deleted_at   timestamptz,
    UNIQUE (feedback_id, id),
    FOREIGN KEY (feedback_id, parent_id) REFERENCES comments (feedback_id, id),
    CONSTRAINT comments_content CHECK (deleted_at IS NOT NULL
                                       OR char_length(content) BETWEEN 1 AND 2000)
);
-- a feedback's thread in order of writing; a comment's replies
CREATE INDEX comments_feedback ON comments (feedback_id, created_at, id);
CREATE INDEX comments_parent ON comments (parent_id) WHERE parent_id IS NOT NULL;

-- The live comments of a feedback, kept by the writes (which hold the
-- project's row lock, then this feedback's: one order, no deadlock).
CREATE FUNCTION feedback_comment_count() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    was boolean := TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL;
    now_live boolean := TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL;
BEGIN
    IF was = now_live THEN
        RETURN NULL;
    END IF;
    UPDATE feedbacks SET comments_count = comments_count + CASE WHEN now_live THEN 1 ELSE -1 END
        WHERE id = coalesce(NEW.feedback_id, OLD.feedback_id);
    RETURN NULL;
END $$;
CREATE TRIGGER comments_count AFTER INSERT OR UPDATE OF deleted_at OR DELETE ON comments
    FOR EACH ROW EXECUTE FUNCTION feedback_comment_count();

-- One user's reactions on a comment or on a feedback: one of the words or
-- one emoji grapheme (vpcore/vp_reaction.c checks it; stored as given).
CREATE TABLE reactions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id   uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    comment_id   uuid REFERENCES comments (id) ON DELETE CASCADE,
    feedback_id  uuid REFERENCES feedbacks (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reaction     text NOT NULL CHECK (octet_length(reaction) BETWEEN 1 AND 64),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reactions_target CHECK ((comment_id IS NULL) <> (feedback_id IS NULL))
);
CREATE UNIQUE INDEX reactions_comment ON reactions (comment_id, reaction, user_id)
    WHERE comment_id IS NOT NULL;
CREATE UNIQUE INDEX reactions_feedback ON reactions (feedback_id, reaction, user_id)
    WHERE feedback_id IS NOT NULL;

-- What a user is told (spec section 6). seq orders them (the realtime
-- channel's cursor, "newest first"); the text is written in the
-- recipient's language when the notification is made. emailed_at: the
-- email that carried it (instant or a digest) was queued.
CREATE TABLE notifications (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type         text NOT NULL
                 CHECK (type IN ('mention', 'reply', 'feedback', 'status_change', 'invitation')),
    actor_id     uuid REFERENCES users (id) ON DELETE SET NULL,   -- NULL: hidden or a guest
    actor_name   text NOT NULL,
    project_id   uuid REFERENCES projects (id) ON DELETE CASCADE,
    feedback_id  uuid REFERENCES feedbacks (id) ON DELETE CASCADE,
    comment_id   uuid REFERENCES comments (id) ON DELETE CASCADE,
    text         text NOT NULL,
    read_at      timestamptz,
    emailed_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user ON notifications (user_id, seq);
CREATE INDEX notifications_unread ON notifications (user_id, seq) WHERE read_at IS NULL;
CREATE INDEX notifications_unmailed ON notifications (user_id, seq) WHERE emailed_at IS NULL;

-- A user's notification settings; no row: the defaults (instant email,
-- every type). A type turned off makes no notification at all.
-- last_digest_at: the end of the last digest period vplanetd closed
-- (hourly/daily), kept here so that a restart neither repeats nor skips
-- one.
CREATE TABLE notification_settings (
    user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email          text NOT NULL DEFAULT 'instant'
                   CHECK (email IN ('instant', 'hourly', 'daily', 'off')),
    mention        boolean NOT NULL DEFAULT true,
    reply          boolean NOT NULL DEFAULT true,
    feedback       boolean NOT NULL DEFAULT true,
    status_change  boolean NOT NULL DEFAULT true,
    invitation     boolean NOT NULL DEFAULT true,
    last_digest_at timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_settings_digest ON notification_settings (email)
    WHERE email IN ('hourly', 'daily');

-- The sentence of a notification in a language: who did what, and an
-- excerpt of it (a comment's or a feedback's text, or the new status).
CREATE FUNCTION notification_text(kind text, lang text, actor text, excerpt text) RETURNS text
    LANGUAGE sql IMMUTABLE
    RETURN CASE WHEN lang = 'en' THEN
        CASE kind
            WHEN 'mention' THEN actor || ' mentioned you: '
            WHEN 'reply' THEN actor || ' replied to your comment: '
            WHEN 'feedback' THEN actor || ' left feedback on your video: '
            WHEN 'status_change' THEN actor || ' changed the status of your feedback to '
            ELSE actor || ' invited you: ' END
    ELSE
        CASE kind
            WHEN 'mention' THEN actor || '님이 회원님을 언급했습니다: '
            WHEN 'reply' THEN actor || '님이 회원님의 댓글에 답글을 남겼습니다: '
            WHEN 'feedback' THEN actor || '님이 회원님의 영상에 피드백을 남겼습니다: '
            WHEN 'status_change' THEN actor || '님이 회원님의 피드백 상태를 바꿨습니다: '
            ELSE actor || '님이 회원님을 초대했습니다: ' END
    END || CASE WHEN char_length(excerpt) > 100 THEN left(excerpt, 99) || '…' ELSE excerpt END;

-- Notifies each of to_users that by_user did what (in in_project, about a
-- feedback and/or a comment; said: an excerpt of it): one notification
-- each, none for by_user itself, for someone not (or no longer) a member of
-- the project (an invitation excepted), or who turned that type off.
-- hidden: the actor is not named (an anonymous feedback's author).
-- Returns how many were made. (Parameter names differ from every column:
-- in a SQL function a column of the same name would win.)
CREATE FUNCTION vplanet_notify(to_users uuid[], what text, by_user uuid, hidden boolean,
                               in_project uuid, on_feedback uuid, on_comment uuid, said text)
    RETURNS integer
    LANGUAGE sql AS $$
    WITH made AS (
        INSERT INTO notifications (user_id, type, actor_id, actor_name, project_id, feedback_id,
                                   comment_id, text)
        SELECT u.id, what, CASE WHEN hidden THEN NULL ELSE by_user END, n.name,
               in_project, on_feedback, on_comment,
               notification_text(what, u.locale, n.name, coalesce(said, ''))
        FROM users u
        LEFT JOIN notification_settings s ON s.user_id = u.id
        CROSS JOIN LATERAL (
            SELECT coalesce(CASE WHEN NOT hidden THEN (SELECT a.nickname FROM users a
                                                        WHERE a.id = by_user) END,
                            CASE u.locale WHEN 'en' THEN 'Someone' ELSE '누군가' END) AS name) n
        WHERE u.id IN (SELECT unnest(to_users))
          AND u.id IS DISTINCT FROM by_user
          AND u.is_active AND NOT u.is_deleted
          AND (what = 'invitation' OR EXISTS (SELECT 1 FROM project_members m
                                              WHERE m.user_id = u.id
                                              AND m.project_id = in_project))
          AND coalesce(CASE what WHEN 'mention' THEN s.mention WHEN 'reply' THEN s.reply
                                 WHEN 'feedback' THEN s.feedback
                                 WHEN 'status_change' THEN s.status_change
                                 ELSE s.invitation END, true)
        RETURNING 1
    )
    SELECT count(*)::int FROM made
$$;

-- vplanet_notifications carries {"user_id", "seq"} at commit: vplanetd
-- reads the row, pushes it to the user's sockets and mails it.
CREATE FUNCTION notification_notify() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify('vplanet_notifications',
                      json_build_object('user_id', NEW.user_id, 'seq', NEW.seq)::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER notification_notify AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION notification_notify();

-- A notification as its user sees it: in GET /api/v1/notifications and in
-- the payload of notification.created on /ws/me (vplanetd), one shape made
-- in one place. actor: null when hidden, a guest, or the account is gone.
CREATE FUNCTION notification_json(n notifications) RETURNS json
    LANGUAGE sql STABLE
    RETURN json_build_object(
        'id', n.id, 'type', n.type,
        'actor', (SELECT json_build_object('id', a.id, 'nickname', a.nickname,
                                           'avatar_url', a.avatar_url)
                  FROM users a WHERE a.id = n.actor_id),
        'actor_name', n.actor_name, 'project_id', n.project_id,
        'target', json_build_object('feedback_id', n.feedback_id, 'comment_id', n.comment_id),
        'text', n.text, 'read', n.read_at IS NOT NULL, 'created_at', rfc3339(n.created_at));
