-- Taken first by every transaction that changes offers: all of them append
-- to the one event chain anyway, and locking its head before any other row
-- gives every writer the same lock order, so writers queue instead of
-- deadlocking (an offer row, a statistics rollup row, then the head).
-- Returns the head, so an append in this transaction need not read it again.
SELECT last_seq, last_hash FROM event_chain_head WHERE id FOR UPDATE
