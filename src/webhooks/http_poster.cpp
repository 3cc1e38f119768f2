#include "webhooks/http_poster.hpp"

// Debian's cpp-httplib is a compiled library built with OpenSSL, zlib and brotli support, and its
// pkg-config flags (PkgConfig::HTTPLIB) define the matching CPPHTTPLIB_*_SUPPORT macros. A header
// included without them would declare other classes than the library defines, so rather than
// define the macro here, a build without it stops.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#error "include httplib.h with CPPHTTPLIB_OPENSSL_SUPPORT: link PkgConfig::HTTPLIB"
#endif
#include <httplib.h>
#include <openssl/x509.h>

#include <exception>

#include "webhooks/url.hpp"

namespace webhooks {
namespace {

PostResult failure(PostError error, std::string detail) {
  PostResult r;
  r.error = error;
  r.detail = std::move(detail);
  return r;
}

PostResult from_httplib_error(httplib::Error err, long verify_result, bool timed_out) {
  const std::string name = httplib::to_string(err);
  switch (err) {
    case httplib::Error::ConnectionTimeout:
      return failure(PostError::timeout, "no connection within the timeout");
    case httplib::Error::Read:
      // cpp-httplib reports a read timeout as a read error; the elapsed time tells them apart.
      if (timed_out) return failure(PostError::timeout, "no answer within the timeout");
      return failure(PostError::connection, "connection closed before an answer");
    case httplib::Error::Connection:
    case httplib::Error::BindIPAddress:
    case httplib::Error::Write:
      return failure(PostError::connection, "connection failed (" + name + ")");
    case httplib::Error::SSLServerVerification:
      // A verified chain with a host name that does not match also lands here.
      if (verify_result == X509_V_OK) {
        return failure(PostError::tls, "the certificate does not name the host");
      }
      return failure(PostError::tls, std::string("certificate not verified: ") +
                                         X509_verify_cert_error_string(verify_result));
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
      return failure(PostError::tls, "TLS failed (" + name + ")");
    default:
      return failure(PostError::other, "HTTP client error (" + name + ")");
  }
}

}  // namespace

HttpPoster::HttpPoster(std::chrono::milliseconds timeout, std::string user_agent)
    : timeout_(timeout), user_agent_(std::move(user_agent)) {}

PostResult HttpPoster::post(const PostRequest& request) {
  std::string reason;
  const auto url = parse_endpoint_url(request.url, &reason);
  if (!url) return failure(PostError::invalid_url, "the URL " + reason);
  try {
    httplib::Client client(url->origin());
    client.enable_server_certificate_verification(true);
    client.set_follow_location(false);
    client.set_keep_alive(false);
    client.set_connection_timeout(timeout_);
    client.set_read_timeout(timeout_);
    client.set_write_timeout(timeout_);
    httplib::Headers headers(request.headers.begin(), request.headers.end());
    headers.emplace("User-Agent", user_agent_);

    const auto start = std::chrono::steady_clock::now();
    httplib::Result res =
        client.Post(url->target.c_str(), headers, request.body, request.content_type.c_str());
    if (res) {
      PostResult r;
      r.status = res->status;
      return r;
    }
    const bool timed_out = std::chrono::steady_clock::now() - start >= timeout_;
    return from_httplib_error(res.error(), client.get_openssl_verify_result(), timed_out);
  } catch (const std::exception& e) {
    // cpp-httplib reports through Result, but std::bad_alloc and the like still throw.
    return failure(PostError::other, std::string("HTTP client exception: ") + e.what());
  }
}

}  // namespace webhooks
