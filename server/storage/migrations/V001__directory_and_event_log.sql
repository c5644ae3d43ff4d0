-- The directory of employees and the append-only, hash-chained event log:
-- the two things every later part of signoff writes to first.

CREATE TABLE employees (
  employee_id   text PRIMARY KEY,
  -- The whole signoff.v1.Employee; the columns below are copies for queries.
  record        bytea NOT NULL,
  supervisor_id text,
  active        boolean NOT NULL,
  -- Approval levels held, for "who holds level X" lookups.
  levels        text[] NOT NULL DEFAULT '{}',
  version       bigint NOT NULL DEFAULT 1,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX employees_supervisor_idx ON employees (supervisor_id);
CREATE INDEX employees_levels_idx ON employees USING gin (levels);

-- Every state change of signoff, in order. `seq` orders events globally;
-- `hash` = SHA-256(prev_hash || canonical encoding of the event), so editing
-- or removing a row breaks the chain from that row on. `payload` is JSON kept
-- as the exact text that was hashed (cast to jsonb to query inside it).
CREATE TABLE events (
  seq          bigint PRIMARY KEY,
  occurred_at  timestamptz NOT NULL,
  kind         text NOT NULL,
  offer_id     text,
  revision     bigint,
  actor_id     text NOT NULL DEFAULT '',
  on_behalf_of text NOT NULL DEFAULT '',
  payload      text NOT NULL DEFAULT '{}',
  prev_hash    bytea NOT NULL,
  hash         bytea NOT NULL
);

-- The head of the chain: one row, locked by every appending transaction, so
-- sequence numbers have no gaps and each event hashes its true predecessor.
CREATE TABLE event_chain_head (
  id        boolean PRIMARY KEY DEFAULT true CHECK (id),
  last_seq  bigint NOT NULL,
  last_hash bytea NOT NULL
);
INSERT INTO event_chain_head (id, last_seq, last_hash) VALUES (true, 0, decode(repeat('00', 32), 'hex'));  -- genesis: 32 zero bytes
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
