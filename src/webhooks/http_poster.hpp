// The Poster over HTTP(S), with cpp-httplib's blocking client.
//
// - https: the server certificate and host name are verified against the system CA store
//   (OpenSSL's default verify paths: /etc/ssl/certs on Debian; SSL_CERT_FILE and SSL_CERT_DIR
//   override them). Nothing is posted to an endpoint that does not verify.
// - Redirects are not followed: the Standard Webhooks specification counts a 3xx as a failure,
//   and the fix is a corrected URL rather than a second request per event.
// - Timeout: connecting, and each wait to write or read, is bounded by `timeout`. An endpoint
//   that keeps trickling bytes can hold a post longer (cpp-httplib 0.11 has no overall deadline);
//   that ties up only its own tenant's queue.
// - One connection per post: a tenant's posts are sequential and most tenants post rarely, so
//   an idle connection per tenant would cost more than it saves.
//
// Thread-safety: post() may run on several threads at once; each call has its own client.
#pragma once
#include <chrono>
#include <string>

#include "webhooks/poster.hpp"

namespace webhooks {

class HttpPoster : public Poster {
 public:
  HttpPoster(std::chrono::milliseconds timeout, std::string user_agent);
  PostResult post(const PostRequest& request) override;

 private:
  const std::chrono::milliseconds timeout_;
  const std::string user_agent_;
};

}  // namespace webhooks
