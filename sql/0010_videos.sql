-- Videos (spec section 5): version stacks of uploaded files, their
-- renditions, the encoding jobs vplanetd drains and the resumable (tus)
-- uploads in flight. Files live in the storage folder under the ids of
-- these rows (vpcore/vp_storage.h), never under a name a client chose.

-- A stack is one title of a project (any letter case); its videos are its
-- versions. Renaming the stack renames every version. The stack stays when
-- its versions are deleted, so that version numbers are never reused.
CREATE TABLE video_stacks (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    last_version integer NOT NULL DEFAULT 0 CHECK (last_version >= 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX video_stacks_title ON video_stacks (project_id, lower(title));

CREATE TABLE videos (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id      uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    stack_id        uuid NOT NULL REFERENCES video_stacks (id) ON DELETE CASCADE,
    version         integer NOT NULL CHECK (version >= 1),
    filename        text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 255),
    content_type    text NOT NULL,
    size_bytes      bigint NOT NULL CHECK (size_bytes > 0),
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    duration_s      double precision CHECK (duration_s >= 0),
    fps_num         integer CHECK (fps_num > 0),
    fps_den         integer CHECK (fps_den > 0),
    width           integer CHECK (width > 0),
    height          integer CHECK (height > 0),
    uploaded_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    encoding_status text NOT NULL DEFAULT 'pending'
                    CHECK (encoding_status IN ('pending', 'processing', 'completed', 'partial',
                                               'failed')),
    encoding_progress integer NOT NULL DEFAULT 0 CHECK (encoding_progress BETWEEN 0 AND 100),
    encoding_error  text,
    has_poster      boolean NOT NULL DEFAULT false,
    feedback_count  integer NOT NULL DEFAULT 0 CHECK (feedback_count >= 0),
    deleted_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stack_id, version)
);
-- the list: newest first per project; a stack's versions in order
CREATE INDEX videos_project ON videos (project_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX videos_stack ON videos (stack_id, version) WHERE deleted_at IS NULL;

CREATE TABLE video_renditions (
    video_id    uuid NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name IN ('web', '720p', '480p')),
    width       integer NOT NULL CHECK (width > 0),
    height      integer NOT NULL CHECK (height > 0),
    size_bytes  bigint NOT NULL CHECK (size_bytes > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (video_id, name)
);

-- One job per uploaded video, taken by a vplanetd worker with FOR UPDATE
-- SKIP LOCKED. A running job whose worker stops beating (heartbeat_at) is
-- taken again by any vplanetd; attempts bounds how often.
CREATE TABLE encoding_jobs (
    id           bigserial PRIMARY KEY,
    video_id     uuid NOT NULL UNIQUE REFERENCES videos (id) ON DELETE CASCADE,
    status       text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    claimed_by   text,
    claimed_at   timestamptz,
    heartbeat_at timestamptz,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX encoding_jobs_open ON encoding_jobs (id) WHERE status IN ('queued', 'running');

-- A NOTIFY on every new job wakes the daemons at once.
CREATE FUNCTION encoding_job_notify() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify('vplanet_jobs', NEW.id::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER encoding_job_notify AFTER INSERT ON encoding_jobs
    FOR EACH ROW EXECUTE FUNCTION encoding_job_notify();

-- Resumable uploads (tus 1.0.0) in flight: the bytes so far are in the
-- storage folder under the upload's id. A finished one names its video;
-- an unfinished one is removed (row and file) by vplanetd after expires_at.
CREATE TABLE uploads (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id   uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title        text CHECK (char_length(title) BETWEEN 1 AND 200),
    filename     text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 255),
    length       bigint NOT NULL CHECK (length > 0),
    "offset"     bigint NOT NULL DEFAULT 0 CHECK ("offset" BETWEEN 0 AND length),
    video_id     uuid REFERENCES videos (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL DEFAULT now() + interval '24 hours'
);
CREATE INDEX uploads_expiry ON uploads (expires_at) WHERE video_id IS NULL;
