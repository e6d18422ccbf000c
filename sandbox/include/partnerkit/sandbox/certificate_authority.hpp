// A throw-away certificate authority for local TLS: the sandbox, the tests and the benchmarks
// generate one at start-up, serve with a leaf it issues, and tell the client to trust the CA's PEM.
// Verification stays on everywhere; nothing here touches the system trust store.
//
// Keys are EC P-256, signatures ECDSA-SHA256, certificates X.509 v3. Built on the OpenSSL 3 EVP API.
// Programmer or OpenSSL failures throw std::runtime_error (with OpenSSL's error text).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace partnerkit::sandbox {

// What a leaf certificate is issued for.
struct LeafOptions {
  // subjectAltName DNS entries. Default: "localhost".
  std::vector<std::string> dns_names{"localhost"};
  // subjectAltName IP entries (IPv4 or IPv6 text). Default: "127.0.0.1".
  std::vector<std::string> ip_addresses{"127.0.0.1"};
  // Subject CN; empty → the first DNS name (or the first IP, or "partnerkit leaf").
  std::string common_name;
  // Validity starts one minute in the past (clock skew) and lasts this long. Default: 30 days.
  std::chrono::seconds validity = std::chrono::hours(24 * 30);
};

// A leaf certificate and its key, PEM encoded.
struct IssuedCertificate {
  std::string cert_pem;   // the leaf certificate alone
  std::string chain_pem;  // the leaf followed by the issuing CA certificate (what a server presents)
  std::string key_pem;    // the leaf's private key, PKCS#8 PEM, unencrypted. Secret: never log it.
};

// A self-signed root CA (basicConstraints critical CA:TRUE, keyUsage critical keyCertSign+cRLSign)
// that issues server leaves (CA:FALSE, digitalSignature, extendedKeyUsage serverAuth, subjectAltName).
// Every instance has its own fresh key: a second instance is an independent, mutually untrusted CA.
// issue() is const and may be called from several threads at once.
class CertificateAuthority {
 public:
  // Generates the CA key and certificate. validity: default 30 days.
  explicit CertificateAuthority(std::string common_name = "partnerkit test CA",
                                std::chrono::seconds validity = std::chrono::hours(24 * 30));
  ~CertificateAuthority();
  CertificateAuthority(CertificateAuthority&&) noexcept;
  CertificateAuthority& operator=(CertificateAuthority&&) noexcept;
  CertificateAuthority(const CertificateAuthority&) = delete;
  CertificateAuthority& operator=(const CertificateAuthority&) = delete;

  // The CA certificate, PEM: what a client adds to its trust store (TransportOptions::ca_pem).
  const std::string& ca_cert_pem() const noexcept;

  // Issues a server leaf for the given names (default: DNS:localhost, IP:127.0.0.1).
  IssuedCertificate issue(const LeafOptions& options = {}) const;

  // Shorthand: a leaf valid only for one DNS name (e.g. "wrong.example" for host-name tests).
  IssuedCertificate issue_for_host(const std::string& dns_name) const;

  // Writes ca_cert_pem() to a new file (for wrk, curl --cacert, the CLI's --ca-file), as
  // write_new_file does: never over an existing file or through a symlink. Throws on failure.
  // The CA's private key is never written anywhere: it lives in memory only.
  void write_ca_cert(const std::string& path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Creates `path` with O_CREAT|O_EXCL|O_NOFOLLOW and `mode` and writes `content`: fails (throws
// std::runtime_error) rather than overwrite an existing file or follow a symlink planted there.
void write_new_file(const std::string& path, std::string_view content, unsigned mode = 0600);

// A fresh private directory (mode 0700, mkdtemp) under the temporary directory, named
// <prefix>XXXXXX: where the sandbox CLI puts its CA file when no --ca-out is given. Throws on failure.
std::string make_private_dir(const std::string& prefix);

}  // namespace partnerkit::sandbox
