// The adapter of the Client and batch tests: the shipped testing::ScriptedAdapter (create only, with
// the given create semantics), whose error answers also read two test headers: X-Test-Retry-After-Ms
// (a millisecond Retry-After, so tests need not sleep whole seconds) and X-Test-Field (the answer is
// already_exists on that field).
#pragma once

#include <partnerkit/testing/scripted_adapter.hpp>

#include <string>

namespace partnerkit::test {

class TestAdapter : public testing::ScriptedAdapter {
 public:
  explicit TestAdapter(CreateSemantics create = CreateSemantics::create, std::string name = "fake")
      : ScriptedAdapter(std::move(name), with_create(create)) {}

 protected:
  Error error_answer(const HttpResponse& response, const DecodeContext& context) const override {
    Error e = ScriptedAdapter::error_answer(response, context);
    if (auto ms = response.header("X-Test-Retry-After-Ms"); !ms.empty())
      e.retry_after = std::chrono::milliseconds(std::stoi(std::string(ms)));
    if (auto field = response.header("X-Test-Field"); !field.empty()) {
      e.code = errc::already_exists;
      e.retryable = false;
      e.field = std::string(field);
      e.issues.push_back(FieldIssue{e.field, "has already been taken"});
    }
    return e;
  }

 private:
  static Capabilities with_create(CreateSemantics create) {
    Capabilities c;
    c.create = create;
    return c;
  }
};

}  // namespace partnerkit::test
