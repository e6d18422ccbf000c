#include "detail/tls.hpp"

#include <partnerkit/beast_transport.hpp>

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace partnerkit::detail {
namespace asio = boost::asio;
namespace ssl = asio::ssl;

void configure_tls_context(ssl::context& ctx, const TransportOptions& options) {
  SSL_CTX* native = ctx.native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    throw boost::system::system_error(
        boost::system::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()),
        "partnerkit: TLS 1.2 minimum");
  }
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  ctx.set_verify_mode(ssl::verify_peer);
  if (options.use_default_verify_paths) ctx.set_default_verify_paths();
  if (!options.ca_file.empty()) ctx.load_verify_file(options.ca_file);
  if (!options.ca_pem.empty()) ctx.add_certificate_authority(asio::buffer(options.ca_pem));
  // OpenSSL 3.0 fills a certificate's extension cache (key identifiers, constraints) lazily, on
  // first use, and some readers look at it without the lock: two first handshakes at once race
  // on the shared trusted certificates (ThreadSanitizer sees it). Fill it now, single-threaded.
  if (X509_STORE* store = SSL_CTX_get_cert_store(native)) {
    STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
    for (int i = 0; objects && i < sk_X509_OBJECT_num(objects); ++i) {
      if (X509* cert = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i)))
        X509_check_purpose(cert, -1, 0);
    }
  }
  if (options.tls_session_resumption) {
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  }
}

boost::system::error_code prepare_tls_stream(ssl::stream<asio::ip::tcp::socket>& stream, const Target& t,
                                             SSL_SESSION* resume) {
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
  stream.set_verify_mode(ssl::verify_peer);
  stream.set_verify_callback(ssl::host_name_verification(t.host));
  if (resume) {
    SSL_set_session(ssl_handle, resume);
    SSL_SESSION_free(resume);
  }
  return {};
}

}  // namespace partnerkit::detail
