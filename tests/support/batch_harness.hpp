// What the batch tests start from: a ClientHarness with a Client and a journal path removed before and
// after, a batch run to completion, and files in the temporary directory.
#pragma once

#include "client_harness.hpp"
#include "files.hpp"

#include <partnerkit/batch.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

namespace partnerkit::test {

inline std::string email_of(std::size_t i) { return "p" + std::to_string(i) + "@example.com"; }

struct BatchHarness : ClientHarness {
  std::unique_ptr<Client> client;
  std::filesystem::path journal = temp_path("batch");

  ~BatchHarness() override { std::filesystem::remove(journal); }

  // Each vendor at https://<vendor>.test with key "k"; millisecond backoff, seeded jitter.
  static ClientOptions batch_options(const std::vector<std::string>& vendors) {
    using namespace std::chrono_literals;
    ClientOptions o;
    for (const auto& v : vendors) {
      VendorOptions vo;
      vo.config.base_url = "https://" + v + ".test";
      vo.config.api_key = "k";
      o.vendors.emplace(v, vo);
    }
    o.backoff = BackoffPolicy{1ms, 2ms, 2.0};
    o.jitter_seed = 3;
    return o;
  }
  void make_client(const ClientOptions& o) {
    client = std::make_unique<Client>(io.get_executor(), registry, transport, o);
  }

  // Options for `vendors`, journaled at `journal`.
  BatchOptions journaled(std::vector<std::string> vendors = {"alpha"}) const {
    BatchOptions o;
    o.vendors = std::move(vendors);
    o.journal_path = journal.string();
    return o;
  }
  // journaled(), each result kept in `into` by its index.
  BatchOptions collecting(std::map<std::size_t, BatchResult>& into) const {
    BatchOptions o = journaled();
    o.on_result = [&into](const BatchResult& r) { into.emplace(r.index, r); };
    return o;
  }

  BatchSummary run(ItemSource source, BatchOptions options) {
    std::optional<BatchSummary> out;
    async_provision_batch(*client, std::move(source), std::move(options),
                          [&](BatchSummary s) { out = std::move(s); });
    io.run();
    io.restart();
    EXPECT_TRUE(out);
    return out ? *out : BatchSummary{};
  }
};

}  // namespace partnerkit::test
