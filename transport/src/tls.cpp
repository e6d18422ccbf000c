#include "detail/tls.hpp"

#include <partnerkit/beast_transport.hpp>

#include <boost/asio/ssl/error.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

namespace partnerkit::detail {
namespace asio = boost::asio;
namespace ssl = asio::ssl;

namespace {

// OpenSSL 3.0 fills a certificate's extension cache (key identifiers, constraints) lazily, on
// first use, and some readers look at it without the lock: two first handshakes at once race
// on the shared trusted certificates (ThreadSanitizer sees it). Fill it while single-threaded.
void fill_extension_cache(X509* cert) { X509_check_purpose(cert, -1, 0); }

// The system bundle (OpenSSL's default certificate file, ~140 roots) read only when a chain needs
// an issuer that the given CA file / PEM does not have. Parsing it costs milliseconds at every start
// (17 % of a 5,000-request run's profile) although a run against a sandbox or a private CA never
// uses it. A lookup method: OpenSSL asks its lookups only for a subject its store does not hold.
struct LazyBundle {
  std::string path;
  std::once_flag once;
};

void load_bundle(X509_STORE* store, const std::string& path) {
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (!bio) return ERR_clear_error();  // no bundle: as set_default_verify_paths, nothing trusted
  STACK_OF(X509_INFO)* infos = PEM_X509_INFO_read_bio(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  for (int i = 0; infos && i < sk_X509_INFO_num(infos); ++i) {
    if (X509* cert = sk_X509_INFO_value(infos, i)->x509) {
      fill_extension_cache(cert);
      X509_STORE_add_cert(store, cert);  // takes its own reference; a duplicate is not an error
    }
  }
  sk_X509_INFO_pop_free(infos, X509_INFO_free);
  ERR_clear_error();
}

int lazy_bundle_by_subject(X509_LOOKUP* lookup, X509_LOOKUP_TYPE type, const X509_NAME* name,
                           X509_OBJECT* ret) {
  if (type != X509_LU_X509) return 0;
  auto* bundle = static_cast<LazyBundle*>(X509_LOOKUP_get_method_data(lookup));
  X509_STORE* store = X509_LOOKUP_get_store(lookup);
  if (!bundle || !store) return 0;
  std::call_once(bundle->once, [&] { load_bundle(store, bundle->path); });
  if (!X509_STORE_lock(store)) return 0;
  X509* found = nullptr;
  if (X509_OBJECT* o = X509_OBJECT_retrieve_by_subject(X509_STORE_get0_objects(store), type, name))
    found = X509_OBJECT_get0_X509(o);
  // OpenSSL's own lookups hand back the store's object without a reference (the caller takes one);
  // set1 takes one, so give it back: the store keeps the certificate alive.
  const bool ok = found && X509_OBJECT_set1_X509(ret, found) == 1;
  if (ok) X509_free(found);
  X509_STORE_unlock(store);
  return ok ? 1 : 0;
}

void free_lazy_bundle(X509_LOOKUP* lookup) {
  delete static_cast<LazyBundle*>(X509_LOOKUP_get_method_data(lookup));
  X509_LOOKUP_set_method_data(lookup, nullptr);
}

X509_LOOKUP_METHOD* lazy_bundle_method() {
  static X509_LOOKUP_METHOD* const method = [] {
    X509_LOOKUP_METHOD* m = X509_LOOKUP_meth_new("partnerkit lazy system bundle");
    if (m) {
      X509_LOOKUP_meth_set_get_by_subject(m, lazy_bundle_by_subject);
      X509_LOOKUP_meth_set_free(m, free_lazy_bundle);
    }
    return m;
  }();
  return method;
}

// The same trust as set_default_verify_paths (the default file, then the hashed directory and the
// default store, both of which OpenSSL reads per lookup anyway), with the file read lazily.
bool add_lazy_default_paths(SSL_CTX* native) {
  X509_STORE* store = SSL_CTX_get_cert_store(native);
  X509_LOOKUP_METHOD* method = lazy_bundle_method();
  if (!store || !method) return false;
  X509_LOOKUP* lookup = X509_STORE_add_lookup(store, method);
  if (!lookup) return false;
  auto bundle = std::make_unique<LazyBundle>();
  const char* env = std::getenv(X509_get_default_cert_file_env());
  bundle->path = env && *env ? env : X509_get_default_cert_file();
  X509_LOOKUP_set_method_data(lookup, bundle.release());
  if (X509_LOOKUP* dir = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir()))
    X509_LOOKUP_add_dir(dir, nullptr, X509_FILETYPE_DEFAULT);
  if (X509_LOOKUP* def = X509_STORE_add_lookup(store, X509_LOOKUP_store()))
    X509_LOOKUP_add_store(def, nullptr);
  ERR_clear_error();
  return true;
}

}  // namespace

void configure_tls_context(ssl::context& ctx, const TransportOptions& options) {
  SSL_CTX* native = ctx.native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    throw boost::system::system_error(
        boost::system::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()),
        "partnerkit: TLS 1.2 minimum");
  }
  // TLS 1.3: AES-128-GCM first (OpenSSL's default puts AES-256 first). RFC 8446's mandatory suite,
  // first in Chrome's and Firefox's lists, and fewer cipher instructions a record; a server
  // with its own preference still picks. The same three suites, none added.
  if (SSL_CTX_set_ciphersuites(
          native, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256") != 1) {
    throw boost::system::system_error(
        boost::system::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()),
        "partnerkit: TLS 1.3 suites");
  }
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  ctx.set_verify_mode(ssl::verify_peer);
  if (!options.ca_file.empty()) ctx.load_verify_file(options.ca_file);
  if (!options.ca_pem.empty()) ctx.add_certificate_authority(asio::buffer(options.ca_pem));
  if (options.use_default_verify_paths) {
    // With a CA of its own the run most likely never needs the system bundle: read it lazily.
    const bool own_ca = !options.ca_file.empty() || !options.ca_pem.empty();
    if (!own_ca || !add_lazy_default_paths(native)) ctx.set_default_verify_paths();
  }
  if (X509_STORE* store = SSL_CTX_get_cert_store(native)) {
    STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
    for (int i = 0; objects && i < sk_X509_OBJECT_num(objects); ++i) {
      if (X509* cert = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i))) fill_extension_cache(cert);
    }
  }
  if (options.tls_session_resumption) {
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  }
}

boost::system::error_code prepare_tls_stream(TlsSocket& stream, const Target& t, SSL_SESSION* resume) {
  SSL* ssl_handle = stream.native_handle();
  auto openssl_error = [&] {
    if (resume) SSL_SESSION_free(resume);
    return boost::system::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
  };
  if (!t.host_is_ip) {
    // SNI, and OpenSSL's own host check (reports X509_V_ERR_HOSTNAME_MISMATCH) …
    if (!SSL_set_tlsext_host_name(ssl_handle, t.host.c_str()) ||
        SSL_set1_host(ssl_handle, t.host.c_str()) != 1) {
      return openssl_error();
    }
  } else if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), t.host.c_str()) != 1) {
    return openssl_error();
  }
  // … and Asio's RFC 6125 check of the leaf, belt and braces.
  stream.verify_peer_host(t.host);
  if (resume) {
    // A copy per connection: a TLS 1.3 client marks the session it resumed as used up (OpenSSL
    // removes it from the client cache at the end of the handshake), which would turn every other
    // connection still to resume the shared one into a full handshake.
    SSL_SESSION* own = SSL_SESSION_dup(resume);
    SSL_SESSION_free(resume);
    if (own) {
      SSL_set_session(ssl_handle, own);
      SSL_SESSION_free(own);
    }
  }
  return {};
}

}  // namespace partnerkit::detail
