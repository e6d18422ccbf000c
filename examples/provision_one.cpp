// The few lines a CRM backend writes to provision one partner.
//
//   DUB_API_KEY=... ./provision_one                          # against api.dub.co
//   PARTNERKIT_DUB_BASE_URL=https://127.0.0.1:8443 PARTNERKIT_CA_FILE=sandbox-ca.pem
//     DUB_API_KEY=sk_test_dub ./provision_one               (against `partnerkit sandbox`)
#include <partnerkit/adapters/builtin.hpp>
#include <partnerkit/beast_transport.hpp>
#include <partnerkit/client.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>

int main() {
  boost::asio::io_context io;
  partnerkit::TransportOptions tls;  // verification is always on; trust an extra CA if given
  if (const char* ca = std::getenv("PARTNERKIT_CA_FILE")) tls.ca_file = ca;
  auto registry = partnerkit::make_default_registry();
  partnerkit::Client client(
      io.get_executor(), registry, std::make_shared<partnerkit::BeastTransport>(io.get_executor(), tls),
      partnerkit::ClientOptions::from_env(*registry));  // DUB_API_KEY, PARTNERKIT_DUB_BASE_URL

  partnerkit::PartnerSpec spec;
  spec.email = "ada@example.com";
  spec.name = "Ada Lovelace";
  spec.country = "GB";
  spec.external_id = "crm-1815";

  int status = 1;
  client.async_provision("dub", spec, [&](partnerkit::Result<partnerkit::Partner> r) {
    if (r) {
      std::cout << "provisioned " << r->email << " as " << r->id.value_or("(no id)") << ": "
                << partnerkit::to_string(r->outcome) << "\n";
      status = 0;
    } else {
      std::cerr << "failed: " << partnerkit::to_string(r.error().code) << ": " << r.error().message << "\n";
    }
  });
  io.run();
  return status;
}
