#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/storage/database.h"
#include "signoff/v1/event.pb.h"

namespace pqxx {
class transaction_base;
class row;
}

namespace signoff::storage {

// An event about to be appended. Kinds are dotted names from the domain:
// "offer.submitted", "offer.routed", "stage.approved", "delegation.set", ...
struct NewEvent {
  std::string kind;
  std::string offer_id;  // empty when the event is not about an offer
  int64_t revision = 0;  // 0 when not about an offer revision
  std::string actor_id;
  std::string on_behalf_of;
  // A JSON object as text. It is stored and hashed byte for byte, so callers
  // produce it deterministically (e.g. protobuf MessageToJsonString).
  std::string payload_json = "{}";
};

struct StoredEvent {
  int64_t seq = 0;
  absl::Time occurred_at;
  std::string kind;
  std::string offer_id;
  int64_t revision = 0;
  std::string actor_id;
  std::string on_behalf_of;
  std::string payload_json;
  std::string prev_hash;  // raw 32 bytes
  std::string hash;       // raw 32 bytes
};

struct ChainVerification {
  // Events found intact, in seq order from 1, before the first break (all of
  // them when the chain is intact), and the seq of the last of those.
  int64_t events_checked = 0;
  int64_t last_seq = 0;
  // The first event whose hash or link does not match (for a gap, the first
  // missing seq), with what is wrong, e.g. "hash mismatch (row edited?)".
  std::optional<int64_t> first_broken_seq;
  std::string problem;
  bool intact() const { return !first_broken_seq.has_value(); }
};

struct EventFilter {
  int64_t after_seq = 0;                // exclusive
  std::vector<std::string> offer_ids;   // empty = any
  std::vector<std::string> kinds;       // empty = any
  int limit = 1000;                     // 1..EventLog::kMaxReadLimit
};

struct EventLogOptions {
  // Verify reads the chain in pages of this many events, so a long log is
  // never held in memory at once.
  int verify_page_size = 1000;
};

// The append-only, hash-chained event log.
class EventLog {
 public:
  static constexpr int kMaxReadLimit = 10000;

  explicit EventLog(Database* db, EventLogOptions options = {}) : db_(db), options_(options) {}

  // Appends in their own transaction (directory and policy changes); returns
  // the sequence numbers assigned, in order. `at` is kept to the microsecond.
  // INVALID_ARGUMENT for an event without a kind or an infinite `at`.
  absl::StatusOr<std::vector<int64_t>> Append(const std::vector<NewEvent>& events, absl::Time at);
  // Events after filter.after_seq, oldest first, at most filter.limit of
  // them; page on with after_seq = the last seq returned.
  absl::StatusOr<std::vector<StoredEvent>> Read(const EventFilter& filter);
  // All events of one offer, oldest first.
  absl::StatusOr<std::vector<StoredEvent>> OfferHistory(const std::string& offer_id);
  // Walks the whole chain from seq 1 in one snapshot, recomputing every hash
  // and checking every link and the chain head; reports the first broken
  // link. A broken chain is a normal result (intact() == false), not an error.
  absl::StatusOr<ChainVerification> Verify();

 private:
  Database* db_;
  EventLogOptions options_;
};

namespace internal {
// The NOTIFY channel; the payload is the last seq appended, in decimal.
inline constexpr char kEventsChannel[] = "signoff_events";
// NOTIFY channel told (empty payload) when the directory of employees changed.
inline constexpr char kDirectoryChannel[] = "signoff_directory";

// Appends `events` inside the caller's transaction: locks the chain head,
// assigns consecutive sequence numbers, chains the hashes, and sends a
// NOTIFY on channel "signoff_events" with the last sequence number (delivered
// at commit). Returns the assigned sequence numbers (none, and no lock, for
// no events). The head lock is held until the caller's transaction ends, so
// keep that transaction short; in a REPEATABLE READ or SERIALIZABLE
// transaction a concurrent appender makes it fail with a serialization
// failure (retry). Throws pqxx exceptions like any other statement in the
// transaction, and std::invalid_argument for what EventLog::Append refuses
// with INVALID_ARGUMENT (no kind, a NUL byte in a text, an infinite `at`).
std::vector<int64_t> AppendEvents(pqxx::transaction_base& tx, absl::Time at,
                                  const std::vector<NewEvent>& events);
// The row for an event the workflow made (seq, time and hashes are the
// log's to assign); an empty payload is stored as "{}".
NewEvent ToNewEvent(const v1::Event& event);
// The same with a time per event (`at[i]` for `events[i]`): a group commit
// appends the events of many requests, each made at its own time.
// `locked_head`, when given, is the chain head this transaction already
// read FOR UPDATE (event_chain_lock), saving a round trip; it is advanced.
struct ChainHead {
  int64_t last_seq = 0;
  std::string last_hash;
};
ChainHead ReadChainHead(const pqxx::row& row);  // from event_chain_lock's row
std::vector<int64_t> AppendEventsAt(pqxx::transaction_base& tx, const std::vector<absl::Time>& at,
                                    const std::vector<NewEvent>& events,
                                    ChainHead* locked_head = nullptr);
// SHA-256(prev_hash || canonical encoding of the event), raw 32 bytes.
// The canonical encoding is a sequence of length-prefixed fields — each an
// 8-byte big-endian length followed by its bytes — so no separator can be
// forged: the tag "signoff.event.v1", seq, microseconds since the Unix epoch
// of occurred_at (integers as 8 bytes big-endian two's complement), kind,
// offer_id, revision, actor_id, on_behalf_of, payload_json. event.prev_hash
// and event.hash are not part of it.
std::string EventHash(const std::string& prev_hash, const StoredEvent& event);
}  // namespace internal

}  // namespace signoff::storage
