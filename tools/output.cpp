// What a command prints: JSON lines on stdout, every one through the process's scrubber.
#include "cli.hpp"

#include <boost/json/serialize.hpp>

#include <iostream>

namespace partnerkit::cli {

namespace {
Scrubber& process_scrubber() {
  static Scrubber s;
  return s;
}
std::vector<std::string>& process_secrets() {
  static std::vector<std::string> v;
  return v;
}
}  // namespace

void remember_secrets(std::vector<std::string> secrets) {
  for (auto& s : secrets) process_secrets().push_back(std::move(s));
  process_scrubber() = Scrubber(process_secrets());
}

const Scrubber& cli_scrubber() { return process_scrubber(); }

std::string cli_scrubbed(std::string_view text) { return process_scrubber().scrub(text); }

Scrubber item_scrubber(const std::vector<VendorSetup>& vendors, const PartnerSpec* spec) {
  std::vector<std::string> secrets = operation_secrets(nullptr, spec, VendorConfig{});
  for (const auto& v : vendors)
    for (auto& s : operation_secrets(v.adapter.get(), spec, v.config)) secrets.push_back(std::move(s));
  return Scrubber(secrets);
}

void print_line(const boost::json::value& v, const Scrubber* item) {
  print_json_text(boost::json::serialize(v), item);
}

void print_json_text(std::string line, const Scrubber* item) {
  process_scrubber().scrub_in_place(line);
  if (item) item->scrub_in_place(line);
  line.push_back('\n');
  std::cout.write(line.data(), static_cast<std::streamsize>(line.size()));
}

void print_json_line(std::string_view line_and_newline) {
  // leaks() finds exactly what scrub_in_place() would replace: a line without it prints as it is.
  const std::string_view line = line_and_newline.substr(0, line_and_newline.size() - 1);
  if (process_scrubber().leaks(line)) return print_json_text(std::string(line));
  std::cout.write(line_and_newline.data(), static_cast<std::streamsize>(line_and_newline.size()));
}

boost::json::array issues_json(const Error& e) {
  boost::json::array out;
  for (const auto& i : e.issues)
    out.push_back(boost::json::object{{"field", i.field}, {"message", i.message}});
  if (out.empty()) out.push_back(boost::json::object{{"field", e.field}, {"message", e.message}});
  return out;
}

}  // namespace partnerkit::cli
