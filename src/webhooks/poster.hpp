// Posting one signed delivery, behind an interface: delivery_queues.hpp decides what to post and
// when, a Poster only posts, so the delivery logic is tested with a fake poster and the HTTP
// client (http_poster.hpp) with a local server.
//
// Contract: post() may be called from several threads at once (one per tenant at most); it
// blocks until the endpoint answered or the attempt failed, bounded by the implementation's
// timeout. Every outcome is a value: a Poster does not throw.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace webhooks {

struct PostRequest {
  std::string url;                                           // http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;  // webhook-id, -timestamp, -signature
  std::string content_type;
  std::string body;
};

enum class PostError {
  none,         // the endpoint answered; see the status
  timeout,      // no connection or no answer in time
  connection,   // refused, reset, unresolvable host
  tls,          // handshake failed, or the certificate or host name did not verify
  invalid_url,  // nothing was sent
  other,
};
// "none", "timeout", "connection", "tls", "invalid_url", "other".
const char* post_error_name(PostError error);

struct PostResult {
  PostError error = PostError::none;
  int status = 0;      // the HTTP status when error is none
  std::string detail;  // what failed, for logs; never the URL, a header value or the body
  // Standard Webhooks: any 2xx is a delivery; everything else (3xx included) a failure.
  bool delivered() const { return error == PostError::none && status >= 200 && status <= 299; }
};

class Poster {
 public:
  virtual ~Poster() = default;
  virtual PostResult post(const PostRequest& request) = 0;
};

}  // namespace webhooks
