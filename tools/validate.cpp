// partnerkit validate --input FILE [--vendor V[,V...]]: a local validation report, one JSON line per
// item, and a summary on stderr.
#include "cli.hpp"

#include <partnerkit/validation.hpp>

#include <iostream>

namespace partnerkit::cli {
namespace {

constexpr std::string_view validate_help =
    "Usage: partnerkit validate --input FILE|- [--vendor V[,V...]] [options]\n"
    "\n"
    "Checks every partner of the input locally (required fields, lengths, e-mail pattern, ISO 3166-1\n"
    "countries, URLs, referrer, link options, custom fields) and prints one JSON object per item:\n"
    "  {\"index\",\"line\",\"ok\",\"issues\":[{\"field\",\"message\"}]}\n"
    "Each vendor's own rules (Dub's lengths, Partnero's password, ...) are checked for the vendors\n"
    "given with --vendor, else for every registered vendor, the message naming the vendor. Blank\n"
    "optional fields are dropped as not given, with a warning.\n"
    "With --vendor, each valid item is also encoded for those vendors in strict mode; the fields a\n"
    "vendor cannot carry are reported as \"warnings\":[{\"vendor\",\"field\",\"message\"}] (they do not\n"
    "make the item fail), and anything else a vendor's encoder refuses is an issue.\n"
    "A summary goes to stderr.\n"
    "\n"
    "Options:\n"
    "  --input FILE|-         JSON lines or CSV (header row of PartnerSpec names); - for stdin\n"
    "  --format F             auto (default), jsonl or csv\n"
    "  --vendor V[,V...]      also check what these vendors can carry; repeatable\n"
    "  --settings FILE        vendor settings, as for render\n"
    "  -h, --help             this text\n"
    "\n" PARTNERKIT_CLI_INPUT_HELP
    "\n"
    "Exit status: 0 every item valid, 1 some items invalid, 2 bad usage or unreadable input.\n";

void validate_options(CLI::App& c) {
  repeatable(c, "--vendor");
  option(c, "--input");
  option(c, "--format");
  option(c, "--settings");
}

// What a vendor cannot carry, as warnings; other refusals as issues.
void check_vendor(const VendorSetup& v, const PartnerSpec& spec, boost::json::array& issues,
                  boost::json::array& warnings) {
  // The vendor's own rules (lengths, password policy): issues for this vendor only.
  if (auto own = v.adapter->validate(spec); !own.empty()) {
    for (auto& i : issues_json(invalid_input_error(std::move(own)))) {
      auto& o = i.as_object();
      o["message"] = v.name + ": " + std::string(o["message"].as_string());
      issues.push_back(std::move(i));
    }
    return;
  }
  VendorConfig strict = v.config;
  strict.strict = true;
  Result<EncodedRequest> enc = v.adapter->encode(spec, strict);
  if (enc) return;
  const Error& e = enc.error();
  if (e.code != errc::unsupported_field) {
    for (auto& i : issues_json(e)) {
      auto& o = i.as_object();
      o["message"] = v.name + ": " + std::string(o["message"].as_string());
      issues.push_back(std::move(i));
    }
    return;
  }
  // Strict mode may stop at the first unsupported field: lenient mode lists every dropped one.
  boost::json::array found;
  for (auto& i : issues_json(e)) {
    auto& o = i.as_object();
    found.push_back(
        boost::json::object{{"vendor", v.name}, {"field", o["field"]}, {"message", o["message"]}});
  }
  VendorConfig lenient = v.config;
  lenient.strict = false;
  if (auto all = v.adapter->encode(spec, lenient); all && all->warnings.size() > found.size()) {
    found.clear();
    for (const auto& w : all->warnings)
      found.push_back(boost::json::object{{"vendor", v.name}, {"field", ""}, {"message", w}});
  }
  for (auto& f : found) warnings.push_back(std::move(f));
}

int run_validate(const ParsedArgs& p) {
  if (!p.has("--input")) throw UsageError("missing --input");
  std::vector<VendorSetup> vendors;
  auto reg = registry();
  if (p.has("--vendor")) {
    VendorArgs va;
    va.vendor_values = p.values("--vendor");
    va.settings_file = p.value("--settings");
    va.strict = true;
    vendors = setup_vendors(*reg, va);
  }
  std::size_t invalid = 0, warned = 0;
  const std::size_t items = for_each_input_item(p, [&](InputItem& item) {
    const Scrubber scrubber = item_scrubber(vendors, item.spec ? &*item.spec : nullptr);
    boost::json::array issues, warnings;
    if (!item.spec) {
      issues = issues_json(item.spec.error());
    } else {
      std::vector<std::string> blanks;
      const PartnerSpec raw = *item.spec;
      Result<PartnerSpec> spec = validated(std::move(*item.spec), &blanks);
      for (const auto& w : blanks)
        warnings.push_back(boost::json::object{{"vendor", ""}, {"field", ""}, {"message", w}});
      // Each vendor's own rules, named by it: for --vendor's vendors, else every registered one. Run
      // on the raw spec too when the shared rules fail, so one report lists every problem.
      const auto own_rules = [&](const std::string& name, const Adapter& adapter, const PartnerSpec& s) {
        if (auto own = adapter.validate(s); !own.empty()) {
          for (auto& i : issues_json(invalid_input_error(std::move(own)))) {
            auto& o = i.as_object();
            o["message"] = name + ": " + std::string(o["message"].as_string());
            issues.push_back(std::move(i));
          }
        }
      };
      if (!spec) {
        issues = issues_json(spec.error());
        if (!vendors.empty()) {
          for (const auto& v : vendors) own_rules(v.name, *v.adapter, raw);
        } else {
          for (const auto& name : reg->names()) own_rules(name, *reg->find(name), raw);
        }
      } else if (!vendors.empty()) {
        for (const auto& v : vendors) check_vendor(v, *spec, issues, warnings);
      } else {
        for (const auto& name : reg->names()) own_rules(name, *reg->find(name), *spec);
      }
    }
    const bool ok = issues.empty();
    if (!ok) ++invalid;
    if (!warnings.empty()) ++warned;
    boost::json::object line{
        {"index", item.index}, {"line", item.line}, {"ok", ok}, {"issues", std::move(issues)}};
    if (!vendors.empty() || !warnings.empty()) line["warnings"] = std::move(warnings);
    print_line(line, &scrubber);
  });
  std::cerr << "validate: " << items << " item(s), " << (items - invalid) << " valid, " << invalid
            << " invalid";
  if (!vendors.empty()) std::cerr << ", " << warned << " with fields some vendor cannot carry";
  std::cerr << "\n";
  return invalid == 0 ? exit_ok : exit_failed;
}

}  // namespace

extern const Command validate_command{"validate",
                                      "check partners locally and report every problem as JSON lines",
                                      validate_help, validate_options, run_validate};

}  // namespace partnerkit::cli
