// The batch journal: append-only JSON lines, one record when an item's first request is about to
// be sent and one when it finishes, flushed per record. It holds no secret (no password, no key,
// no raw body): index, vendor, email, state, outcome or error code, partner id.
//
// Memory is a few bytes per (item, vendor), so a journal of 100,000 items stays small.
#pragma once

#include <partnerkit/error.hpp>
#include <partnerkit/partner.hpp>

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

  // Both append one line and flush it to the OS before returning.
  Result<void> record_started(std::size_t index, std::string_view vendor, std::string_view email);
  Result<void> record_finished(std::size_t index, std::string_view vendor, std::string_view email,
                               const Result<Partner>& result);

  std::size_t records_read() const noexcept { return records_read_; }

 private:
  Journal() = default;
  void apply(std::size_t index, std::string_view vendor, std::uint32_t email_hash, Entry entry);
  Result<void> append(const std::string& line);

  std::FILE* file_ = nullptr;
  std::string path_;
  std::map<std::string, std::vector<Entry>, std::less<>> entries_;  // vendor -> by index
  std::vector<std::uint32_t> email_hashes_;                         // by index; 0 = unknown
  std::size_t records_read_ = 0;
};

}  // namespace partnerkit
