// Small stanza builders shared by the client: acks, iq replies, request ids (PROTOCOL.md §8).
// Pure functions; thread-safe.
#pragma once
#include <atomic>
#include <string>
#include "wa/binary/node.hpp"

namespace wa {

// <ack id=ID to=FROM class=TAG [participant] [recipient] [type]/> for a received receipt,
// notification or call (§8 "What must be acked"). whatsmeow never copies `type` into
// message-class acks, so it is copied only for the other classes. A non-zero `error` is a NACK
// code (§8: 487 parsing error, 488 unrecognized stanza, 491 invalid protobuf, ...).
Node make_ack(const Node& received, int error = 0);

// <iq to=s.whatsapp.net type="result" id=ID/>, optionally with one child.
Node make_iq_result(const std::string& id, std::optional<Node> child = std::nullopt);

// <iq to=s.whatsapp.net type="error" id=ID><error code=CODE text=TEXT/></iq>  (§6)
Node make_iq_error(const std::string& id, int code, const std::string& text);

// Request ids unique per connection: whatsmeow's "<byte>.<byte>-<counter>" form, which the
// codec packs as a nibble string (§8 "IQ plumbing").
class RequestIds {
 public:
  RequestIds();
  std::string next();

 private:
  std::string prefix_;
  std::atomic<uint64_t> counter_{0};
};

}  // namespace wa
