// partnerkit vendors: the registered vendors and what each declares about itself.
#include "cli.hpp"

#include <cmath>
#include <cstdint>
#include <iostream>

namespace partnerkit::cli {
namespace {

constexpr std::string_view vendors_help =
    "Usage: partnerkit vendors\n"
    "\n"
    "Lists the registered vendors, one JSON object per line:\n"
    "  {\"name\",\"base_url\",\"api_key_env\",\"create\",\"fields\",\"default_requests_per_second\",\n"
    "   \"rate_limit_headers\",\"notes\"}\n"
    "base_url is the one render and provision use (--base-url and PARTNERKIT_<VENDOR>_BASE_URL\n"
    "override it); fields are the PartnerSpec fields the vendor can carry; create is \"upsert\" when\n"
    "repeating a create is safe, else \"create\".\n";

// 1.0 as 1, not 1E0.
boost::json::value number(double d) {
  if (std::trunc(d) == d && std::abs(d) < 1e15) return static_cast<std::int64_t>(d);
  return std::round(d * 1000) / 1000;
}

int run_vendors(Args args) {
  parse_args(args, {});
  auto reg = registry();
  VendorArgs va;
  for (const auto& n : reg->names()) va.vendor_values.push_back(n);
  for (const auto& v : setup_vendors(*reg, va)) {
    Capabilities caps = v.adapter->capabilities();
    boost::json::array fields, headers;
    for (const auto& f : caps.fields) fields.emplace_back(f);
    for (const auto& h : caps.rate_limit_headers) headers.emplace_back(h);
    print_line(boost::json::object{
        {"name", v.name},
        {"base_url", v.config.base_url},
        {"api_key_env", api_key_env_name(v.name)},
        {"create", caps.create == CreateSemantics::upsert ? "upsert" : "create"},
        {"fields", std::move(fields)},
        {"default_requests_per_second", number(caps.default_requests_per_second)},
        {"rate_limit_headers", std::move(headers)},
        {"notes", caps.notes},
    });
  }
  return exit_ok;
}

}  // namespace

extern const Command vendors_command{"vendors", "list the registered vendors and what each can carry",
                                     vendors_help, run_vendors};

}  // namespace partnerkit::cli
