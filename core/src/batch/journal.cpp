#include <partnerkit/journal.hpp>
#include <partnerkit/policy/retry_loop.hpp>

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace partnerkit {
namespace {

// The first line of a journal this version creates. Journals without it (older ones) are recognised
// by a first line that is a record.
constexpr std::string_view header_line = "{\"partnerkit_journal\":1}\n";
// A line longer than this is not a record (records are ~150 bytes): skipped without being kept.
constexpr std::size_t max_line_bytes = 64 * 1024;
// Warnings kept about skipped lines; the rest are counted.
constexpr std::size_t max_warnings = 10;
// The dense table of an index map covers at most this many more slots than twice the records put in
// it; an index beyond is an outlier, kept in the side table.
constexpr std::size_t dense_slack = 1024;

std::string_view state_name(Journal::State s) {
  switch (s) {
    case Journal::State::started:
      return "started";
    case Journal::State::done:
      return "done";
    case Journal::State::failed:
      return "failed";
    case Journal::State::retryable:
      return "retryable";
    case Journal::State::none:
      break;
  }
  return "none";
}

std::optional<Journal::State> state_from(std::string_view s) {
  if (s == "started") return Journal::State::started;
  if (s == "done") return Journal::State::done;
  if (s == "failed") return Journal::State::failed;
  if (s == "retryable") return Journal::State::retryable;
  return std::nullopt;
}

Error journal_error(std::string message) {
  return Error::make(errc::invalid_input, std::move(message), "journal");
}

Error io_error(const std::string& what, const std::string& path, int err) {
  return journal_error(what + " " + path + ": " + std::strerror(err));
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// One parsed record line.
struct Record {
  std::size_t index = 0;
  std::string vendor;
  Journal::Entry entry;
  std::uint32_t email_hash = 0;
  bool started = false;
  std::optional<std::string> op;  // the "op" member: absent for create
  std::string partner_id;         // done records: what the vendor said (tabs and newlines blanked)
  std::string referral_link;
};

// A record, or nullopt with `why` set. Never throws, never allocates by what an index says.
std::optional<Record> parse_record(std::string_view line, std::string& why) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(boost::json::string_view(line.data(), line.size()), ec);
  const auto* o = ec ? nullptr : v.if_object();
  if (!o) {
    why = "not a JSON object";
    return std::nullopt;
  }
  const boost::json::value* index = o->if_contains("index");
  const boost::json::value* vendor = o->if_contains("vendor");
  const boost::json::value* state = o->if_contains("state");
  Journal::State st = Journal::State::none;
  if (state && state->is_string()) st = state_from(state->get_string()).value_or(Journal::State::none);
  if (!index || !vendor || !vendor->is_string() || vendor->get_string().empty() ||
      st == Journal::State::none) {
    why = "not a journal record";
    return std::nullopt;
  }
  Record r;
  if (index->is_int64() && index->get_int64() >= 0) {
    r.index = static_cast<std::size_t>(index->get_int64());
  } else if (index->is_uint64()) {
    r.index = static_cast<std::size_t>(index->get_uint64());
  } else {
    why = "its index is not a non-negative integer";
    return std::nullopt;
  }
  r.vendor = std::string(vendor->get_string());
  r.entry.state = st;
  r.started = st == Journal::State::started;
  if (const auto* out = o->if_contains("outcome"); out && out->is_string())
    r.entry.outcome = outcome_from_string(out->get_string()).value_or(Outcome::created);
  if (const auto* code = o->if_contains("code"); code && code->is_string())
    r.entry.code = errc_from_string(code->get_string()).value_or(errc::protocol);
  std::int64_t attempts = -1;  // unknown in older journals
  if (const auto* a = o->if_contains("attempts"); a && a->is_int64()) attempts = a->get_int64();
  if (st == Journal::State::done || st == Journal::State::failed || st == Journal::State::retryable) {
    r.entry.sent = attempts != 0;  // unknown counts as sent: the safe side
    r.entry.local = st == Journal::State::failed && attempts == 0;
  }
  if (const auto* op = o->if_contains("op"); op && op->is_string()) r.op = std::string(op->get_string());
  if (st == Journal::State::done) {
    auto text = [&](const char* key) {
      const auto* v = o->if_contains(key);
      std::string s = v && v->is_string() ? std::string(v->get_string()) : std::string();
      std::replace(s.begin(), s.end(), '\t', ' ');
      std::replace(s.begin(), s.end(), '\n', ' ');
      return s;
    };
    r.partner_id = text("partner_id");
    r.referral_link = text("referral_link");
  }
  if (const auto* h = o->if_contains("email_hash"); h && (h->is_int64() || h->is_uint64())) {
    const auto n = h->is_int64() ? static_cast<std::uint64_t>(h->get_int64()) : h->get_uint64();
    r.email_hash = static_cast<std::uint32_t>(n);
  } else if (const auto* email = o->if_contains("email");
             email && email->is_string() && !email->get_string().empty()) {
    r.email_hash = Journal::hash_email(email->get_string());  // older journals kept the email
  }
  return r;
}

bool is_header(std::string_view line) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(boost::json::string_view(line.data(), line.size()), ec);
  const auto* o = ec ? nullptr : v.if_object();
  return o && o->contains("partnerkit_journal");
}

}  // namespace

template <class T>
const T* Journal::IndexMap<T>::get(std::size_t i) const {
  if (!sparse.empty())
    if (auto it = sparse.find(i); it != sparse.end()) return &it->second;
  return i < dense.size() ? &dense[i] : nullptr;
}

template <class T>
T& Journal::IndexMap<T>::at(std::size_t i) {
  if (!sparse.empty())
    if (auto it = sparse.find(i); it != sparse.end()) return it->second;
  // The dense table grows only in step with what was put in it: memory stays proportional to the
  // records, whatever indexes a (damaged) file names; the rare index beyond goes to the side table.
  const std::size_t limit = dense_slack + 2 * inserted;
  ++inserted;
  if (i < dense.size()) return dense[i];
  if (i < limit) {
    dense.resize(std::max(i + 1, std::min(2 * dense.size() + 16, limit)));
    return dense[i];
  }
  return sparse[i];
}

std::uint32_t Journal::hash_email(std::string_view email) noexcept {
  std::uint32_t h = 2166136261u;  // FNV-1a over the lower-cased email
  for (unsigned char c : email) {
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
    h = (h ^ c) * 16777619u;
  }
  return h ? h : 1;
}

Result<std::unique_ptr<Journal>> Journal::open(const std::string& path, Options options) {
  std::unique_ptr<Journal> j(new Journal());
  j->path_ = path;
  j->options_ = options;

  struct stat before {};
  const bool existed = ::stat(path.c_str(), &before) == 0;
  if (existed && !S_ISREG(before.st_mode))
    return journal_error("journal " + path + " is not a regular file; refusing to use it");
  j->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (j->fd_ < 0) return io_error("cannot open journal", path, errno);
  if (::flock(j->fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK)
      return journal_error("journal " + path +
                           " is in use by another run (it is locked); wait for that run to end, or give "
                           "another --journal");
    return io_error("cannot lock journal", path, err);
  }

  // Read it, line by line, each line capped.
  struct stat st {};
  if (::fstat(j->fd_, &st) != 0) return io_error("cannot read journal", path, errno);
  std::uintmax_t keep = 0;  // bytes up to the last complete line
  if (st.st_size > 0) {
    std::string line;
    bool too_long = false;
    std::size_t line_no = 0;
    std::uintmax_t offset = 0;
    std::size_t skipped = 0;
    char buf[65536];
    off_t pos = 0;
    bool first = true;
    auto finish_line = [&]() -> std::optional<Error> {
      ++line_no;
      if (line.empty() && !too_long) return std::nullopt;
      std::string why = "longer than " + std::to_string(max_line_bytes) + " bytes";
      std::optional<Record> rec;
      const bool header = !too_long && first && is_header(line);
      if (!too_long && !header) rec = parse_record(line, why);
      if (first) {
        first = false;
        if (!header && !rec)
          return journal_error("journal " + path + " line 1 is not a partnerkit journal record (" + why +
                               "): the file is not a journal; refusing to use or overwrite it (give "
                               "another --journal)");
      }
      if (header) return std::nullopt;
      if (!rec) {
        j->damaged_ = true;
        if (++skipped <= max_warnings)
          j->warnings_.push_back("journal " + path + " line " + std::to_string(line_no) + " skipped (" + why +
                                 "); unfinished items are reconciled with the vendor");
        return std::nullopt;
      }
      if (!j->recorded_op_) j->recorded_op_ = rec->op.value_or("create");
      if ((!rec->partner_id.empty() || !rec->referral_link.empty()) && j->arena_.size() < 0xFFFF0000u) {
        rec->entry.detail = static_cast<std::uint32_t>(j->arena_.size()) + 1;
        j->arena_ += rec->partner_id + "\t" + rec->referral_link + "\n";
      }
      j->apply(rec->index, rec->vendor, rec->email_hash, rec->entry, rec->started);
      ++j->records_read_;
      return std::nullopt;
    };
    for (;;) {
      const ssize_t n = ::pread(j->fd_, buf, sizeof buf, pos);
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error("cannot read journal", path, errno);
      }
      if (n == 0) break;
      pos += n;
      for (ssize_t i = 0; i < n; ++i) {
        const char c = buf[i];
        ++offset;
        if (c != '\n') {
          if (line.size() < max_line_bytes)
            line.push_back(c);
          else
            too_long = true;
          continue;
        }
        if (auto e = finish_line()) return *e;
        keep = offset;
        line.clear();
        too_long = false;
      }
    }
    if (offset > keep) {
      // A torn last line (killed mid-write): dropped below. But a file whose only line is not a
      // journal's is refused, never truncated.
      if (first && !too_long && !is_header(line)) {
        std::string why;
        if (!parse_record(line, why))
          return journal_error("journal " + path +
                               " is not a partnerkit journal (its first line is not a record); refusing to "
                               "use or overwrite it (give another --journal)");
      }
    }
    if (skipped > max_warnings)
      j->warnings_.push_back("journal " + path + ": " + std::to_string(skipped - max_warnings) +
                             " more lines skipped");
  }

  for (const auto& [vendor, entries] : j->entries_) {
    for (const auto& e : entries.dense) j->details_ += e.detail != 0;
    for (const auto& [i, e] : entries.sparse) j->details_ += e.detail != 0;
  }
  if (j->details_ == 0) std::string().swap(j->arena_);

  // Drop a torn tail so the next record starts on a line of its own.
  if (static_cast<std::uintmax_t>(st.st_size) > keep && ::ftruncate(j->fd_, static_cast<off_t>(keep)) != 0)
    return io_error("cannot truncate journal", path, errno);
  if (keep == 0) {
    // A new journal: its header, on the disk with its directory entry.
    if (!write_all(j->fd_, header_line)) return io_error("cannot write journal", path, errno);
    if (options.durable) {
      if (::fdatasync(j->fd_) != 0) return io_error("cannot sync journal", path, errno);
      auto dir = std::filesystem::path(path).parent_path();
      if (dir.empty()) dir = ".";
      if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
      }
    }
  }
  if (options.durable) j->syncer_ = std::thread([p = j.get()] { p->sync_loop(); });
  return j;
}

Journal::~Journal() {
  if (syncer_.joinable()) {
    {
      std::lock_guard lock(sync_mutex_);
      stop_ = true;
    }
    sync_cv_.notify_all();
    syncer_.join();
  }
  if (fd_ >= 0) {
    if (options_.durable) ::fdatasync(fd_);
    ::close(fd_);  // releases the lock
  }
}

void Journal::sync_loop() {
  std::unique_lock lock(sync_mutex_);
  for (;;) {
    sync_cv_.wait(lock, [&] { return stop_ || !waiters_.empty(); });
    if (waiters_.empty()) return;  // stopping, nothing left
    // Every record whose waiter is here was written before it registered: this one sync covers
    // them all. Records appended meanwhile wait for the next.
    auto batch = std::move(waiters_);
    waiters_.clear();
    lock.unlock();
    int rc;
    do rc = ::fdatasync(fd_);
    while (rc != 0 && errno == EINTR);
    Result<void> r;
    if (rc != 0) r = io_error("cannot sync journal", path_, errno);
    lock.lock();
    ++syncs_;  // counted before the waiters hear of it: one of them may ask at once
    lock.unlock();
    for (auto& w : batch) {
      try {
        w(r);
      } catch (...) {
        // A waiter only posts; nothing to do if it cannot.
      }
    }
    batch.clear();  // release what the waiters held here, not under the lock
    lock.lock();
  }
}

void Journal::when_durable(std::function<void(Result<void>)> done) {
  if (!options_.durable || !syncer_.joinable()) {
    done(Result<void>{});
    return;
  }
  {
    std::lock_guard lock(sync_mutex_);
    waiters_.push_back(std::move(done));
    ++synced_waiters_;
  }
  sync_cv_.notify_one();
}

std::size_t Journal::syncs() const noexcept {
  std::lock_guard lock(sync_mutex_);
  return syncs_;
}

std::size_t Journal::synced_waiters() const noexcept {
  std::lock_guard lock(sync_mutex_);
  return synced_waiters_;
}

void Journal::apply(std::size_t index, std::string_view vendor, std::uint32_t email_hash, Entry entry,
                    bool started) {
  auto it = entries_.find(vendor);
  if (it == entries_.end()) it = entries_.emplace(std::string(vendor), IndexMap<Entry>{}).first;
  Entry& slot = it->second.at(index);
  if (started) {
    // A done record is final; a later "started" (never written by a batch) does not undo it. A
    // started after a started or retryable one: that earlier run's request may have gone out.
    if (slot.state == State::done) return;
    const bool sent = slot.sent || slot.state == State::started || slot.state == State::retryable;
    if (slot.detail != 0 && details_ > 0) --details_;  // (counted after open)
    slot = entry;
    slot.sent = sent;
  } else {
    entry.sent = entry.sent || slot.sent;
    if (slot.detail != 0 && entry.detail == 0 && details_ > 0) --details_;  // (counted after open)
    slot = entry;
  }
  if (email_hash) email_hashes_.at(index) = email_hash;
}

Journal::Recorded Journal::take_partner(std::size_t index, std::string_view vendor) {
  Recorded out;
  auto it = entries_.find(vendor);
  if (it == entries_.end()) return out;
  Entry* e = it->second.get(index);
  if (!e || e->detail == 0 || e->detail > arena_.size()) return out;
  const std::string_view rest = std::string_view(arena_).substr(e->detail - 1);
  const std::string_view line = rest.substr(0, rest.find('\n'));
  const auto tab = line.find('\t');
  if (tab != 0) out.partner_id = std::string(line.substr(0, tab));
  if (tab + 1 < line.size()) out.referral_link = std::string(line.substr(tab + 1));
  e->detail = 0;
  if (--details_ == 0) std::string().swap(arena_);  // every detail delivered: give the memory back
  return out;
}

Journal::Entry Journal::find(std::size_t index, std::string_view vendor) const {
  auto it = entries_.find(vendor);
  if (it == entries_.end()) return {};
  const Entry* e = it->second.get(index);
  return e ? *e : Entry{};
}

std::optional<std::uint32_t> Journal::email_hash(std::size_t index) const {
  const std::uint32_t* h = email_hashes_.get(index);
  if (!h || *h == 0) return std::nullopt;
  return *h;
}

Result<void> Journal::append(const std::string& line) {
  if (!write_all(fd_, line)) return io_error("cannot write journal", path_, errno);
  return {};
}

void Journal::tag(boost::json::object& record) const {
  if (op_ != "create") record["op"] = op_;
}

Result<void> Journal::record_started(std::size_t index, std::string_view vendor, std::string_view email) {
  boost::json::object o;
  o["index"] = index;
  o["vendor"] = vendor;
  const std::uint32_t h = email.empty() ? 0 : hash_email(email);
  if (h) o["email_hash"] = h;
  o["state"] = "started";
  tag(o);
  apply(index, vendor, h, Entry{State::started, Outcome::created, errc::protocol, false, false}, true);
  return append(boost::json::serialize(o) + "\n");
}

Result<void> Journal::record_finished(std::size_t index, std::string_view vendor, std::string_view email,
                                      const Result<Partner>& result) {
  boost::json::object o;
  o["index"] = index;
  o["vendor"] = vendor;
  const std::uint32_t h = email.empty() ? 0 : hash_email(email);
  if (h) o["email_hash"] = h;
  Entry e;
  if (result) {
    e.state = State::done;
    e.outcome = result->outcome;
    e.sent = result->attempts != 0;
    o["state"] = state_name(e.state);
    o["outcome"] = to_string(result->outcome);
    if (result->id) o["partner_id"] = *result->id;
    if (!result->links.empty() && !result->links.front().url.empty())
      o["referral_link"] = result->links.front().url;
    o["attempts"] = result->attempts;
  } else {
    const Error& err = result.error();
    // Not final when the vendor may have applied an attempt (a 5xx, an answer cut off or over the
    // cap, a TLS failure while reading): a resume reconciles it instead of reporting a failure.
    const bool maybe_applied = policy::may_have_been_applied(err, err.attempts > 0);
    e.state =
        err.retryable || err.code == errc::cancelled || maybe_applied ? State::retryable : State::failed;
    e.code = err.code;
    e.sent = err.attempts != 0;
    e.local = e.state == State::failed && err.attempts == 0;
    o["state"] = state_name(e.state);
    o["code"] = to_string(err.code);
    if (err.http_status) o["http_status"] = *err.http_status;
    o["attempts"] = err.attempts;
  }
  tag(o);
  apply(index, vendor, h, e, false);
  return append(boost::json::serialize(o) + "\n");
}

}  // namespace partnerkit
