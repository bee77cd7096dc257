-- Video planning (spec section 9): a user's development frameworks and
-- plans. A plan's steps are jsonb written by the generator (vpcore/vp_plan.c)
-- or edited by PATCH; a NULL step is not done. sources says which generator
-- made each step ("builtin", or "edited" after a PATCH).

CREATE TABLE planning_frameworks (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    intro_hook  text NOT NULL DEFAULT '' CHECK (char_length(intro_hook) <= 1000),
    immersion   text NOT NULL DEFAULT '' CHECK (char_length(immersion) <= 1000),
    twist       text NOT NULL DEFAULT '' CHECK (char_length(twist) <= 1000),
    hook_next   text NOT NULL DEFAULT '' CHECK (char_length(hook_next) <= 1000),
    is_default  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX planning_frameworks_owner ON planning_frameworks (owner_id, created_at);
-- at most one default per user
CREATE UNIQUE INDEX planning_frameworks_default ON planning_frameworks (owner_id) WHERE is_default;

CREATE TABLE plannings (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id    uuid REFERENCES projects (id) ON DELETE CASCADE,
    framework_id  uuid REFERENCES planning_frameworks (id) ON DELETE SET NULL,
    title         text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    planning_text text NOT NULL CHECK (char_length(planning_text) BETWEEN 1 AND 20000),
    options       jsonb NOT NULL,
    story         jsonb,
    scenes        jsonb,
    shots         jsonb,
    storyboard    jsonb,
    sources       jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plannings_owner ON plannings (owner_id, created_at);
CREATE INDEX plannings_project ON plannings (project_id, created_at) WHERE project_id IS NOT NULL;
