-- Calendar (spec section 8): personal and project events, soft-deleted so
-- that pollers of /calendar/updates hear of deletions, and the secret
-- iCalendar feed of each user (only the token's hash is kept).

-- An event. A timed event is the instants starts_at..ends_at; an all-day
-- event is the local days start_date..end_date (inclusive) of the
-- VPlanetTimeZone in force when it was written, its instants those days'
-- local midnights (ends_at: the midnight after the last day). changed_at
-- is the writing transaction's start (now()) of its last change, deletion
-- included: /calendar/updates reads it (README "Calendar"). sequence is the
-- iCalendar SEQUENCE, raised by every change.
CREATE TABLE calendar_events (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id   uuid REFERENCES projects (id) ON DELETE CASCADE,
    title        text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description  text NOT NULL DEFAULT '' CHECK (char_length(description) <= 5000),
    all_day      boolean NOT NULL DEFAULT false,
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    start_date   date,
    end_date     date,
    color        text NOT NULL DEFAULT '#1631F8' CHECK (color ~ '^#[0-9A-Fa-f]{6}$'),
    sequence     integer NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    changed_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    CONSTRAINT calendar_events_order CHECK (ends_at >= starts_at),
    CONSTRAINT calendar_events_days CHECK (
        (NOT all_day AND start_date IS NULL AND end_date IS NULL)
        OR (all_day AND start_date IS NOT NULL AND end_date >= start_date))
);
-- one's personal events, a project's events (by time, and by change for
-- the pollers)
CREATE INDEX calendar_events_owner ON calendar_events (owner_id, starts_at)
    WHERE project_id IS NULL;
CREATE INDEX calendar_events_project ON calendar_events (project_id, starts_at)
    WHERE project_id IS NOT NULL;
CREATE INDEX calendar_events_owner_changed ON calendar_events (owner_id, changed_at)
    WHERE project_id IS NULL;
CREATE INDEX calendar_events_project_changed ON calendar_events (project_id, changed_at)
    WHERE project_id IS NOT NULL;

-- The row e with the fields of patch (a request body: title, description,
-- color, all_day, starts_at, ends_at) applied, in the time zone tz. A time
-- is RFC 3339 with an offset, or a date (an all-day event's day: a start
-- is its first day, an end its last). An all-day event's days are the
-- local dates of its instants (an end at a midnight belongs to the day
-- before it), and its instants become those days' midnights again.
-- The constraints of the table judge the result.
CREATE FUNCTION calendar_event_apply(e calendar_events, patch jsonb, tz text)
    RETURNS calendar_events
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    s text := patch ->> 'starts_at';
    f text := patch ->> 'ends_at';
    s_at timestamptz;
    f_at timestamptz;
BEGIN
    IF patch ? 'title' THEN e.title := patch ->> 'title'; END IF;
    IF patch ? 'description' THEN e.description := coalesce(patch ->> 'description', ''); END IF;
    IF patch ? 'color' THEN e.color := patch ->> 'color'; END IF;
    IF patch ? 'all_day' THEN e.all_day := (patch ->> 'all_day')::boolean; END IF;
    IF NOT e.all_day AND (length(s) = 10 OR length(f) = 10) THEN
        RAISE EXCEPTION 'a timed event takes date-times' USING ERRCODE = 'check_violation',
            CONSTRAINT = 'calendar_events_timed';
    END IF;
    s_at := CASE WHEN s IS NULL THEN e.starts_at
                 WHEN length(s) = 10 THEN s::date::timestamp AT TIME ZONE tz
                 ELSE s::timestamptz END;
    f_at := CASE WHEN f IS NULL THEN e.ends_at
                 WHEN length(f) = 10 THEN (f::date + 1)::timestamp AT TIME ZONE tz
                 ELSE f::timestamptz END;
    IF f_at < s_at THEN
        RAISE EXCEPTION 'the event ends before it starts' USING ERRCODE = 'check_violation',
            CONSTRAINT = 'calendar_events_order';
    END IF;
    IF e.all_day THEN
        -- (an all-day event's own days stay when not given again)
        e.start_date := CASE WHEN length(s) = 10 THEN s::date
                             WHEN s IS NULL AND e.start_date IS NOT NULL THEN e.start_date
                             ELSE (s_at AT TIME ZONE tz)::date END;
        e.end_date := CASE WHEN length(f) = 10 THEN f::date
                           WHEN f IS NULL AND e.end_date IS NOT NULL THEN e.end_date
                           ELSE ((CASE WHEN f_at > s_at THEN f_at - interval '1 microsecond'
                                       ELSE f_at END) AT TIME ZONE tz)::date END;
        e.starts_at := e.start_date::timestamp AT TIME ZONE tz;
        e.ends_at := greatest((e.end_date + 1)::timestamp AT TIME ZONE tz, e.starts_at);
    ELSE
        e.start_date := NULL;
        e.end_date := NULL;
        e.starts_at := s_at;
        e.ends_at := f_at;
    END IF;
    RETURN e;
END $$;

-- A new event of owner (in project, or personal) from a request body.
CREATE FUNCTION calendar_event_new(owner uuid, project uuid, patch jsonb, tz text)
    RETURNS calendar_events
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    e calendar_events;
BEGIN
    e.id := gen_random_uuid();
    e.owner_id := owner;
    e.project_id := project;
    e.description := '';
    e.color := '#1631F8';
    e.all_day := false;
    e.sequence := 0;
    e.created_at := now();
    e.updated_at := now();
    e.changed_at := now();
    RETURN calendar_event_apply(e, patch, tz);
END $$;

-- An event as clients see it (times UTC; an all-day event's days too).
CREATE FUNCTION calendar_event_json(e calendar_events) RETURNS json
    LANGUAGE sql STABLE
    RETURN json_build_object(
        'id', e.id,
        'owner', (SELECT json_build_object('id', u.id, 'nickname', u.nickname)
                  FROM users u WHERE u.id = e.owner_id),
        'project_id', e.project_id, 'title', e.title, 'description', e.description,
        'starts_at', rfc3339(e.starts_at), 'ends_at', rfc3339(e.ends_at),
        'all_day', e.all_day, 'start_date', e.start_date, 'end_date', e.end_date,
        'color', e.color, 'sequence', e.sequence,
        'created_at', rfc3339(e.created_at), 'updated_at', rfc3339(e.updated_at));

-- The oldest start of a transaction still open in this database (or now(),
-- when none is older): every change not yet visible to a statement run
-- after this was read will carry a changed_at at or after it. The
-- application's sessions all run as one role, so their xact_start is
-- visible here (other roles' are NULL and do not write events).
CREATE FUNCTION calendar_horizon() RETURNS timestamptz
    LANGUAGE sql STABLE
    RETURN (SELECT least(now(), min(a.xact_start)) FROM pg_stat_activity a
            WHERE a.datname = current_database() AND a.xact_start IS NOT NULL);

-- The secret feed of a user: one live token at most, kept as its SHA-256.
CREATE TABLE calendar_feeds (
    user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash  text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A bound of a range as given in a query: a date-time with an offset, or a
-- date alone, whose local midnight in tz starts it (is_end: the midnight
-- after it, so that a day given as an end is included).
CREATE FUNCTION calendar_instant(t text, tz text, is_end boolean) RETURNS timestamptz
    LANGUAGE sql STABLE
    RETURN CASE WHEN length(t) = 10
                THEN (t::date + CASE WHEN is_end THEN 1 ELSE 0 END)::timestamp AT TIME ZONE tz
                ELSE t::timestamptz END;

-- The local days of tz an event covers: an all-day event its own days, a
-- timed one those of its instants (an end at a midnight does not reach
-- into the day it starts).
CREATE FUNCTION calendar_first_day(e calendar_events, tz text) RETURNS date
    LANGUAGE sql STABLE
    RETURN CASE WHEN e.all_day THEN e.start_date ELSE (e.starts_at AT TIME ZONE tz)::date END;

CREATE FUNCTION calendar_last_day(e calendar_events, tz text) RETURNS date
    LANGUAGE sql STABLE
    RETURN CASE WHEN e.all_day THEN e.end_date
                ELSE ((CASE WHEN e.ends_at > e.starts_at THEN e.ends_at - interval '1 microsecond'
                            ELSE e.ends_at END) AT TIME ZONE tz)::date END;
