#include "server/storage/event_log.h"

#include <openssl/evp.h>

#include <pqxx/pqxx>
#include <stdexcept>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/storage/pg_error.h"
#include "server/storage/pg_values.h"

namespace signoff::storage {
namespace {

constexpr char kEncodingTag[] = "signoff.event.v1";
const std::string kGenesisHash(32, '\0');  // prev_hash of seq 1, as in V001

// occurred_at from microseconds since the epoch (column e.micros), split so
// that no step goes through a double and loses a microsecond.
constexpr char kMicrosToTimestamptz[] =
    "('epoch'::timestamptz + (e.micros / 1000000) * interval '1 second'"
    " + (e.micros % 1000000) * interval '1 microsecond')";

// The columns every read returns, in the order RowToEvent expects. extract()
// returns numeric, so the microseconds come back exactly.
constexpr char kEventColumns[] =
    "seq, (extract(epoch FROM occurred_at) * 1000000)::bigint, kind, COALESCE(offer_id, ''),"
    " COALESCE(revision, 0), actor_id, on_behalf_of, payload, prev_hash, hash";

void AppendField(std::string& out, absl::string_view bytes) {
  uint64_t size = bytes.size();
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(size >> shift));
  out.append(bytes.data(), bytes.size());
}

void AppendField(std::string& out, int64_t value) {
  char bytes[8];
  uint64_t bits = static_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(bits >> (56 - 8 * i));
  AppendField(out, absl::string_view(bytes, 8));
}

StoredEvent RowToEvent(const pqxx::row& row) {
  StoredEvent event;
  event.seq = row[0].as<int64_t>();
  event.occurred_at = absl::FromUnixMicros(row[1].as<int64_t>());
  event.kind = row[2].as<std::string>();
  event.offer_id = row[3].as<std::string>();
  event.revision = row[4].as<int64_t>();
  event.actor_id = row[5].as<std::string>();
  event.on_behalf_of = row[6].as<std::string>();
  event.payload_json = row[7].as<std::string>();
  event.prev_hash = pqxx::binarystring(row[8]).str();
  event.hash = pqxx::binarystring(row[9]).str();
  return event;
}

std::vector<StoredEvent> RowsToEvents(const pqxx::result& rows) {
  std::vector<StoredEvent> events;
  events.reserve(rows.size());
  for (const pqxx::row& row : rows) events.push_back(RowToEvent(row));
  return events;
}

// libpq passes parameters as C strings: a NUL byte would silently cut the
// stored text short of what was hashed, so such an event is refused.
absl::Status CheckNoNul(absl::string_view field, const std::string& value, size_t index) {
  if (value.find('\0') == std::string::npos) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("event ", index, ": ", field, " contains a NUL byte"));
}

absl::Status ValidateForAppend(const std::vector<NewEvent>& events,
                               const std::vector<absl::Time>& times) {
  for (absl::Time at : times) {
    if (at == absl::InfiniteFuture() || at == absl::InfinitePast()) {
      return absl::InvalidArgumentError("event time must be finite");
    }
  }
  for (size_t i = 0; i < events.size(); ++i) {
    const NewEvent& e = events[i];
    if (e.kind.empty()) return absl::InvalidArgumentError(absl::StrCat("event ", i, ": kind is empty"));
    if (e.revision < 0) {
      return absl::InvalidArgumentError(absl::StrCat("event ", i, ": revision is negative"));
    }
    for (auto [name, value] : {std::pair<absl::string_view, const std::string*>{"kind", &e.kind},
                               {"offer_id", &e.offer_id},
                               {"actor_id", &e.actor_id},
                               {"on_behalf_of", &e.on_behalf_of},
                               {"payload_json", &e.payload_json}}) {
      if (absl::Status s = CheckNoNul(name, *value, i); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

namespace internal {

std::string EventHash(const std::string& prev_hash, const StoredEvent& event) {
  std::string message = prev_hash;
  AppendField(message, kEncodingTag);
  AppendField(message, event.seq);
  AppendField(message, absl::ToUnixMicros(event.occurred_at));
  AppendField(message, event.kind);
  AppendField(message, event.offer_id);
  AppendField(message, event.revision);
  AppendField(message, event.actor_id);
  AppendField(message, event.on_behalf_of);
  AppendField(message, event.payload_json);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(message.data(), message.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    // Only on a broken libcrypto; becomes INTERNAL like any other exception.
    throw std::runtime_error("SHA-256 failed in libcrypto");
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::vector<int64_t> AppendEvents(pqxx::transaction_base& tx, absl::Time at,
                                  const std::vector<NewEvent>& events) {
  return AppendEventsAt(tx, std::vector<absl::Time>(events.size(), at), events);
}

NewEvent ToNewEvent(const v1::Event& event) {
  NewEvent row;
  row.kind = event.kind();
  row.offer_id = event.offer_id();
  row.revision = event.revision();
  row.actor_id = event.actor_id();
  row.on_behalf_of = event.on_behalf_of();
  row.payload_json = event.payload_json().empty() ? "{}" : event.payload_json();
  return row;
}

ChainHead ReadChainHead(const pqxx::row& row) {
  return ChainHead{row[0].as<int64_t>(), pqxx::binarystring(row[1]).str()};
}

std::vector<int64_t> AppendEventsAt(pqxx::transaction_base& tx, const std::vector<absl::Time>& at,
                                    const std::vector<NewEvent>& events, ChainHead* locked_head) {
  // Callers inside storage append straight from their own transactions, so
  // the checks that keep stored bytes equal to hashed bytes live here too.
  if (at.size() != events.size()) {
    throw std::invalid_argument("one time per event is needed");
  }
  if (absl::Status valid = ValidateForAppend(events, at); !valid.ok()) {
    throw std::invalid_argument(std::string(valid.message()));
  }
  if (events.empty()) return {};
  // The row lock serialises appenders until this transaction ends: seqs are
  // gapless and each event hashes its true predecessor.
  ChainHead head = locked_head != nullptr
                       ? *locked_head
                       : ReadChainHead(tx.exec_params1(
                             "SELECT last_seq, last_hash FROM event_chain_head WHERE id FOR UPDATE"));
  int64_t seq = head.last_seq;
  std::string prev_hash = std::move(head.last_hash);

  std::vector<int64_t> seqs, revisions, micros;
  std::vector<std::string> kinds, offer_ids, actor_ids, on_behalf_ofs, payloads, prev_hashes,
      hashes;
  for (size_t i = 0; i < events.size(); ++i) {
    const NewEvent& e = events[i];
    StoredEvent stored;
    stored.seq = ++seq;
    stored.occurred_at = absl::FromUnixMicros(absl::ToUnixMicros(at[i]));
    stored.kind = e.kind;
    stored.offer_id = e.offer_id;
    stored.revision = e.revision;
    stored.actor_id = e.actor_id;
    stored.on_behalf_of = e.on_behalf_of;
    stored.payload_json = e.payload_json;
    std::string hash = EventHash(prev_hash, stored);

    seqs.push_back(stored.seq);
    micros.push_back(absl::ToUnixMicros(stored.occurred_at));
    revisions.push_back(e.revision);
    kinds.push_back(e.kind);
    offer_ids.push_back(e.offer_id);
    actor_ids.push_back(e.actor_id);
    on_behalf_ofs.push_back(e.on_behalf_of);
    payloads.push_back(e.payload_json);
    prev_hashes.push_back(absl::BytesToHexString(prev_hash));
    hashes.push_back(absl::BytesToHexString(hash));
    prev_hash = std::move(hash);
  }

  // One statement for the whole batch (group commit appends many events),
  // every value bound as a parameter: the rows, the new head, and the
  // notification, which listeners get only when (and if) the caller commits.
  tx.exec_params(
      absl::StrCat(
          "WITH appended AS (INSERT INTO events (seq, occurred_at, kind, offer_id, revision,"
          " actor_id, on_behalf_of, payload, prev_hash, hash)"
          " SELECT e.seq, ",
          kMicrosToTimestamptz,
          ", e.kind, NULLIF(e.offer_id, ''), NULLIF(e.revision, 0), e.actor_id,"
          " e.on_behalf_of, e.payload, decode(e.prev_hash, 'hex'), decode(e.hash, 'hex')"
          " FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[],"
          " $7::text[], $8::text[], $9::text[], $10::text[])"
          " AS e(micros, seq, kind, offer_id, revision, actor_id, on_behalf_of, payload, prev_hash,"
          " hash)),"
          " head AS (UPDATE event_chain_head SET last_seq = $11, last_hash = $12 WHERE id"
          " RETURNING last_seq)"
          " SELECT pg_notify($13, last_seq::text) FROM head"),
      ToBigintArray(micros), ToBigintArray(seqs), ToTextArray(kinds), ToTextArray(offer_ids),
      ToBigintArray(revisions), ToTextArray(actor_ids), ToTextArray(on_behalf_ofs),
      ToTextArray(payloads), ToTextArray(prev_hashes), ToTextArray(hashes), seq,
      pqxx::binarystring(prev_hash), std::string(kEventsChannel));
  if (locked_head != nullptr) *locked_head = ChainHead{seq, prev_hash};
  return seqs;
}

}  // namespace internal

absl::StatusOr<std::vector<int64_t>> EventLog::Append(const std::vector<NewEvent>& events,
                                                      absl::Time at) {
  if (absl::Status valid = ValidateForAppend(events, {at}); !valid.ok()) return valid;
  if (events.empty()) return std::vector<int64_t>{};
  std::vector<int64_t> seqs;
  absl::Status status = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    try {
      pqxx::work tx(conn);
      seqs = internal::AppendEvents(tx, at, events);
      tx.commit();
      return absl::OkStatus();
    } catch (const std::exception& e) {
      return internal::StatusFromException(e, "appending events");
    }
  });
  if (!status.ok()) return status;
  return seqs;
}

absl::StatusOr<std::vector<StoredEvent>> EventLog::Read(const EventFilter& filter) {
  if (filter.limit < 1 || filter.limit > kMaxReadLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be in 1..", kMaxReadLimit, ", got ", filter.limit));
  }
  std::vector<StoredEvent> events;
  absl::Status status = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    try {
      pqxx::read_transaction tx(conn);
      // An empty list means "any": cardinality() of the bound array is a
      // constant the planner folds, so a given filter can still use its index.
      events = RowsToEvents(tx.exec_params(
          absl::StrCat("SELECT ", kEventColumns,
                       " FROM events WHERE seq > $1"
                       " AND (cardinality($2::text[]) = 0 OR offer_id = ANY($2::text[]))"
                       " AND (cardinality($3::text[]) = 0 OR kind = ANY($3::text[]))"
                       " ORDER BY seq LIMIT $4"),
          filter.after_seq, internal::ToTextArray(filter.offer_ids),
          internal::ToTextArray(filter.kinds), filter.limit));
      return absl::OkStatus();
    } catch (const std::exception& e) {
      return internal::StatusFromException(e, "reading events");
    }
  });
  if (!status.ok()) return status;
  return events;
}

absl::StatusOr<std::vector<StoredEvent>> EventLog::OfferHistory(const std::string& offer_id) {
  if (offer_id.empty()) return absl::InvalidArgumentError("offer id is empty");
  std::vector<StoredEvent> events;
  absl::Status status = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    try {
      pqxx::read_transaction tx(conn);
      events = RowsToEvents(tx.exec_params(
          absl::StrCat("SELECT ", kEventColumns, " FROM events WHERE offer_id = $1 ORDER BY seq"),
          offer_id));
      return absl::OkStatus();
    } catch (const std::exception& e) {
      return internal::StatusFromException(e, "reading offer history");
    }
  });
  if (!status.ok()) return status;
  return events;
}

absl::StatusOr<ChainVerification> EventLog::Verify() {
  const int page_size = std::max(1, options_.verify_page_size);
  ChainVerification report;
  absl::Status status = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    report = ChainVerification{};
    try {
      // One snapshot for every page and the head, so concurrent appends
      // neither race the walk nor look like a truncated tail.
      pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(conn);
      std::string prev_hash = kGenesisHash;
      auto broken = [&](int64_t seq, std::string problem) {
        report.first_broken_seq = seq;
        report.problem = std::move(problem);
        return absl::OkStatus();
      };
      for (;;) {
        pqxx::result page = tx.exec_params(
            absl::StrCat("SELECT ", kEventColumns, " FROM events WHERE seq > $1 ORDER BY seq LIMIT $2"),
            report.last_seq, page_size);
        for (const pqxx::row& row : page) {
          StoredEvent event = RowToEvent(row);
          if (event.seq != report.last_seq + 1) {
            return broken(report.last_seq + 1,
                          absl::StrCat("gap after seq ", report.last_seq, ": the next event is seq ",
                                       event.seq, " (rows deleted?)"));
          }
          if (event.prev_hash != prev_hash) {
            return broken(event.seq, report.last_seq == 0
                                         ? std::string("prev_hash of seq 1 is not the genesis hash")
                                         : absl::StrCat("prev_hash does not link to seq ",
                                                        report.last_seq));
          }
          if (internal::EventHash(prev_hash, event) != event.hash) {
            return broken(event.seq, "hash mismatch (row edited?)");
          }
          prev_hash = std::move(event.hash);
          report.last_seq = event.seq;
          ++report.events_checked;
        }
        if (page.size() < static_cast<size_t>(page_size)) break;
      }
      // The head remembers the last event appended: a tail cut off the log
      // leaves no gap between rows, but it leaves the head ahead of them.
      pqxx::row head = tx.exec_params1("SELECT last_seq, last_hash FROM event_chain_head WHERE id");
      int64_t head_seq = head[0].as<int64_t>();
      if (head_seq < report.last_seq) {
        return broken(head_seq + 1, absl::StrCat("seq ", head_seq + 1,
                                                 " is past the chain head (seq ", head_seq,
                                                 "): inserted outside the event log?"));
      }
      if (head_seq > report.last_seq) {
        return broken(report.last_seq + 1,
                      absl::StrCat("gap after seq ", report.last_seq, ": the chain head says seq ",
                                   head_seq, " was appended (rows deleted?)"));
      }
      if (pqxx::binarystring(head[1]).str() != prev_hash) {
        return broken(report.last_seq, absl::StrCat("the chain head's hash does not match seq ",
                                                    report.last_seq, " (row or head edited?)"));
      }
      return absl::OkStatus();
    } catch (const std::exception& e) {
      return internal::StatusFromException(e, "verifying the event log");
    }
  });
  if (!status.ok()) return status;
  return report;
}

}  // namespace signoff::storage
