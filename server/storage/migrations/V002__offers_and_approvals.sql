-- Offer revisions with their decisions and sign-off, the approvers' inbox,
-- and delegations.

-- One row per submitted offer revision. `record` is the whole
-- signoff.v1.OfferRecord; the other columns are copies kept for queries and
-- background jobs (they are rewritten with the record, never on their own).
CREATE TABLE offer_revisions (
  offer_id        text NOT NULL,
  revision        bigint NOT NULL,
  record          bytea NOT NULL,
  -- Deterministic serialization of the submitted Offer: a repeated
  -- (offer id, revision) or idempotency key is the same request only if
  -- these bytes are equal.
  offer_bytes     bytea NOT NULL,
  submitted_by    text NOT NULL,
  idempotency_key text,
  manager_id      text NOT NULL,
  customer_id     text NOT NULL,
  currency_code   text NOT NULL,
  total           numeric(38, 9) NOT NULL,
  margin_percent  numeric(38, 9),
  outcome         text NOT NULL,  -- the policy decision: APPROVED, NEEDS_SIGNOFF, REJECTED
  status          text NOT NULL,  -- PENDING, APPROVED, REJECTED, WITHDRAWN, EXPIRED, SUPERSEDED
  rule_ids        text[] NOT NULL DEFAULT '{}',
  approver_ids    text[] NOT NULL DEFAULT '{}',  -- who acted on its stages
  policy_label    text NOT NULL,
  policy_hash     text NOT NULL,
  submitted_at    timestamptz NOT NULL,
  decided_at      timestamptz,
  valid_until     timestamptz,
  -- Deadline of the open stage while PENDING: what the escalation job scans.
  next_deadline   timestamptz,
  version         bigint NOT NULL,
  PRIMARY KEY (offer_id, revision)
);
CREATE UNIQUE INDEX offer_revisions_idempotency_idx
  ON offer_revisions (submitted_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Audit queries: a period, optionally narrowed, paged by (submitted_at, offer_id, revision).
CREATE INDEX offer_revisions_time_idx ON offer_revisions (submitted_at, offer_id, revision);
CREATE INDEX offer_revisions_manager_idx ON offer_revisions (manager_id, submitted_at, offer_id, revision);
CREATE INDEX offer_revisions_customer_idx ON offer_revisions (customer_id, submitted_at, offer_id, revision);
CREATE INDEX offer_revisions_status_idx ON offer_revisions (status, submitted_at, offer_id, revision);
CREATE INDEX offer_revisions_rules_idx ON offer_revisions USING gin (rule_ids);
CREATE INDEX offer_revisions_approvers_idx ON offer_revisions USING gin (approver_ids);
-- Background jobs: pending items past a deadline or past their validity.
CREATE INDEX offer_revisions_deadline_idx ON offer_revisions (next_deadline) WHERE status = 'PENDING';
CREATE INDEX offer_revisions_valid_until_idx ON offer_revisions (valid_until) WHERE status = 'PENDING';

-- Who may act on what now: one row per approver of each open stage who has
-- not acted yet. Derived from offer_revisions.record on every change.
CREATE TABLE inbox_items (
  approver_id text NOT NULL,
  offer_id    text NOT NULL,
  revision    bigint NOT NULL,
  stage_index integer NOT NULL,
  level       text NOT NULL,
  since       timestamptz NOT NULL,
  deadline    timestamptz,
  PRIMARY KEY (approver_id, offer_id, revision, stage_index),
  FOREIGN KEY (offer_id, revision) REFERENCES offer_revisions (offer_id, revision)
);
CREATE INDEX inbox_items_offer_idx ON inbox_items (offer_id, revision);
CREATE INDEX inbox_items_since_idx ON inbox_items (approver_id, since);

-- Items due to the delegator go to the delegate during [starts_at, ends_at).
-- One active delegation per delegator; clearing it ends it now.
CREATE TABLE delegations (
  delegator_id text PRIMARY KEY,
  delegate_id  text NOT NULL,
  starts_at    timestamptz NOT NULL,
  ends_at      timestamptz NOT NULL,
  CHECK (delegate_id <> delegator_id),
  CHECK (ends_at > starts_at)
);
CREATE INDEX delegations_delegate_idx ON delegations (delegate_id);
