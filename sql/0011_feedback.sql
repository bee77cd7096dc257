-- Feedback pinned to a video's frames (spec section 6). A feedback belongs
-- to one version of a video; its position is stored as the start of its
-- frame (seconds), its frame and timecode are computed from the video's
-- rate when read. Deleting (a feedback, or its video) is soft: events and
-- pollers still see the deletion.

CREATE TABLE feedbacks (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id      uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    video_id        uuid NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    author_id       uuid REFERENCES users (id) ON DELETE SET NULL,
    guest_email     text,                       -- a guest's (invitations issue)
    timestamp_s     double precision NOT NULL CHECK (timestamp_s BETWEEN 0 AND 86400),
    end_timestamp_s double precision CHECK (end_timestamp_s <= 86400),
    content         text NOT NULL CHECK (char_length(content) BETWEEN 1 AND 5000),
    kind            text NOT NULL DEFAULT 'general'
                    CHECK (kind IN ('general', 'technical', 'creative', 'urgent')),
    display_mode    text NOT NULL DEFAULT 'realname'
                    CHECK (display_mode IN ('realname', 'nickname', 'anonymous')),
    display_name    text CHECK (char_length(display_name) BETWEEN 1 AND 20),
    priority        text NOT NULL DEFAULT 'medium'
                    CHECK (priority IN ('low', 'medium', 'high', 'critical')),
    status          text NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
    tags            text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 10),
    drawing_data    jsonb,
    -- the screenshot's type when there is one (stored under the row's id)
    screenshot_type text CHECK (screenshot_type IN ('image/png', 'image/jpeg', 'image/webp')),
    comments_count  integer NOT NULL DEFAULT 0 CHECK (comments_count >= 0),
    carried_from    uuid REFERENCES feedbacks (id) ON DELETE SET NULL,
    deleted_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT feedbacks_range CHECK (end_timestamp_s > timestamp_s),
    CONSTRAINT feedbacks_nickname CHECK (display_mode <> 'nickname' OR display_name IS NOT NULL)
);
-- the list of one video by position (the hot path), of a project by time;
-- tags by containment
CREATE INDEX feedbacks_video ON feedbacks (video_id, timestamp_s, id) WHERE deleted_at IS NULL;
CREATE INDEX feedbacks_project ON feedbacks (project_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX feedbacks_tags ON feedbacks USING gin (tags) WHERE deleted_at IS NULL;
-- carrying a feedback to a version twice copies it once
CREATE UNIQUE INDEX feedbacks_carried ON feedbacks (video_id, carried_from)
    WHERE carried_from IS NOT NULL;

-- A video's live feedback, all and by status, kept by the writes themselves
-- (the writers hold the project's row lock: no deadlock with these
-- updates): the review screen's list reads its totals from one row instead
-- of counting the video's feedback on every request.
ALTER TABLE videos
    ADD COLUMN feedback_open        integer NOT NULL DEFAULT 0 CHECK (feedback_open >= 0),
    ADD COLUMN feedback_in_progress integer NOT NULL DEFAULT 0 CHECK (feedback_in_progress >= 0),
    ADD COLUMN feedback_resolved    integer NOT NULL DEFAULT 0 CHECK (feedback_resolved >= 0),
    ADD COLUMN feedback_closed      integer NOT NULL DEFAULT 0 CHECK (feedback_closed >= 0);

-- adds d (1 or -1) feedback of status st to video v
CREATE FUNCTION video_feedback_add(v uuid, st text, d integer) RETURNS void
    LANGUAGE sql AS $$
    UPDATE videos SET feedback_count = feedback_count + d,
        feedback_open = feedback_open + CASE WHEN st = 'open' THEN d ELSE 0 END,
        feedback_in_progress = feedback_in_progress + CASE WHEN st = 'in_progress' THEN d ELSE 0 END,
        feedback_resolved = feedback_resolved + CASE WHEN st = 'resolved' THEN d ELSE 0 END,
        feedback_closed = feedback_closed + CASE WHEN st = 'closed' THEN d ELSE 0 END
    WHERE id = v
$$;

CREATE FUNCTION video_feedback_count() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    was boolean := TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL;
    now_live boolean := TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL;
BEGIN
    IF was AND now_live AND OLD.status = NEW.status AND OLD.video_id = NEW.video_id THEN
        RETURN NULL;
    END IF;
    IF was THEN
        PERFORM video_feedback_add(OLD.video_id, OLD.status, -1);
    END IF;
    IF now_live THEN
        PERFORM video_feedback_add(NEW.video_id, NEW.status, 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER feedbacks_count AFTER INSERT OR UPDATE OF deleted_at, status OR DELETE ON feedbacks
    FOR EACH ROW EXECUTE FUNCTION video_feedback_count();
