-- Lists that read only their page (issue "fast reads"): a project's member
-- count is kept on the row instead of counted per project per request, and
-- every ordering of the project list has an index, so that PostgreSQL may
-- walk projects in order and stop after the page. The JSON of a project is
-- built by the module from plain columns, once.

ALTER TABLE projects ADD COLUMN member_count integer NOT NULL DEFAULT 0
    CHECK (member_count >= 0);
UPDATE projects p SET member_count = (SELECT count(*) FROM project_members m
                                      WHERE m.project_id = p.id);

-- Every insert and delete of a membership moves the count in the same
-- transaction. The writers of a project lock its row first (the module's
-- vp_project_tx), so this update waits for nobody it could deadlock with.
CREATE FUNCTION project_member_count() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE projects SET member_count = member_count + 1 WHERE id = NEW.project_id;
    ELSE
        UPDATE projects SET member_count = member_count - 1 WHERE id = OLD.project_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER project_members_count AFTER INSERT OR DELETE ON project_members
    FOR EACH ROW EXECUTE FUNCTION project_member_count();

-- The JSON of projects, members, memos and phases is the module's now,
-- written once from the plain columns of their statements (vpcore/sql/).
-- event_json stays: vplanetd sends its text as it is.
DROP FUNCTION project_json(project_view, text);
DROP VIEW project_view;
DROP FUNCTION member_json(project_members);
DROP FUNCTION memo_json(project_memos);
DROP FUNCTION phase_json(project_phases);

-- rfc3339 was declared IMMUTABLE over to_char, which is STABLE: PostgreSQL
-- never inlines a function that promises more than its body keeps, so
-- every statement ran it as a separate SQL function call, parsing its body
-- on each execution (a quarter of the database's time for GET /users/me).
-- STABLE is what it is, and it is inlined.
ALTER FUNCTION rfc3339(timestamptz) STABLE;

-- one index per ordering key of the list (live projects only); id breaks ties
CREATE INDEX projects_order_name ON projects (lower(name), id) WHERE deleted_at IS NULL;
CREATE INDEX projects_order_created ON projects (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX projects_order_updated ON projects (updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX projects_order_start ON projects (start_date, id) WHERE deleted_at IS NULL;
CREATE INDEX projects_order_start_desc ON projects (start_date DESC NULLS LAST, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX projects_order_end ON projects (end_date, id) WHERE deleted_at IS NULL;
CREATE INDEX projects_order_end_desc ON projects (end_date DESC NULLS LAST, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX projects_order_progress ON projects (progress, id) WHERE deleted_at IS NULL;

-- The module's data is read from memory (shared_buffers, the page cache):
-- a random read costs about what a sequential one does, and with that the
-- planner looks up a page's projects by key instead of scanning them all.
-- Set on the database, so every new session has it (the module's pooled
-- connections, healed ones too, vplanetd, psql); it needs the database's
-- owner, else the migration says so and goes on.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET random_page_cost = 1.1', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'random_page_cost stays as it is (%): see README "Lists"', SQLERRM;
END $$;
