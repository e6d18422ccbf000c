// Fuzzes the batch journal's reader (core/src/batch/journal.cpp): the bytes are an existing journal
// file, opened as a resumed batch would open it.
// Invariants: open never crashes, aborts or allocates without bound (an index is a number a file
// chose); and when it opens, what it then appends is what the next open reads: after a started and
// a finished record, a reopened journal agrees with the first one on every item either touched.
#include <partnerkit/journal.hpp>

#include <unistd.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

namespace pk = partnerkit;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "journal fuzz: %s\n", what);
  std::abort();
}

const std::string& scratch_path() {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    std::string p = std::string(dir && *dir ? dir : "/tmp") + "/partnerkit-journal-fuzz-XXXXXX";
    const int fd = ::mkstemp(p.data());
    if (fd < 0) fail("cannot create a scratch file");
    ::close(fd);
    std::atexit([] { ::unlink(scratch_path().c_str()); });
    return p;
  }();
  return path;
}

bool same(const pk::Journal::Entry& a, const pk::Journal::Entry& b) {
  if (a.state != b.state) return false;
  if (a.state == pk::Journal::State::done) return a.outcome == b.outcome;
  if (a.state == pk::Journal::State::failed || a.state == pk::Journal::State::retryable)
    return a.code == b.code;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = scratch_path();
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) fail("cannot write the scratch file");
    if (size && std::fwrite(data, 1, size, f) != size) fail("cannot write the scratch file");
    std::fclose(f);
  }
  // Not synced to the disk (speed), and closed before the reopen: a journal is locked while open.
  const pk::Journal::Options options{false};
  auto first = pk::Journal::open(path, options);
  if (!first) return 0;
  auto& j = **first;
  const std::size_t records = j.records_read();
  // Touch item 1 on dub (started) and item 2 on partnero (finished as existing), as a resumed run does.
  if (!j.record_started(1, "dub", "ana@example.com")) fail("cannot append started");
  pk::Partner p;
  p.vendor = "partnero";
  p.email = "bo@example.com";
  p.outcome = pk::Outcome::existing;
  if (!j.record_finished(2, "partnero", "bo@example.com", pk::Result<pk::Partner>(p)))
    fail("cannot append finished");

  const char* vendors[] = {"dub", "partnero", "journeybee"};
  pk::Journal::Entry before[4][3];
  for (std::size_t index = 0; index < 4; ++index)
    for (std::size_t v = 0; v < 3; ++v) before[index][v] = j.find(index, vendors[v]);
  const auto hash1 = j.email_hash(1), hash2 = j.email_hash(2);
  if (pk::Journal::open(path, options)) fail("a second open of a journal in use was not refused");
  first->reset();

  auto second = pk::Journal::open(path, options);
  if (!second) fail("a journal we appended to does not open again");
  auto& k = **second;
  if (k.records_read() != records + 2) fail("the reopened journal does not hold every record");
  for (std::size_t index = 0; index < 4; ++index)
    for (std::size_t v = 0; v < 3; ++v)
      if (!same(before[index][v], k.find(index, vendors[v]))) fail("the reopened journal disagrees");
  if (hash1 != k.email_hash(1) || hash2 != k.email_hash(2)) fail("email hashes disagree");
  return 0;
}
