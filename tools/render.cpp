// partnerkit render --vendor V[,V...] --input FILE|-: the requests each vendor would get, as JSON
// lines. No network; credentials redacted.
#include "cli.hpp"

#include <partnerkit/http.hpp>
#include <partnerkit/spec_json.hpp>
#include <partnerkit/validation.hpp>

#include <boost/json/parse.hpp>

#include <iostream>

namespace partnerkit::cli {
namespace {

constexpr std::string_view render_help =
    "Usage: partnerkit render --vendor V[,V...] --input FILE|- [options]\n"
    "\n"
    "Prints the HTTP request each vendor would receive for each partner of the input, one JSON object\n"
    "per item and vendor:\n"
    "  {\"index\",\"vendor\",\"method\",\"url\",\"headers\",\"body\",\"warnings\"}\n"
    "Headers and body members with secret-like names (Authorization, password, client_secret,\n"
    "apiToken, ...) are redacted, and every secret value (API key, password, secret-named\n"
    "vendor_overrides and settings) is scrubbed wherever else it appears, in any encoding. Nothing is\n"
    "sent. An item that cannot be rendered prints {\"index\",\"line\",\"vendor\",\"error\":{...}} instead.\n"
    "\n"
    "Options:\n"
    "  --vendor V[,V...]      vendors to render for (dub, partnero, journeybee); repeatable\n"
    "  --input FILE|-         JSON lines or CSV (header row of PartnerSpec names); - for stdin\n"
    "  --format F             auto (default: '{' first means JSON lines), jsonl or csv\n"
    "  --base-url [V=]URL     base URL for every vendor, or for vendor V (default: the vendor's\n"
    "                         public API, or PARTNERKIT_<VENDOR>_BASE_URL)\n"
    "  --settings FILE        JSON {\"<vendor>\": {settings}} (e.g. JourneyBee's country_ids map)\n"
    "  --strict               fail items using fields a vendor cannot carry (unsupported_field)\n"
    "                         instead of dropping them with a warning\n"
    "  -h, --help             this text\n"
    "\n" PARTNERKIT_CLI_INPUT_HELP
    "\n"
    "API keys come from <VENDOR>_API_KEY (e.g. DUB_API_KEY; a placeholder when unset); they are never\n"
    "printed.\n"
    "Exit status: 0 every item rendered, 1 some items failed, 2 bad usage or unreadable input.\n";

void render_options(CLI::App& c) {
  repeatable(c, "--vendor");
  option(c, "--input");
  option(c, "--format");
  repeatable(c, "--base-url");
  option(c, "--settings");
  flag(c, "--strict");
}

boost::json::value body_json(const std::string& body) {
  if (body.empty()) return nullptr;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) return boost::json::value(body);
  return v;
}

boost::json::object error_line(const InputItem& item, std::string_view vendor, const Error& e) {
  return boost::json::object{
      {"index", item.index}, {"line", item.line}, {"vendor", vendor}, {"error", to_json(e)}};
}

int run_render(const ParsedArgs& p) {
  if (!p.has("--vendor")) throw UsageError("missing --vendor");
  if (!p.has("--input")) throw UsageError("missing --input");
  VendorArgs va = vendor_args(p);
  auto reg = registry();
  std::vector<VendorSetup> vendors = setup_vendors(*reg, va);
  std::size_t rendered = 0, failed_items = 0, warnings = 0;
  const std::size_t items = for_each_input_item(p, [&](InputItem& item) {
    bool item_failed = false;
    std::vector<std::string> blanks;
    const Scrubber item_secrets = item_scrubber(vendors, item.spec ? &*item.spec : nullptr);
    Result<PartnerSpec> spec =
        item.spec ? validated(std::move(*item.spec), &blanks) : Result<PartnerSpec>(item.spec.error());
    if (!spec) {
      Error e = spec.error();
      if (item.spec && !e.message.starts_with("line "))
        e.message = "line " + std::to_string(item.line) + ": " + e.message;
      for (const auto& v : vendors) print_line(error_line(item, v.name, e), &item_secrets);
      ++failed_items;
      return;
    }
    for (const auto& v : vendors) {
      // The operation's secrets by value (key, password, secret-named overrides and settings).
      const Scrubber scrubber = operation_scrubber(v.adapter.get(), &*spec, v.config);
      if (auto own = v.adapter->validate(*spec); !own.empty()) {
        print_line(error_line(item, v.name, invalid_input_error(std::move(own))), &scrubber);
        item_failed = true;
        continue;
      }
      Result<EncodedRequest> enc = v.adapter->encode(*spec, v.config);
      if (enc) enc->warnings.insert(enc->warnings.begin(), blanks.begin(), blanks.end());
      if (!enc) {
        print_line(error_line(item, v.name, enc.error()), &scrubber);
        item_failed = true;
        continue;
      }
      HttpRequest safe = redacted(enc->request, scrubber);
      boost::json::object headers;
      for (const auto& [k, val] : safe.headers) {
        if (auto* existing = headers.if_contains(k))
          *existing = std::string(existing->as_string()) + ", " + val;
        else
          headers[k] = val;
      }
      boost::json::array warns;
      for (const auto& w : enc->warnings) warns.emplace_back(w);
      warnings += enc->warnings.size();
      print_line(boost::json::object{{"index", item.index},
                                     {"vendor", v.name},
                                     {"method", safe.method},
                                     {"url", safe.url},
                                     {"headers", std::move(headers)},
                                     {"body", body_json(safe.body)},
                                     {"warnings", std::move(warns)}},
                 &scrubber);
      ++rendered;
    }
    if (item_failed) ++failed_items;
  });
  std::cerr << "render: " << items << " item(s), " << rendered << " request(s) rendered for "
            << vendors.size() << " vendor(s), " << failed_items << " item(s) failed, " << warnings
            << " warning(s)\n";
  return failed_items == 0 ? exit_ok : exit_failed;
}

}  // namespace

extern const Command render_command{"render",
                                    "print the vendor requests for each partner as JSON lines (no network)",
                                    render_help, render_options, run_render};

}  // namespace partnerkit::cli
