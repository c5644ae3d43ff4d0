-- The directory of employees and the append-only, hash-chained event log:
-- the two things every later part of signoff writes to first.

CREATE TABLE employees (
  employee_id   text PRIMARY KEY,
  display_name  text NOT NULL,
  team          text NOT NULL DEFAULT '',
  supervisor_id text REFERENCES employees (employee_id) DEFERRABLE INITIALLY DEFERRED,
  hire_date     date,
  tags          text[] NOT NULL DEFAULT '{}',
  active        boolean NOT NULL DEFAULT true,
  -- Approval levels held and their limits, as the directory proto in JSON.
  approval_levels jsonb NOT NULL DEFAULT '[]',
  version       bigint NOT NULL DEFAULT 1,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX employees_supervisor_idx ON employees (supervisor_id);

-- Every state change of signoff, in order. `seq` orders events globally;
-- `hash` = SHA-256(prev_hash || canonical encoding of the event), so editing
-- or removing a row breaks the chain from that row on.
CREATE TABLE events (
  seq          bigint PRIMARY KEY,
  occurred_at  timestamptz NOT NULL,
  kind         text NOT NULL,
  offer_id     text,
  actor_id     text NOT NULL DEFAULT '',
  on_behalf_of text NOT NULL DEFAULT '',
  payload      jsonb NOT NULL DEFAULT '{}',
  prev_hash    bytea NOT NULL,
  hash         bytea NOT NULL
);
CREATE INDEX events_offer_idx ON events (offer_id, seq) WHERE offer_id IS NOT NULL;
CREATE INDEX events_kind_time_idx ON events (kind, occurred_at);

-- Append-only, enforced by the database itself rather than by convention.
CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER events_no_update_or_delete
  BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
CREATE TRIGGER events_no_truncate
  BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();
