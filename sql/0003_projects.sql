-- Projects, members and roles, the production schedule, project memos, and
-- the events every change writes for realtime clients (spec section 4).

CREATE TABLE projects (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id        uuid NOT NULL REFERENCES users (id),
    name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    manager         text NOT NULL DEFAULT '' CHECK (char_length(manager) <= 50),
    consumer        text NOT NULL DEFAULT '' CHECK (char_length(consumer) <= 50),
    description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 5000),
    color           text NOT NULL DEFAULT '#1631F8' CHECK (color ~ '^#[0-9A-Fa-f]{6}$'),
    tone_manner     text CHECK (char_length(tone_manner) <= 50),
    genre           text CHECK (char_length(genre) <= 50),
    concept         text CHECK (char_length(concept) <= 50),
    status          text NOT NULL DEFAULT 'planning'
                    CHECK (status IN ('planning', 'in_progress', 'review', 'completed',
                                      'on_hold', 'cancelled')),
    progress        integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    start_date      date,
    end_date        date,
    actual_end_date date,
    archived        boolean NOT NULL DEFAULT false,
    deleted_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT projects_dates CHECK (end_date >= start_date)
);
-- a name is unique among the live projects of one owner, in any letter case
CREATE UNIQUE INDEX projects_owner_name ON projects (owner_id, lower(name))
    WHERE deleted_at IS NULL;

CREATE TABLE project_members (
    project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'reviewer', 'viewer')),
    joined_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id)
);
-- one owner per project; a user's projects by membership
CREATE UNIQUE INDEX project_members_owner ON project_members (project_id) WHERE role = 'owner';
CREATE INDEX project_members_user ON project_members (user_id, project_id);

-- The eight production phases, one row each, made with the project.
CREATE TABLE project_phases (
    project_id      uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    phase           text NOT NULL CHECK (phase IN ('basic_plan', 'story_board', 'filming',
                        'video_edit', 'post_work', 'video_preview', 'confirmation',
                        'video_delivery')),
    position        smallint NOT NULL CHECK (position BETWEEN 1 AND 8),
    start_date      date,
    end_date        date,
    status          text NOT NULL DEFAULT 'not_started'
                    CHECK (status IN ('not_started', 'in_progress', 'completed', 'delayed')),
    progress        integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    actual_end_date date,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, phase),
    CONSTRAINT project_phases_dates CHECK (end_date >= start_date)
);

CREATE TABLE project_memos (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id  uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    date        date NOT NULL,
    memo        text NOT NULL CHECK (char_length(memo) BETWEEN 1 AND 2000),
    author_id   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_memos_project ON project_memos (project_id, date DESC);

-- Every committed change of a project, in order. The row holds the data;
-- pg_notify carries only {id, project_id} (notifications are limited to
-- 8000 bytes). Rows older than the retention are removed by
-- vplanet_prune_events(), which vplanetd calls (README, "Events").
CREATE TABLE events (
    id          bigserial PRIMARY KEY,
    project_id  uuid NOT NULL,
    type        text NOT NULL,
    actor_id    uuid,
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_project ON events (project_id, id);
CREATE INDEX events_created ON events (created_at);

CREATE FUNCTION vplanet_prune_events(keep interval DEFAULT interval '30 days') RETURNS bigint
    LANGUAGE sql
    BEGIN ATOMIC
        WITH gone AS (DELETE FROM events WHERE created_at < now() - keep RETURNING 1)
        SELECT count(*) FROM gone;
    END;

-- What a member sees of a project, in one definition for every statement:
-- the view adds the owner and the member count, project_json the caller's
-- role. project_json holds no sub-select, so PostgreSQL inlines it (a list
-- of 20 costs one plan, not 20).
CREATE VIEW project_view AS
    SELECT p.*,
           json_build_object('id', u.id, 'nickname', u.nickname, 'avatar_url', u.avatar_url)
               AS owner,
           (SELECT count(*) FROM project_members x WHERE x.project_id = p.id) AS member_count
    FROM projects p JOIN users u ON u.id = p.owner_id;

CREATE FUNCTION project_json(v project_view, my_role text) RETURNS json
    LANGUAGE sql IMMUTABLE
    RETURN json_build_object(
        'id', v.id, 'name', v.name, 'manager', v.manager, 'consumer', v.consumer,
        'description', v.description, 'color', v.color, 'tone_manner', v.tone_manner,
        'genre', v.genre, 'concept', v.concept, 'owner', v.owner,
        'status', v.status, 'progress', v.progress, 'start_date', v.start_date,
        'end_date', v.end_date, 'actual_end_date', v.actual_end_date, 'archived', v.archived,
        'created_at', rfc3339(v.created_at), 'updated_at', rfc3339(v.updated_at),
        'member_count', v.member_count, 'my_role', my_role);

CREATE FUNCTION phase_json(f project_phases) RETURNS json
    LANGUAGE sql IMMUTABLE
    RETURN json_build_object(
        'phase', f.phase, 'start_date', f.start_date, 'end_date', f.end_date,
        'status', f.status, 'progress', f.progress, 'actual_end_date', f.actual_end_date);

CREATE FUNCTION member_json(m project_members) RETURNS json
    LANGUAGE sql STABLE
    RETURN (SELECT json_build_object(
                'user', json_build_object('id', u.id, 'nickname', u.nickname,
                                           'avatar_url', u.avatar_url),
                'role', m.role, 'joined_at', rfc3339(m.joined_at))
            FROM users u WHERE u.id = m.user_id);

CREATE FUNCTION memo_json(m project_memos) RETURNS json
    LANGUAGE sql STABLE
    RETURN json_build_object(
        'id', m.id, 'date', m.date, 'memo', m.memo,
        'author', (SELECT json_build_object('id', u.id, 'nickname', u.nickname)
                   FROM users u WHERE u.id = m.author_id),
        'created_at', rfc3339(m.created_at), 'updated_at', rfc3339(m.updated_at));

-- An event as clients see it, on the realtime channel and in the feed.
CREATE FUNCTION event_json(e events) RETURNS json
    LANGUAGE sql IMMUTABLE
    RETURN json_build_object('id', e.id, 'type', e.type, 'project_id', e.project_id,
                             'actor_id', e.actor_id, 'payload', e.payload,
                             'at', rfc3339(e.created_at));
