// The batch journal: append-only JSON lines, one record when an item's first request is about to
// be sent and one when it finishes. It holds no secret (no password, no key, no raw body, no email:
// a hash of it): index, vendor, email hash, state, outcome or error code, partner id, referral link,
// attempts, and the operation ("op", absent for create) of a batch of updates or deactivations.
//
// - One run at a time: open() takes an exclusive flock on the file and refuses a second opener.
// - Durable before sending: a `started` record is on the disk (fdatasync) before its request is
//   sent. Syncs are grouped: one fdatasync, run on the journal's own thread, covers every record
//   appended while the previous one ran, and each waiter is told when the sync covering it is done
//   (when_durable). Finished records ride along with the next sync and a final one at close.
// - Never destroys a file: an existing file whose first line is not a journal record (or the
//   journal's header line) is refused, never overwritten.
// - A corrupt line in the middle (a disk or an editor damaged it) is skipped with a warning; the
//   journal is then `damaged()` and the batch reconciles every unfinished item as possibly applied.
//   A torn last line (the process was killed mid-write) is dropped and overwritten.
//
// Memory is a few bytes per (item, vendor) for the dense range of indexes; an outlying index (a
// damaged 10^18) lands in a small side table instead of growing anything. The partner id and link
// of items finished by an earlier run are kept until the batch has taken them (take_partner).
#pragma once

#include <partnerkit/error.hpp>
#include <partnerkit/partner.hpp>

#include <boost/json/object.hpp>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace partnerkit {

class Journal {
 public:
  enum class State : std::uint8_t {
    none,       // never seen
    started,    // a request may have been sent; no outcome recorded
    done,       // provisioned (created / updated / existing)
    failed,     // a definite, non-retryable failure
    retryable,  // failed with a retryable error, or one after which the vendor may have applied the
                // request (a 5xx, an answer cut off): run again on resume, reconciled
  };

  struct Entry {
    State state = State::none;
    Outcome outcome = Outcome::created;  // when done
    errc code = errc::protocol;          // when failed or retryable
    // A request for this item may have reached the vendor in some run (a finished record with
    // attempts, or a started record no finish followed): a resume reconciles it.
    bool sent = false;
    // Failed before anything was sent (unreadable or invalid input): a resume runs it again, so an
    // input line fixed after a failed run is provisioned.
    bool local = false;
    std::uint32_t detail = 0;  // records read at open: 1 + offset of "id\tlink" in the arena
  };

  // What a finished record of an earlier run said about the partner.
  struct Recorded {
    std::optional<std::string> partner_id;
    std::optional<std::string> referral_link;
  };

  struct Options {
    // fdatasync started records before their request is sent (grouped). Off: flushed to the OS
    // only, which survives a killed process but not a machine crash.
    bool durable = true;
  };

  // Opens (creating if needed) and locks the journal, and reads the records already there.
  // Errors (errc::invalid_input, field "journal"): the file cannot be opened, read or written;
  // another run holds it; it exists and is not a journal.
  static Result<std::unique_ptr<Journal>> open(const std::string& path, Options options);
  static Result<std::unique_ptr<Journal>> open(const std::string& path) { return open(path, Options{}); }
  // Syncs what was appended, stops the sync thread and releases the lock.
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  Entry find(std::size_t index, std::string_view vendor) const;
  // The email the journal saw for an item, hashed: lets a resume refuse a different input file.
  std::optional<std::uint32_t> email_hash(std::size_t index) const;
  static std::uint32_t hash_email(std::string_view email) noexcept;
  // The partner id and referral link a done record read at open carried (once: the memory is
  // given back as the batch delivers the item).
  Recorded take_partner(std::size_t index, std::string_view vendor);

  // The operation the records read at open belong to ("create" when they name none); nullopt for
  // an empty journal. A batch refuses a journal of another operation.
  const std::optional<std::string>& recorded_operation() const noexcept { return recorded_op_; }
  // The operation written into the records from now on (default "create", then not written).
  void set_operation(std::string op) { op_ = std::move(op); }

  // Append one line (written to the OS before returning). An empty email means "unknown" (an
  // unreadable input record): no hash is stored, so the fixed line is accepted on resume.
  Result<void> record_started(std::size_t index, std::string_view vendor, std::string_view email);
  Result<void> record_finished(std::size_t index, std::string_view vendor, std::string_view email,
                               const Result<Partner>& result);

  // Calls `done` once every record appended before this call is on the disk (or the sync failed).
  // Called on the journal's sync thread (at once, on the caller's, when not durable): post from it.
  void when_durable(std::function<void(Result<void>)> done);

  std::size_t records_read() const noexcept { return records_read_; }
  // Lines skipped while reading (corrupt, or an index that is not one), with a message each (the
  // first few), and whether any was.
  const std::vector<std::string>& warnings() const noexcept { return warnings_; }
  bool damaged() const noexcept { return damaged_; }
  // fdatasync calls made so far, and the started records they covered (group commit at work).
  std::size_t syncs() const noexcept;
  std::size_t synced_waiters() const noexcept;

 private:
  Journal() = default;
  void apply(std::size_t index, std::string_view vendor, std::uint32_t email_hash, Entry entry, bool started);
  Result<void> append(const std::string& line);
  void sync_loop();
  void tag(boost::json::object& record) const;

  // Dense by index, with a side table for outliers: bounded memory whatever index a file names.
  template <class T>
  struct IndexMap {
    std::vector<T> dense;
    std::unordered_map<std::size_t, T> sparse;
    std::size_t inserted = 0;
    const T* get(std::size_t i) const;
    T* get(std::size_t i) { return const_cast<T*>(std::as_const(*this).get(i)); }
    T& at(std::size_t i);
  };

  int fd_ = -1;
  std::string path_;
  Options options_;
  std::map<std::string, IndexMap<Entry>, std::less<>> entries_;  // vendor -> by index
  IndexMap<std::uint32_t> email_hashes_;                         // by index; 0 = unknown
  std::string arena_;                                            // "id\tlink\n" of done records read at open
  std::size_t details_ = 0;                                      // entries still pointing into arena_
  std::optional<std::string> recorded_op_;
  std::string op_ = "create";
  std::size_t records_read_ = 0;
  std::vector<std::string> warnings_;
  bool damaged_ = false;

  // Group commit.
  mutable std::mutex sync_mutex_;
  std::condition_variable sync_cv_;
  std::vector<std::function<void(Result<void>)>> waiters_;
  bool stop_ = false;
  std::size_t syncs_ = 0;
  std::size_t synced_waiters_ = 0;
  std::thread syncer_;
};

}  // namespace partnerkit
