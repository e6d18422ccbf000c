#include <partnerkit/sandbox/certificate_authority.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace partnerkit::sandbox {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct X509Deleter {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};
struct ExtDeleter {
  void operator()(X509_EXTENSION* p) const noexcept { X509_EXTENSION_free(p); }
};
struct BnDeleter {
  void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, ExtDeleter>;
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;

[[noreturn]] void fail(const char* what) {
  std::string message = std::string("certificate_authority: ") + what;
  unsigned long e = 0;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    message += "; ";
    message += buf;
  }
  throw std::runtime_error(message);
}

void check(int ok, const char* what) {
  if (ok != 1) fail(what);
}

PkeyPtr generate_p256() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) fail("EC P-256 key generation");
  return key;
}

std::string to_pem(const X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("BIO_new");
  check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string key_to_pem(const EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) fail("BIO_new");
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
        "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

void set_random_serial(X509* cert) {
  unsigned char bytes[16];
  check(RAND_bytes(bytes, sizeof bytes), "RAND_bytes");
  bytes[0] &= 0x7f;  // positive
  bytes[0] |= 0x01;  // non-zero, full length
  BnPtr bn(BN_bin2bn(bytes, sizeof bytes, nullptr));
  if (!bn) fail("BN_bin2bn");
  if (!BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert))) fail("BN_to_ASN1_INTEGER");
}

void set_name(X509_NAME* name, const std::string& common_name) {
  check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>("partnerkit"), -1, -1, 0),
        "X509_NAME O");
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0),
        "X509_NAME CN");
}

// Adds an extension in OpenSSL's config syntax ("critical,CA:TRUE"); ctx carries issuer/subject
// for the key identifiers.
void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext) fail(("X509V3_EXT_conf_nid " + value).c_str());
  check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

X509Ptr new_cert(EVP_PKEY* subject_key, const std::string& common_name, std::chrono::seconds validity) {
  X509Ptr cert(X509_new());
  if (!cert) fail("X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");
  set_random_serial(cert.get());
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60)) fail("notBefore");
  if (!X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(validity.count()))) fail("notAfter");
  check(X509_set_pubkey(cert.get(), subject_key), "X509_set_pubkey");
  set_name(X509_get_subject_name(cert.get()), common_name);
  return cert;
}

}  // namespace

struct CertificateAuthority::Impl {
  PkeyPtr key;
  X509Ptr cert;
  std::string cert_pem;
};

CertificateAuthority::CertificateAuthority(std::string common_name, std::chrono::seconds validity)
    : impl_(std::make_unique<Impl>()) {
  impl_->key = generate_p256();
  impl_->cert = new_cert(impl_->key.get(), common_name, validity);
  X509* cert = impl_->cert.get();
  check(X509_set_issuer_name(cert, X509_get_subject_name(cert)), "X509_set_issuer_name");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  add_ext(cert, &ctx, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(cert, &ctx, NID_subject_key_identifier, "hash");
  add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always");
  if (X509_sign(cert, impl_->key.get(), EVP_sha256()) <= 0) fail("X509_sign (CA)");
  impl_->cert_pem = to_pem(cert);
}

CertificateAuthority::~CertificateAuthority() = default;
CertificateAuthority::CertificateAuthority(CertificateAuthority&&) noexcept = default;
CertificateAuthority& CertificateAuthority::operator=(CertificateAuthority&&) noexcept = default;

const std::string& CertificateAuthority::ca_cert_pem() const noexcept { return impl_->cert_pem; }

IssuedCertificate CertificateAuthority::issue(const LeafOptions& options) const {
  if (options.dns_names.empty() && options.ip_addresses.empty()) {
    throw std::invalid_argument("certificate_authority: a leaf needs at least one DNS name or IP address");
  }
  std::string common_name = options.common_name;
  if (common_name.empty()) {
    common_name = !options.dns_names.empty() ? options.dns_names.front() : options.ip_addresses.front();
  }
  PkeyPtr key = generate_p256();
  X509Ptr cert = new_cert(key.get(), common_name, options.validity);
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(impl_->cert.get())), "X509_set_issuer_name");

  std::string san;
  for (const auto& dns : options.dns_names) {
    if (!san.empty()) san += ',';
    san += "DNS:" + dns;
  }
  for (const auto& ip : options.ip_addresses) {
    if (!san.empty()) san += ',';
    san += "IP:" + ip;
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, impl_->cert.get(), cert.get(), nullptr, nullptr, 0);
  add_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature");
  add_ext(cert.get(), &ctx, NID_ext_key_usage, "serverAuth");
  add_ext(cert.get(), &ctx, NID_subject_alt_name, san);
  add_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  if (X509_sign(cert.get(), impl_->key.get(), EVP_sha256()) <= 0) fail("X509_sign (leaf)");

  IssuedCertificate out;
  out.cert_pem = to_pem(cert.get());
  out.chain_pem = out.cert_pem + impl_->cert_pem;
  out.key_pem = key_to_pem(key.get());
  return out;
}

IssuedCertificate CertificateAuthority::issue_for_host(const std::string& dns_name) const {
  LeafOptions options;
  options.dns_names = {dns_name};
  options.ip_addresses.clear();
  return issue(options);
}

void CertificateAuthority::write_ca_cert(const std::string& path) const {
  write_new_file(path, impl_->cert_pem, 0644);
}

void write_new_file(const std::string& path, std::string_view content, unsigned mode) {
  // O_EXCL: never overwrite, never write through a symlink planted at the path (O_NOFOLLOW too).
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0)
    throw std::runtime_error("partnerkit sandbox: cannot create " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(path.c_str());
      throw std::runtime_error("partnerkit sandbox: cannot write " + path + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw std::runtime_error("partnerkit sandbox: cannot write " + path);
}

std::string make_private_dir(const std::string& prefix) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();  // mkdtemp: mode 0700
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("partnerkit sandbox: cannot create a private directory: " +
                             std::string(std::strerror(errno)));
  return pattern;
}

}  // namespace partnerkit::sandbox
