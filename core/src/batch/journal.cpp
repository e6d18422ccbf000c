#include <partnerkit/journal.hpp>
#include <partnerkit/spec_json.hpp>

#include <boost/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace partnerkit {
namespace {

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

Error io_error(const std::string& what, const std::string& path) {
  return Error::make(errc::invalid_input, what + " " + path + ": " + std::strerror(errno), "journal");
}

}  // namespace

std::uint32_t Journal::hash_email(std::string_view email) noexcept {
  std::uint32_t h = 2166136261u;  // FNV-1a over the lower-cased email
  for (unsigned char c : email) {
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
    h = (h ^ c) * 16777619u;
  }
  return h ? h : 1;
}

Result<std::unique_ptr<Journal>> Journal::open(const std::string& path) {
  std::unique_ptr<Journal> j(new Journal());
  j->path_ = path;
  std::uintmax_t keep = 0;  // bytes up to the last complete line
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::string line;
      std::size_t line_no = 0;
      std::uintmax_t offset = 0;
      while (std::getline(in, line)) {
        ++line_no;
        const bool complete = !in.eof();  // getline stopped at a '\n'
        const std::uintmax_t next = offset + line.size() + (complete ? 1 : 0);
        if (!complete) break;  // a torn last line: ignored, truncated below
        offset = next;
        keep = offset;
        if (line.empty()) continue;
        boost::system::error_code ec;
        auto v = boost::json::parse(line, ec);
        const auto* o = ec ? nullptr : v.if_object();
        const boost::json::value* index = o ? o->if_contains("index") : nullptr;
        const boost::json::value* vendor = o ? o->if_contains("vendor") : nullptr;
        const boost::json::value* state = o ? o->if_contains("state") : nullptr;
        auto st = state && state->is_string() ? state_from(state->get_string()) : std::nullopt;
        if (!index || !index->is_int64() || index->get_int64() < 0 || !vendor || !vendor->is_string() || !st)
          return Error::make(
              errc::invalid_input,
              "journal " + path + " line " + std::to_string(line_no) + " is not a journal record", "journal");
        Entry e;
        e.state = *st;
        if (const auto* out = o->if_contains("outcome"); out && out->is_string())
          e.outcome = outcome_from_string(out->get_string()).value_or(Outcome::created);
        if (!j->recorded_op_) {
          const auto* op = o->if_contains("op");
          j->recorded_op_ = op && op->is_string() ? std::string(op->get_string()) : std::string("create");
        }
        if (e.state == State::done) {
          auto text = [&](const char* key) {
            const auto* v = o->if_contains(key);
            std::string s = v && v->is_string() ? std::string(v->get_string()) : std::string();
            std::replace(s.begin(), s.end(), '\t', ' ');
            std::replace(s.begin(), s.end(), '\n', ' ');
            return s;
          };
          std::string id = text("partner_id"), link = text("referral_link");
          if ((!id.empty() || !link.empty()) && j->arena_.size() < 0xFFFF0000u) {
            e.detail = static_cast<std::uint32_t>(j->arena_.size()) + 1;
            j->arena_ += id + "\t" + link + "\n";
          }
        }
        if (const auto* code = o->if_contains("code"); code && code->is_string())
          e.code = errc_from_string(code->get_string()).value_or(errc::protocol);
        std::uint32_t h = 0;
        if (const auto* email = o->if_contains("email"); email && email->is_string())
          h = hash_email(email->get_string());
        j->apply(static_cast<std::size_t>(index->get_int64()), vendor->get_string(), h, e);
        ++j->records_read_;
      }
    }
  }
  for (const auto& [vendor, entries] : j->entries_)
    for (const auto& e : entries) j->details_ += e.detail != 0;
  if (j->details_ == 0) std::string().swap(j->arena_);
  // Drop a torn tail so the next record starts on a line of its own.
  if (::access(path.c_str(), F_OK) == 0 && ::truncate(path.c_str(), static_cast<off_t>(keep)) != 0)
    return io_error("cannot truncate journal", path);
  j->file_ = std::fopen(path.c_str(), "ab");
  if (!j->file_) return io_error("cannot open journal", path);
  return j;
}

Journal::~Journal() {
  if (file_) std::fclose(file_);
}

void Journal::apply(std::size_t index, std::string_view vendor, std::uint32_t email_hash, Entry entry) {
  auto it = entries_.find(vendor);
  if (it == entries_.end()) it = entries_.emplace(std::string(vendor), std::vector<Entry>{}).first;
  if (it->second.size() <= index) it->second.resize(index + 1);
  // A finished record is final; a later "started" (a resumed run) does not undo it.
  auto& slot = it->second[index];
  if (!(entry.state == State::started && (slot.state == State::done || slot.state == State::failed))) {
    if (slot.detail != 0 && entry.detail == 0 && details_ > 0) --details_;  // (counted after open)
    slot = entry;
  }
  if (email_hash) {
    if (email_hashes_.size() <= index) email_hashes_.resize(index + 1, 0);
    email_hashes_[index] = email_hash;
  }
}

Journal::Recorded Journal::take_partner(std::size_t index, std::string_view vendor) {
  Recorded out;
  auto it = entries_.find(vendor);
  if (it == entries_.end() || it->second.size() <= index) return out;
  Entry& e = it->second[index];
  if (e.detail == 0 || e.detail > arena_.size()) return out;
  const std::string_view rest = std::string_view(arena_).substr(e.detail - 1);
  const std::string_view line = rest.substr(0, rest.find('\n'));
  const auto tab = line.find('\t');
  if (tab != 0) out.partner_id = std::string(line.substr(0, tab));
  if (tab + 1 < line.size()) out.referral_link = std::string(line.substr(tab + 1));
  e.detail = 0;
  if (--details_ == 0) std::string().swap(arena_);  // every detail delivered: give the memory back
  return out;
}

Journal::Entry Journal::find(std::size_t index, std::string_view vendor) const {
  auto it = entries_.find(vendor);
  if (it == entries_.end() || it->second.size() <= index) return {};
  return it->second[index];
}

std::optional<std::uint32_t> Journal::email_hash(std::size_t index) const {
  if (index >= email_hashes_.size() || email_hashes_[index] == 0) return std::nullopt;
  return email_hashes_[index];
}

Result<void> Journal::append(const std::string& line) {
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    return io_error("cannot write journal", path_);
  return {};
}

void Journal::tag(boost::json::object& record) const {
  if (op_ != "create") record["op"] = op_;
}

Result<void> Journal::record_started(std::size_t index, std::string_view vendor, std::string_view email) {
  boost::json::object o;
  o["index"] = index;
  o["vendor"] = vendor;
  o["email"] = email;
  o["state"] = "started";
  tag(o);
  apply(index, vendor, hash_email(email), Entry{State::started, Outcome::created, errc::protocol});
  return append(boost::json::serialize(o) + "\n");
}

Result<void> Journal::record_finished(std::size_t index, std::string_view vendor, std::string_view email,
                                      const Result<Partner>& result) {
  boost::json::object o;
  o["index"] = index;
  o["vendor"] = vendor;
  o["email"] = email;
  Entry e;
  if (result) {
    e.state = State::done;
    e.outcome = result->outcome;
    o["state"] = state_name(e.state);
    o["outcome"] = to_string(result->outcome);
    if (result->id) o["partner_id"] = *result->id;
    if (!result->links.empty() && !result->links.front().url.empty())
      o["referral_link"] = result->links.front().url;
    o["attempts"] = result->attempts;
  } else {
    const Error& err = result.error();
    e.state = err.retryable || err.code == errc::cancelled ? State::retryable : State::failed;
    e.code = err.code;
    o["state"] = state_name(e.state);
    o["code"] = to_string(err.code);
    if (err.http_status) o["http_status"] = *err.http_status;
    o["attempts"] = err.attempts;
  }
  tag(o);
  apply(index, vendor, hash_email(email), e);
  return append(boost::json::serialize(o) + "\n");
}

}  // namespace partnerkit
