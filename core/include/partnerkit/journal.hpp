// The batch journal: append-only JSON lines, one record when an item's first request is about to
// be sent and one when it finishes, flushed per record. It holds no secret (no password, no key,
// no raw body): index, vendor, email, state, outcome or error code, partner id, referral link, and
// the operation ("op", absent for create) of a batch of updates or deactivations.
//
// Memory is a few bytes per (item, vendor), plus the partner id and link of items finished by an
// earlier run until the batch has taken them (take_partner), so a journal of 100,000 items stays small.
#pragma once

#include <partnerkit/error.hpp>
#include <partnerkit/partner.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit {

class Journal {
 public:
  enum class State : std::uint8_t {
    none,       // never seen
    started,    // a request may have been sent; no outcome recorded
    done,       // provisioned (created / updated / existing)
    failed,     // a definite, non-retryable failure
    retryable,  // failed with a retryable error (e.g. retries exhausted): run again on resume
  };

  struct Entry {
    State state = State::none;
    Outcome outcome = Outcome::created;  // when done
    errc code = errc::protocol;          // when failed or retryable
    std::uint32_t detail = 0;            // records read at open: 1 + offset of "id\tlink" in the arena
  };

  // What a finished record of an earlier run said about the partner.
  struct Recorded {
    std::optional<std::string> partner_id;
    std::optional<std::string> referral_link;
  };

  // Opens (creating if needed) and reads the records already there. A torn last line (the process
  // was killed mid-write) is ignored and overwritten by the next record. Errors: a file that cannot
  // be opened or written, or a line that is not a journal record (other than the last).
  static Result<std::unique_ptr<Journal>> open(const std::string& path);
  ~Journal();

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

  // Both append one line and flush it to the OS before returning.
  Result<void> record_started(std::size_t index, std::string_view vendor, std::string_view email);
  Result<void> record_finished(std::size_t index, std::string_view vendor, std::string_view email,
                               const Result<Partner>& result);

  std::size_t records_read() const noexcept { return records_read_; }

 private:
  Journal() = default;
  void apply(std::size_t index, std::string_view vendor, std::uint32_t email_hash, Entry entry);
  Result<void> append(const std::string& line);
  void tag(boost::json::object& record) const;

  std::FILE* file_ = nullptr;
  std::string path_;
  std::map<std::string, std::vector<Entry>, std::less<>> entries_;  // vendor -> by index
  std::vector<std::uint32_t> email_hashes_;                         // by index; 0 = unknown
  std::string arena_;        // "id\tlink\n" of done records read at open
  std::size_t details_ = 0;  // entries still pointing into arena_
  std::optional<std::string> recorded_op_;
  std::string op_ = "create";
  std::size_t records_read_ = 0;
};

}  // namespace partnerkit
