// What a user's test does with the installed test kit: a Client over the scripted transport and a
// scripted adapter, checked with the matchers.
#include <partnerkit/client.hpp>
#include <partnerkit/testing/fake_transport.hpp>
#include <partnerkit/testing/matchers.hpp>
#include <partnerkit/testing/scripted_adapter.hpp>

#include <boost/asio/io_context.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace partnerkit;
using partnerkit::testing::ErrorIs;
using partnerkit::testing::FakeReply;
using partnerkit::testing::FakeTransport;
using partnerkit::testing::IsOk;
using partnerkit::testing::ScriptedAdapter;
using ::testing::Not;

TEST(InstalledTestKit, ScriptsAClientCall) {
  boost::asio::io_context io;
  auto transport = std::make_shared<FakeTransport>(io.get_executor());
  auto adapter = std::make_shared<ScriptedAdapter>("acme");
  auto registry = std::make_shared<AdapterRegistry>();
  registry->add(adapter);
  ClientOptions o;
  VendorOptions vo;
  vo.config.base_url = "https://acme.test";
  vo.config.api_key = "k";
  o.vendors.emplace("acme", vo);
  Client client(io.get_executor(), registry, transport, o);

  PartnerSpec spec;
  spec.email = "ada@example.com";
  adapter->answer(Operation::create, Error::make(errc::rejected, "no", "email"));
  transport->set_responder([](const HttpRequest&) { return FakeReply::status(201); });

  std::optional<Result<Partner>> first, second;
  client.async_provision("acme", spec, {}, [&](Result<Partner> r) { first = std::move(r); });
  io.run();
  io.restart();
  client.async_provision("acme", spec, {}, [&](Result<Partner> r) { second = std::move(r); });
  io.run();

  ASSERT_TRUE(first && second);
  EXPECT_THAT(*first, ErrorIs(errc::rejected, "email"));
  EXPECT_THAT(*first, Not(IsOk()));
  EXPECT_THAT(*second, IsOk());
  EXPECT_EQ((*second)->id, "p_ada@example.com");
  EXPECT_EQ(transport->request_count(), 2u);
}
