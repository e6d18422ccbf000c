// The batch over a vendor with lookups: resume and ambiguous attempts reconciled by lookup, ids kept
// in the journal, derived external ids, and batches of other operations (update) with their journal.
#include "batch_harness.hpp"
#include "ops_adapter.hpp"
#include "test_adapter.hpp"
#include "test_names.hpp"

#include <partnerkit/batch.hpp>
#include <partnerkit/journal.hpp>
#include <partnerkit/testing/fake_transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace {

using test::email_of;

// A vendor in memory speaking OpsAdapter's protocol: creates (409 on a known email), finds, updates.
// `drop_first` makes the first create of those emails be applied with its answer lost.
struct MemoryVendor {
  struct Stored {
    std::string id, email, external_id;
    int creates = 0;  // create requests that reached this partner
  };
  std::map<std::string, Stored> by_email;
  std::set<std::string> drop_first;
  std::size_t creates = 0, finds = 0, updates = 0;

  static std::string json(const Stored& s) {
    return boost::json::serialize(boost::json::object{{"id", s.id},
                                                      {"email", s.email},
                                                      {"external_id", s.external_id},
                                                      {"link", "https://ref.test/" + s.id}});
  }

  FakeReply operator()(const HttpRequest& r) {
    const auto path = r.url.substr(std::string("https://ops.test").size());
    if (r.method == "POST" && path == "/partners") {
      ++creates;
      auto body = boost::json::parse(r.body).as_object();
      std::string email(body.at("email").as_string());
      auto it = by_email.find(email);
      if (it != by_email.end()) {
        ++it->second.creates;
        return FakeReply::status(409, "", {{"X-Test-Field", "email"}});
      }
      Stored s{"pn_" + std::to_string(by_email.size() + 1), email,
               body.contains("external_id") ? std::string(body.at("external_id").as_string()) : "", 1};
      by_email[email] = s;
      if (drop_first.erase(email)) return FakeReply::failure(boost::beast::error::timeout, true);
      return FakeReply::status(201, json(s));
    }
    if (r.method == "GET" && path.starts_with("/partners?")) {
      ++finds;
      const auto eq = path.find('=');
      const std::string key = path.substr(10, eq - 10), value = path.substr(eq + 1);
      std::string out = "[";
      for (const auto& [email, s] : by_email)
        if ((key == "email" && email == value) || (key == "external_id" && s.external_id == value))
          out += (out.size() > 1 ? "," : "") + json(s);
      return FakeReply::status(200, out + "]");
    }
    if (r.method == "PATCH") {
      ++updates;
      const std::string id = path.substr(std::string("/partners/").size());
      for (const auto& [email, s] : by_email)
        if (s.id == id) return FakeReply::status(200, json(s));
      return FakeReply::status(404);
    }
    return FakeReply::status(400);
  }
};

struct Source {
  std::size_t n;
  bool external_ids = true;
  std::size_t pulled = 0;
  std::optional<InputItem> operator()() {
    if (pulled == n) return std::nullopt;
    InputItem it;
    it.index = pulled;
    it.line = pulled + 1;
    PartnerSpec s;
    s.email = email_of(pulled);
    if (external_ids) s.external_id = "crm-" + std::to_string(pulled);
    it.spec = s;
    it.extras["partner_id"] = "pn_" + std::to_string(pulled + 1);
    ++pulled;
    return it;
  }
};

struct ReconcileBatch : test::BatchHarness {
  MemoryVendor vendor;

  ReconcileBatch() {
    registry->add(std::make_shared<test::OpsAdapter>("ops"));
    registry->add(std::make_shared<test::TestAdapter>(CreateSemantics::create, "plain"));
    make_client(batch_options({"ops", "plain"}));
    transport->set_responder([this](const HttpRequest& r) {
      if (r.url.starts_with("https://plain.test")) return FakeReply::status(201);
      return vendor(r);
    });
  }

  BatchSummary run(Source& source, BatchOptions options,
                   std::map<std::size_t, BatchResult>* results = nullptr) {
    if (results)
      options.on_result = [results](const BatchResult& r) { results->insert_or_assign(r.index, r); };
    return BatchHarness::run(std::ref(source), std::move(options));
  }
};

}  // namespace

TEST_F(ReconcileBatch, AmbiguousCreatesAreFoundWithTheirIdsAndNeverResent) {
  for (std::size_t i = 0; i < 30; i += 3) vendor.drop_first.insert(email_of(i));
  Source src{30};
  BatchOptions o;
  o.vendors = {"ops"};
  std::map<std::size_t, BatchResult> results;
  auto s = run(src, o, &results);
  EXPECT_EQ(s.succeeded, 30u);
  EXPECT_EQ(s.by_outcome["existing"], 10u);
  for (const auto& [i, r] : results) {
    ASSERT_TRUE(r.result) << r.result.error().message;
    EXPECT_TRUE(r.result->id) << i;  // every `existing` carries its vendor id
    EXPECT_FALSE(r.result->links.empty()) << i;
  }
  EXPECT_EQ(vendor.creates, 30u);  // no create re-sent for a partner the lookup found
  for (const auto& [email, stored] : vendor.by_email) EXPECT_EQ(stored.creates, 1) << email;
}

TEST_F(ReconcileBatch, ResumeLooksStartedItemsUpAndKeepsIdsOfFinishedOnes) {
  vendor.by_email[email_of(1)] = {"pn_77", email_of(1), "crm-1", 1};  // applied by the killed run
  {
    std::ofstream out(journal);
    out << R"({"index":0,"vendor":"ops","email":"p0@example.com","state":"done","outcome":"created","partner_id":"pn_5","referral_link":"https://ref.test/pn_5"})"
        << "\n";
    out << R"({"index":1,"vendor":"ops","email":"p1@example.com","state":"started"})"
        << "\n";
    out << R"({"index":2,"vendor":"ops","email":"p2@example.com","state":"started"})"
        << "\n";
  }
  Source src{3};
  BatchOptions o;
  o.vendors = {"ops"};
  o.journal_path = journal.string();
  std::map<std::size_t, BatchResult> results;
  auto s = run(src, o, &results);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].from_journal);
  EXPECT_EQ(results[0].result->id, "pn_5");
  ASSERT_EQ(results[0].result->links.size(), 1u);
  EXPECT_EQ(results[0].result->links[0].url, "https://ref.test/pn_5");
  ASSERT_TRUE(results[1].result) << results[1].result.error().message;
  EXPECT_EQ(results[1].result->outcome, Outcome::existing);
  EXPECT_EQ(results[1].result->id, "pn_77");
  ASSERT_TRUE(results[2].result);
  EXPECT_EQ(results[2].result->outcome, Outcome::created);  // looked up, not there, created
  EXPECT_EQ(vendor.creates, 1u);
  EXPECT_EQ(vendor.by_email[email_of(1)].creates, 1);

  // The ids are in the journal: a further run delivers them from it, sending nothing.
  const auto before = transport->request_count();
  Source again{3};
  results.clear();
  auto s2 = run(again, o, &results);
  EXPECT_EQ(s2.from_journal, 3u);
  EXPECT_EQ(transport->request_count(), before);
  EXPECT_EQ(results[1].result->id, "pn_77");
  EXPECT_EQ(results[2].result->id, vendor.by_email[email_of(2)].id);
}

TEST_F(ReconcileBatch, DuplicateModeSendsNoLookup) {
  vendor.drop_first.insert(email_of(0));
  Source src{2};
  BatchOptions o;
  o.vendors = {"ops"};
  o.reconcile = Reconcile::duplicate;
  std::map<std::size_t, BatchResult> results;
  run(src, o, &results);
  EXPECT_EQ(vendor.finds, 0u);
  ASSERT_TRUE(results[0].result);
  EXPECT_EQ(results[0].result->outcome, Outcome::existing);
  EXPECT_FALSE(results[0].result->id);
}

TEST(DeriveExternalId, StableAndDistinct) {
  // Pinned: a change here changes every derived id a CRM may already hold.
  EXPECT_EQ(derive_external_id("acme", "Ada@Example.com "), derive_external_id("acme", "ada@example.com"));
  EXPECT_NE(derive_external_id("acme", "ada@example.com"), derive_external_id("other", "ada@example.com"));
  EXPECT_NE(derive_external_id("acme", "ada@example.com"), derive_external_id("acme", "ada@example.org"));
  EXPECT_EQ(derive_external_id("acme", "ada@example.com").size(), 35u);
  EXPECT_EQ(derive_external_id("acme", "ada@example.com").substr(0, 3), "pk-");
  EXPECT_EQ(derive_external_id("acme", "ada@example.com"), "pk-7a6b9e2e48bbf3385b12a572f568fba1");
}

TEST_F(ReconcileBatch, DerivedExternalIdsGoOnlyToVendorsCarryingThem) {
  Source src{4, false};
  BatchOptions o;
  o.vendors = {"ops", "plain"};
  o.derive_external_id_namespace = "acme";
  vendor.drop_first.insert(email_of(2));
  std::map<std::string, std::size_t> lookups_by_key;
  run(src, o);
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_EQ(vendor.by_email[email_of(i)].external_id, derive_external_id("acme", email_of(i)));
  for (const auto& r : transport->requests()) {
    if (r.url.starts_with("https://plain.test")) {
      EXPECT_EQ(r.body.find("pk-"), std::string::npos);
    }
    if (r.method == "GET")
      ++lookups_by_key[r.url.find("external_id=pk-") != std::string::npos ? "ext" : "other"];
  }
  EXPECT_EQ(lookups_by_key["ext"], 1u);  // the dropped create: found by its derived id at once
  EXPECT_EQ(lookups_by_key["other"], 0u);
}

TEST_F(ReconcileBatch, AnUpdateBatchIsJournaledAsSuchAndItsJournalIsNotAProvisionsOne) {
  for (std::size_t i = 0; i < 3; ++i)
    vendor.by_email[email_of(i)] = {"pn_" + std::to_string(i + 1), email_of(i), "crm-" + std::to_string(i),
                                    1};
  Source src{3};
  BatchOptions o;
  o.vendors = {"ops"};
  o.journal_path = journal.string();
  o.operation_name = "update";
  o.operation = [](Client& c, const std::string& vendor, const BatchItem& item, BatchItemHandler h) {
    PartnerSpec changes;
    changes.name = "Renamed " + item.spec.email;
    c.async_update(vendor, std::string(item.extras.at("partner_id").as_string()), changes, std::move(h));
  };
  std::map<std::size_t, BatchResult> results;
  auto s = run(src, o, &results);
  EXPECT_EQ(s.succeeded, 3u);
  EXPECT_EQ(vendor.updates, 3u);
  EXPECT_EQ(results[2].result->outcome, Outcome::updated);
  {
    std::ifstream in(journal);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, R"({"partnerkit_journal":1})");  // the header, then the records
    std::getline(in, line);
    EXPECT_NE(line.find(R"("op":"update")"), std::string::npos) << line;
  }
  // Resumed: nothing sent again.
  Source again{3};
  auto s2 = run(again, o);
  EXPECT_EQ(s2.from_journal, 3u);
  EXPECT_EQ(vendor.updates, 3u);
  // The same journal for a provision batch is refused before anything is sent.
  Source third{3};
  BatchOptions p;
  p.vendors = {"ops"};
  p.journal_path = journal.string();
  auto s3 = run(third, p);
  ASSERT_TRUE(s3.fatal);
  EXPECT_EQ(s3.fatal->field, "journal");
  EXPECT_EQ(vendor.creates, 0u);
}

TEST_F(ReconcileBatch, AnOperationThatThrowsFailsItsItemOnly) {
  Source src{3};
  BatchOptions o;
  o.vendors = {"ops"};
  o.operation_name = "get";
  o.operation = [](Client& c, const std::string& vendor, const BatchItem& item, BatchItemHandler h) {
    if (item.index == 1) throw std::runtime_error("boom");
    c.async_get(vendor, std::string(item.extras.at("partner_id").as_string()), std::move(h));
  };
  vendor.by_email[email_of(0)] = {"pn_1", email_of(0), "crm-0", 1};
  std::map<std::size_t, BatchResult> results;
  auto s = run(src, o, &results);
  EXPECT_EQ(s.results, 3u);
  ASSERT_FALSE(results[1].result);
  EXPECT_EQ(results[1].result.error().code, errc::internal);
}
