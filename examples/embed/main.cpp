// Renders one Dub request with the built-in adapters and checks it: what a CRM backend does before
// it sends anything. Exit status 0 when the request is the one expected.
#include <partnerkit/adapters/builtin.hpp>
#include <partnerkit/http.hpp>
#include <partnerkit/options.hpp>
#include <partnerkit/spec_json.hpp>
#include <partnerkit/validation.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <iostream>

int main() {
  auto registry = partnerkit::make_default_registry();
  auto dub = registry->find("dub");
  if (!dub) {
    std::cerr << "no dub adapter registered\n";
    return 1;
  }

  auto spec = partnerkit::spec_from_json(R"({"email":"ana@example.com","name":"Ana Silva","country":"pt",)"
                                         R"("referral_key":"ana","tags":["emea"]})");
  if (spec) spec = partnerkit::validated(std::move(*spec));
  if (!spec) {
    std::cerr << "spec refused: " << spec.error().message << "\n";
    return 1;
  }

  partnerkit::VendorConfig config;
  config.base_url = dub->capabilities().default_base_url;
  config.api_key = "dub_embed_example_key";
  auto encoded = dub->encode(*spec, config);
  if (!encoded) {
    std::cerr << "encode failed: " << encoded.error().message << "\n";
    return 1;
  }
  const partnerkit::HttpRequest& request = encoded->request;
  const boost::json::value body = boost::json::parse(request.body);
  const bool ok = request.method == "POST" && request.url == "https://api.dub.co/partners" &&
                  request.header("Authorization") == "Bearer dub_embed_example_key" &&
                  body.at("email") == "ana@example.com" && body.at("name") == "Ana Silva" &&
                  body.at("country") == "PT" && body.at("username") == "ana";
  const partnerkit::HttpRequest shown = partnerkit::redacted(request);
  std::cout << shown.method << " " << shown.url << "\n"
            << "Authorization: " << shown.header("Authorization") << "\n"
            << shown.body << "\n";
  if (!ok) {
    std::cerr << "unexpected request\n";
    return 1;
  }
  std::cout << "embed: ok\n";
  return 0;
}
