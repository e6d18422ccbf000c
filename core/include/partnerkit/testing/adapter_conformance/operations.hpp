// The author's kit: operations beyond create (find, get, update, deactivate).
// Part of <partnerkit/testing/adapter_conformance.hpp>; include that.
#pragma once

#include <partnerkit/testing/adapter_conformance/detail.hpp>
#include <partnerkit/testing/adapter_conformance/suite.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace partnerkit::testing {

namespace detail {

inline Result<EncodedRequest> encode_operation(const Adapter& a, const DeclaredOperation& o,
                                               const VendorConfig& c) {
  switch (o.op) {
    case Operation::find:
      return a.encode_find(o.query, c);
    case Operation::get:
      return a.encode_get(o.partner_id, c);
    case Operation::update:
      return a.encode_update(o.partner_id, o.changes, c);
    case Operation::deactivate:
      return a.encode_deactivate(o.partner_id, o.options, c);
    case Operation::create:
      break;
  }
  return a.encode(o.changes, c);
}

// The Partner ids of an operation's decoded answer (find: every match), or its error.
inline Result<std::vector<std::string>> decode_operation(const Adapter& a, const DeclaredOperation& o,
                                                         const HttpResponse& r, const VendorConfig& c) {
  DecodeContext ctx;
  ctx.config = &c;
  ctx.operation = o.op;
  ctx.query = &o.query;
  ctx.partner_id = o.partner_id;
  ctx.deactivate = &o.options;
  std::vector<std::string> ids;
  if (o.op == Operation::find) {
    auto found = a.decode_find(r, ctx);
    if (!found) return found.error();
    for (const auto& p : *found) ids.push_back(p.id.value_or(""));
    return ids;
  }
  Result<Partner> p = o.op == Operation::get          ? a.decode_get(r, ctx)
                      : o.op == Operation::update     ? a.decode_update(r, ctx)
                      : o.op == Operation::deactivate ? a.decode_deactivate(r, ctx)
                                                      : a.decode(r, ctx);
  if (!p) return p.error();
  ids.push_back(p->id.value_or(""));
  return ids;
}

}  // namespace detail

// The operation checks of the kit (register_conformance_tests calls it).
inline void register_operation_tests(std::shared_ptr<const ConformanceSuite> s, const std::string& group) {
  detail::add_test(group, "operations_declared_have_cases", [s] {
    auto a = s->make_adapter();
    const OperationSupport ops = a->capabilities().operations;
    const auto has = [&](Operation op, std::optional<FindQuery::Key> key = std::nullopt) {
      for (const auto& o : s->operations)
        if (o.op == op && (!key || o.query.key == *key)) return true;
      return false;
    };
    const auto undeclared = [&](Operation op, std::optional<FindQuery::Key> key = std::nullopt) {
      DeclaredOperation probe;
      probe.op = op;
      probe.partner_id = "p_1";
      probe.query.key = key.value_or(FindQuery::Key::email);
      probe.query.value = "ana@example.com";
      probe.changes.name = "Ana";
      auto r = detail::encode_operation(*a, probe, detail::config_with_key(*s));
      ASSERT_FALSE(r) << to_string(op) << " is not declared but encodes";
      EXPECT_EQ(r.error().code, errc::unsupported_operation) << to_string(op) << ": " << r.error().message;
    };
    const std::pair<bool, FindQuery::Key> keys[] = {{ops.find_by_external_id, FindQuery::Key::external_id},
                                                    {ops.find_by_email, FindQuery::Key::email},
                                                    {ops.find_by_vendor_id, FindQuery::Key::vendor_id}};
    for (const auto& [declared, key] : keys) {
      if (declared) {
        EXPECT_TRUE(has(Operation::find, key)) << "find by key " << static_cast<int>(key) << " has no case";
      } else {
        undeclared(Operation::find, key);
      }
    }
    const std::pair<bool, Operation> others[] = {
        {ops.get, Operation::get}, {ops.update, Operation::update}, {ops.deactivate, Operation::deactivate}};
    for (const auto& [declared, op] : others) {
      if (declared) {
        EXPECT_TRUE(has(op)) << to_string(op) << " is declared but has no DeclaredOperation case";
      } else {
        undeclared(op);
      }
    }
    if (ops.update) {
      EXPECT_FALSE(ops.updatable_fields.empty()) << "update declares no updatable_fields";
    }
    if (ops.deactivate) {
      EXPECT_FALSE(ops.deactivate_semantics.empty()) << "deactivate semantics not written";
    }
  });

  for (const auto& o : s->operations) {
    detail::add_test(group, "operation/" + std::string(to_string(o.op)) + "_" + o.name, [s, o] {
      auto a = s->make_adapter();
      auto b = s->make_adapter();
      const VendorConfig cfg = detail::config_with_key(*s);
      auto r = detail::encode_operation(*a, o, cfg);
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_EQ(r->request.method, o.method);
      EXPECT_EQ(r->request.url, o.url);
      EXPECT_EQ(r->request.body, o.body);
      auto again = detail::encode_operation(*b, o, cfg);
      ASSERT_TRUE(again);
      EXPECT_EQ(r->request, again->request) << "the operation encodes differently twice";
      EXPECT_EQ(r->request.url.find(s->api_key), std::string::npos) << "API key in the URL";
      EXPECT_EQ(r->request.body.find(s->api_key), std::string::npos) << "API key in the body";
      detail::expect_no_secret("redacted request", detail::describe(redacted(r->request)),
                               detail::secrets(*s));

      auto ids = detail::decode_operation(*a, o, o.response, cfg);
      ASSERT_TRUE(ids) << ids.error().message;
      if (o.matches) {
        EXPECT_EQ(ids->size(), *o.matches);
      }
      if (o.id) {
        ASSERT_FALSE(ids->empty());
        EXPECT_EQ(ids->front(), *o.id);
      }
      for (const auto& [what, body] : detail::hostile_bodies()) {
        for (int status : {200, 404, 500}) {
          HttpResponse h{status, {{"Content-Type", "application/json"}}, body};
          auto d = detail::decode_operation(*a, o, h, cfg);  // must not crash; errors carry no secret
          if (!d) detail::expect_clean_error(d.error(), detail::secrets(*s));
          if (status == 500) {
            EXPECT_FALSE(d) << what << ": a 500 decoded as a success";
          }
        }
      }
    });
  }
}

}  // namespace partnerkit::testing
